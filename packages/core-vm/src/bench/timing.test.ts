import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bestRate } from "./timing.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("bestRate (how every `vmlab bench` benchmark turns rounds into a rate)", () => {
  it("runs one untimed warm-up and then `rounds` timed runs, and reports the fastest as operations per second", () => {
    // A clock that advances only inside fn: each call takes the next duration in ms.
    const durationsMs = [1000, 40, 20, 80];
    let nowMs = 0;
    let calls = 0;
    vi.spyOn(performance, "now").mockImplementation(() => nowMs);
    const fn = () => {
      nowMs += durationsMs[calls++];
    };
    // 1,000 operations, best round 20 ms: 50,000 per second. The slow warm-up (JIT, caches) is not a round.
    expect(bestRate(fn, 1000, 3)).toBeCloseTo(50_000, 6);
    expect(calls).toBe(4);
  });

  it("is not pulled down by a round a busy machine slowed", () => {
    const durationsMs = [5, 10, 500, 10];
    let nowMs = 0;
    let calls = 0;
    vi.spyOn(performance, "now").mockImplementation(() => nowMs);
    expect(bestRate(() => void (nowMs += durationsMs[calls++]), 10, 3)).toBeCloseTo(1000, 6);
  });
});
