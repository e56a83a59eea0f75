import { describe, expect, it } from "vitest";
import { sizeTicks } from "./esx-disk-perf-figures.js";

const doublings = (from: number, n: number) => Array.from({ length: n }, (_, i) => from * 2 ** i);

describe("sizeTicks", () => {
  it("keeps the smallest and the largest size however many the grid has", () => {
    for (const n of [2, 3, 5, 8, 10, 14])
      for (const width of [220, 440]) {
        const sizes = doublings(512, n);
        const ticks = sizeTicks(sizes, width);
        expect(ticks[0]).toBe(512);
        expect(ticks[ticks.length - 1]).toBe(sizes[n - 1]);
        expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
      }
  });

  it("labels every size where all fit, and every k-th where they do not", () => {
    expect(sizeTicks([4096, 65536], 220)).toEqual([4096, 65536]);
    expect(sizeTicks(doublings(4096, 5), 440)).toEqual(doublings(4096, 5));
    // 10 doublings in 220 px are 24 px apart: too close for "8 KiB" beside "16 KiB"; every third size fits.
    expect(sizeTicks(doublings(512, 10), 220)).toEqual([512, 4096, 32768, 262144]);
    expect(sizeTicks(doublings(512, 10), 440)).toEqual([512, 2048, 8192, 32768, 262144]);
  });

  it("takes the grid's sizes in any order, repeated, and one size alone", () => {
    expect(sizeTicks([65536, 4096, 4096], 220)).toEqual([4096, 65536]);
    expect(sizeTicks([8192], 220)).toEqual([8192]);
  });
});
