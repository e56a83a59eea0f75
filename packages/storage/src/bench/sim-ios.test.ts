import { describe, expect, it } from "vitest";
import { IoPool } from "../iostack/stack-io.js";
import { simIosBenchmark, simulate } from "./sim-ios.js";

describe("storage.sim-ios", () => {
  it("simulates a deterministic amount of work, and the per-IO-allocation baseline computes exactly the same model", () => {
    const a = simulate(2e9);
    expect(a).toBeGreaterThan(1000);
    expect(simulate(2e9)).toBe(a);
    IoPool.recycle = false;
    try {
      expect(simulate(2e9)).toBe(a);
    } finally {
      IoPool.recycle = true;
    }
  });

  it("is registered with a unit and a description naming its baseline", () => {
    expect(simIosBenchmark.name).toBe("storage.sim-ios");
    expect(simIosBenchmark.description).toMatch(/baseline/);
  });
});
