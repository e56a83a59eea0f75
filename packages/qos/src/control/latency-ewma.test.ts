import { describe, expect, it } from "vitest";
import { LatencyEwma } from "./latency-ewma.js";

describe("LatencyEwma", () => {
  it("per-io: smooths with α per IO", () => {
    const e = new LatencyEwma(0.5, "per-io");
    e.observe(10);
    e.observe(20);
    expect(e.valueNs).toBe(15);
    e.endPeriod(); // no per-period step in this form
    expect(e.valueNs).toBe(15);
    expect(() => new LatencyEwma(0, "per-io")).toThrow(/latencyEwmaAlpha/);
  });

  it("per-io: weights a new IO by α, not 1 − α: with α = 0.002 one slow IO barely moves the average", () => {
    const e = new LatencyEwma(0.002, "per-io");
    e.observe(10e6);
    e.observe(1010e6);
    expect(e.valueNs).toBeCloseTo(10e6 + 0.002 * 1000e6, 3); // 12 ms, not 1008 ms
    expect(() => new LatencyEwma(1, "per-io")).not.toThrow(); // α ∈ (0, 1]: 1 is "no smoothing"
  });

  it("period-mean (the default): PARDA Eq. 1, L(t) = (1 − α)·l + α·L(t − 1) with l the period's mean latency", () => {
    const e = new LatencyEwma(0.25);
    expect(e.form).toBe("period-mean");
    e.observe(10);
    e.observe(30);
    expect(e.valueNs).toBe(0); // nothing folded in until the period ends
    e.endPeriod();
    expect(e.valueNs).toBe(20); // the first period's mean, as it is
    e.observe(100);
    e.observe(60);
    e.observe(80);
    e.endPeriod();
    expect(e.valueNs).toBe(0.75 * 80 + 0.25 * 20); // α is the weight of the past
    e.endPeriod(); // a period without IO has no observation: L stays
    expect(e.valueNs).toBe(65);
  });

  it("period-mean with the paper's α = 0.002: L(t) follows each period's mean, a step in latency shows at once", () => {
    const e = new LatencyEwma(0.002);
    for (let i = 0; i < 1000; i++) e.observe(10e6);
    e.endPeriod();
    for (let i = 0; i < 1000; i++) e.observe(40e6);
    e.endPeriod();
    expect(e.valueNs).toBeCloseTo(0.998 * 40e6 + 0.002 * 10e6, 0); // 39.94 ms; per-io would still read 10 ms + 86%·30 ms
  });

  it("refuses α = 1 with period-mean (the past's weight: later periods would be ignored) and an unknown form", () => {
    expect(() => new LatencyEwma(1)).toThrow(/latencyEwmaAlpha: must be < 1 when latencyEwmaForm=period-mean: /);
    expect(() => new LatencyEwma(0.1, "per-period" as never)).toThrow(/latencyEwmaForm: must be one of "period-mean", "per-io"/);
  });

  it("refuses a latency that is not a finite number >= 0, keeping its average", () => {
    for (const form of ["per-io", "period-mean"] as const) {
      const e = new LatencyEwma(0.5, form);
      e.observe(10);
      for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY])
        expect(() => e.observe(bad)).toThrow(`latencyNs: an IO's latency must be a finite number of ns >= 0, got ${bad}`);
      e.observe(20);
      e.endPeriod();
      expect(e.valueNs).toBe(15);
    }
  });
});
