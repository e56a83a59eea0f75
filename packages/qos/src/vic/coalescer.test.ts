import { describe, expect, it } from "vitest";
import { DEFAULT_VIC, VicCoalescer } from "./coalescer.js";

describe("vIC coalescer", () => {
  it("delivers every completion while CIF is at or below the threshold", () => {
    const v = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0 });
    for (let i = 0; i < DEFAULT_VIC.cifThreshold + 1; i++) v.issue();
    // Each completion leaves CIF ≤ threshold.
    for (let i = 0; i < DEFAULT_VIC.cifThreshold + 1; i++) expect(v.complete(i * 1000)).toBe(true);
    expect(v.interrupts).toBe(v.completions);
  });

  it("delivers about R of completions at high CIF once the IO rate is above the threshold, with no timer", () => {
    const v = new VicCoalescer({ ...DEFAULT_VIC, rateWindowCompletions: 8 });
    for (let i = 0; i < 64; i++) v.issue();
    let t = 0;
    let raised = 0;
    for (let i = 0; i < 4000; i++) {
      t += 10_000; // 100k IOPS
      if (v.complete(t)) raised++;
      v.issue(); // closed loop keeps CIF at 64
    }
    expect(v.iops).toBeCloseTo(100_000, -3);
    expect(v.ratioFor(63)).toBe(1 / 8);
    expect(raised / 4000).toBeGreaterThan(0.12);
    expect(raised / 4000).toBeLessThan(0.14);
  });

  it("stays at R = 1 below the IOPS threshold however high CIF is", () => {
    const v = new VicCoalescer({ ...DEFAULT_VIC, rateWindowCompletions: 8 });
    for (let i = 0; i < 64; i++) v.issue();
    let t = 0;
    for (let i = 0; i < 200; i++) {
      t += 1e6; // 1000 IOPS < 2000
      expect(v.complete(t)).toBe(true);
      v.issue();
    }
  });

  it("always delivers the completion that brings CIF down to the threshold (progress)", () => {
    const v = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0, rateWindowCompletions: 1 });
    for (let i = 0; i < 40; i++) v.issue();
    let last = false;
    for (let i = 0; i < 40; i++) last = v.complete((i + 1) * 1000);
    expect(last).toBe(true);
    expect(v.drain()).toBeGreaterThan(0);
    expect(v.held).toBe(0);
  });

  it("rejects a ratio outside (0, 1], naming the key", () => {
    expect(() => new VicCoalescer({ ...DEFAULT_VIC, ratioTable: [{ minCif: 8, ratio: 0 }] })).toThrow(/vic\.ratioTable\[0\]\.ratio/);
  });
});
