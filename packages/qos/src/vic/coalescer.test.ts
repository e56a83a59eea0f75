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

  it("decides on the CIF left after this completion: CIF back at the threshold delivers, whatever the table says", () => {
    // A closed loop of cifThreshold + 1 commands: every completion leaves CIF at the threshold (4), so R = 1 throughout.
    // Counting the completing command as still in flight (CIF 5) would take the table's 1/2 and hold every other one.
    const v = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0, ratioTable: [{ minCif: 5, ratio: 1 / 2 }] });
    for (let i = 0; i < 5; i++) v.issue();
    for (let i = 0; i < 100; i++) {
      expect(v.complete((i + 1) * 1000)).toBe(true);
      v.issue();
    }
    // Default table (1/2 from CIF 8): a closed loop of 8 leaves CIF 7 and is never coalesced; one of 9 leaves CIF 8 and is.
    const loop = (oio: number) => {
      const c = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0 });
      for (let i = 0; i < oio; i++) c.issue();
      for (let i = 0; i < 100; i++) {
        c.complete((i + 1) * 1000);
        c.issue();
      }
      return c.interrupts;
    };
    expect(loop(8)).toBe(100);
    expect(loop(9)).toBe(50);
  });

  it("picks R from the CIF table's step for the current CIF, and R = 1 at or below the CIF threshold whatever the table says", () => {
    const v = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0 });
    // Default table: from CIF 8 on 1/2, from 12 on 1/4, from 24 on 1/8; nothing coalesced up to CIF 7.
    expect([5, 7, 8, 11, 12, 23, 24, 64].map((cif) => v.ratioFor(cif))).toEqual([1, 1, 1 / 2, 1 / 2, 1 / 4, 1 / 4, 1 / 8, 1 / 8]);
    // A table starting below the threshold (CIF 4): the threshold still keeps CIF <= 4 uncoalesced.
    const low = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0, ratioTable: [{ minCif: 2, ratio: 1 / 2 }] });
    expect([2, 3, 4, 5].map((cif) => low.ratioFor(cif))).toEqual([1, 1, 1, 1 / 2]);
  });

  it("carries the credit left over from each interrupt: over a long run exactly R of completions raise one, for any R", () => {
    // R = 0.3 is no power of two: dropping the remainder at each interrupt would raise one every 4th completion (0.25).
    const v = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0, ratioTable: [{ minCif: 8, ratio: 0.3 }] });
    for (let i = 0; i < 64; i++) v.issue();
    let raised = 0;
    for (let i = 0; i < 10_000; i++) {
      if (v.complete((i + 1) * 10_000)) raised++;
      v.issue();
    }
    expect(raised / 10_000).toBeCloseTo(0.3, 3);
  });

  it("an uncoalesced (R = 1) completion clears the credit: the next coalesced stretch counts from zero (docs/vic.md)", () => {
    // The paper and patent do not say whether the credit survives a stretch at R = 1; ours does not. R = 0.3 from
    // CIF 5 (threshold 4): CIF 9, 8, 7, 6 deliver on the 4th (credit 1.2 → 0.2), CIF 5 holds (0.5), CIF 4 is R = 1.
    const v = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0, ratioTable: [{ minCif: 5, ratio: 0.3 }] });
    let t = 0;
    const run = (n: number) => Array.from({ length: n }, () => v.complete((t += 1000)));
    for (let i = 0; i < 10; i++) v.issue();
    expect(run(5)).toEqual([false, false, false, true, false]);
    expect(v.save().credit).toBeCloseTo(0.5, 12);
    expect(run(1)).toEqual([true]); // CIF 4: R = 1 delivers, announcing the held completion too
    expect(v.save().credit).toBe(0);
    for (let i = 0; i < 6; i++) v.issue(); // CIF back to 10
    // From zero: the 4th coalesced completion delivers. Carrying the 0.5 over would have delivered on the 2nd.
    expect(run(4)).toEqual([false, false, false, true]);
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

  it("rejects a CIF threshold or rate window that is not a whole number in range, and a negative IOPS threshold, naming the key", () => {
    // A window of 0 completions never closes (the rate stays 0: no coalescing ever); a threshold of 2.5 compares as no CIF can.
    expect(() => new VicCoalescer({ ...DEFAULT_VIC, rateWindowCompletions: 0 })).toThrow(
      /^vic\.rateWindowCompletions: must be an integer >= 1/,
    );
    for (const bad of [-1, 2.5])
      expect(() => new VicCoalescer({ ...DEFAULT_VIC, cifThreshold: bad })).toThrow(/^vic\.cifThreshold: must be an integer >= 0/);
    expect(() => new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: -1 })).toThrow(/^vic\.iopsThreshold: /);
  });

  it("rejects two table steps at one CIF, naming the second (the later one silently won)", () => {
    const twice = [
      { minCif: 8, ratio: 1 / 2 },
      { minCif: 8, ratio: 1 / 4 },
    ];
    expect(() => new VicCoalescer({ ...DEFAULT_VIC, ratioTable: twice })).toThrow(
      /^vic\.ratioTable\[1\]\.minCif: must be an integer above the previous step's \(8\), got 8/,
    );
  });

  it("a rate window with no elapsed time keeps the last estimate: zero time is not a rate of zero, which would stop coalescing", () => {
    const v = new VicCoalescer({ ...DEFAULT_VIC, rateWindowCompletions: 4 });
    for (let i = 0; i < 64; i++) v.issue();
    for (let i = 1; i <= 4; i++) v.complete(i * 10_000); // 100k IOPS
    for (let i = 0; i < 4; i++) v.complete(40_000); // four completions at one instant
    expect(v.iops).toBeCloseTo(100_000, 6);
    expect(v.ratioFor(59)).toBe(1 / 8);
  });

  it("re-estimates the IO rate every rateWindowCompletions completions, from that window's own timestamps", () => {
    // The rate window is counted in completions (docs/vic.md: an assumption; the paper's estimator was not found):
    // with a window of 8, the 8th completion closes the first window and the 16th the next, not the 9th and 18th.
    const v = new VicCoalescer({ ...DEFAULT_VIC, rateWindowCompletions: 8 });
    for (let i = 0; i < 64; i++) v.issue();
    let t = 0;
    const rates: number[] = [];
    for (let i = 1; i <= 16; i++) {
      t += i <= 8 ? 10_000 : 20_000; // 100k IOPS, then 50k IOPS
      v.complete(t);
      rates.push(v.iops);
    }
    expect(rates.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(rates[7]).toBeCloseTo(100_000, 6);
    expect(rates.slice(8, 15).every((r) => r === rates[7])).toBe(true);
    expect(rates[15]).toBeCloseTo(50_000, 6);
  });
});
