import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { IometerWorkload } from "./iometer.js";
import { runMeasured } from "./measure.js";

function started() {
  const sim = new Simulation();
  const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4 });
  w.start({ sim, target: new Hdd(sim), rng: new RngStreams(1).get("vm0"), vm: 0 });
  return { sim, w };
}

function refusal(warmupNs: number, durationNs: number): string {
  const { sim, w } = started();
  try {
    runMeasured(sim, [w], warmupNs, durationNs);
  } catch (e) {
    return `${(e as { code?: string }).code} ${(e as Error).message}`;
  }
  return "ran";
}

describe("runMeasured", () => {
  it("measures the interval after the warm-up and returns its length", () => {
    const { sim, w } = started();
    expect(runMeasured(sim, [w], 1e8, 1e9)).toBe(1e9);
    expect(w.stats.sinceNs).toBe(1e8);
    expect(w.stats.completed).toBeGreaterThan(0);
  });

  // A NaN duration failed in the kernel as "run option until … got NaN", a key the caller never passed;
  // a negative warm-up ran no warm-up at all without a word.
  it.each([
    [Number.NaN, 1e9, "warmupNs"],
    [-1e9, 1e9, "warmupNs"],
    [1e8, Number.NaN, "durationNs"],
    [1e8, Number.POSITIVE_INFINITY, "durationNs"],
    [1e8, -1, "durationNs"],
  ])("refuses warmup %s, duration %s naming %s", (warmupNs, durationNs, key) => {
    const r = refusal(warmupNs, durationNs);
    expect(r).toMatch(/^VMLAB_STORAGE_BAD_CONFIG runMeasured: /);
    expect(r).toContain(`${key} must be a finite number of ns >= 0`);
  });

  it("refuses before running anything", () => {
    const { sim, w } = started();
    expect(() => runMeasured(sim, [w], 1e8, Number.NaN)).toThrow();
    expect(sim.now).toBe(0);
    expect(w.stats.issued).toBe(4);
  });
});
