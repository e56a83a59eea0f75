import { describe, expect, it } from "vitest";
import { IO_LENGTH_LIMITS, MICROSECONDS_LIMITS, OUTSTANDING_IO_LIMITS, SEEK_DISTANCE_LIMITS, VSCSI_HISTOGRAMS } from "./bins.js";
import { VscsiHistogram } from "./histogram.js";

describe("VscsiHistogram buckets (limit L holds previous < v <= L)", () => {
  it("puts a value equal to a limit in that limit's bucket and one above in the next", () => {
    for (const limits of [IO_LENGTH_LIMITS, SEEK_DISTANCE_LIMITS, OUTSTANDING_IO_LIMITS, MICROSECONDS_LIMITS]) {
      const h = new VscsiHistogram(limits);
      limits.forEach((limit, i) => {
        expect(h.bucketOf(limit)).toBe(i);
        expect(h.bucketOf(limit + 0.5)).toBe(i + 1);
      });
      expect(h.bucketOf(limits[0] - 1e9)).toBe(0);
      expect(h.bucketOf(limits[limits.length - 1] + 1)).toBe(limits.length);
    }
  });

  it("has ESX's row counts: 18 IO-length rows, 34 seek rows, 13 outstanding-IO rows, 11 time rows", () => {
    expect(IO_LENGTH_LIMITS.length + 1).toBe(18);
    expect(SEEK_DISTANCE_LIMITS.length + 1).toBe(34);
    expect(OUTSTANDING_IO_LIMITS.length + 1).toBe(13);
    expect(MICROSECONDS_LIMITS.length + 1).toBe(11);
    expect(VSCSI_HISTOGRAMS).toHaveLength(16);
  });

  it("keeps min, max, count and a truncated integer mean", () => {
    const h = new VscsiHistogram(SEEK_DISTANCE_LIMITS);
    for (const v of [-7, 1, 1, -3]) h.record(v);
    expect([h.min, h.max, h.count, h.sum]).toEqual([-7, 1, 4, -8]);
    expect(h.mean).toBe(-2);
    h.record(-2);
    expect(h.mean).toBe(-2); // -10 / 5
    h.record(1);
    expect(h.mean).toBe(-1); // -9 / 6 = -1.5 truncated toward zero
    expect(Array.from(h.counts).reduce((a, b) => a + b, 0)).toBe(6);
  });
});

describe("VscsiHistogram lookup tables agree with a linear scan", () => {
  it("for every value around every limit, and random values far beyond", () => {
    for (const limits of [IO_LENGTH_LIMITS, SEEK_DISTANCE_LIMITS, OUTSTANDING_IO_LIMITS, MICROSECONDS_LIMITS]) {
      const h = new VscsiHistogram(limits);
      const linear = (v: number) => {
        let b = 0;
        while (b < limits.length && v > limits[b]) b++;
        return b;
      };
      const probes: number[] = [];
      for (const l of limits) for (let d = -1001; d <= 1001; d++) probes.push(l + d, l + d / 2);
      for (let k = -3000; k <= 3000; k++) probes.push(k, k * 997, k * 1000, k * 1000 + 1, k * 1e6 + 0.5);
      probes.push(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 40);
      for (const v of probes) expect(h.bucketOf(v), `${v}`).toBe(linear(v));
    }
  });
});
