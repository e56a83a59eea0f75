import { describe, expect, it } from "vitest";
import { customersForPrecision, erlangC, mmcMeanResponse } from "./erlang.js";

describe("Erlang C", () => {
  it("matches textbook values", () => {
    // C(1, a) = a for M/M/1; C(2, 1) = 1/3; C(3, 2) = 4/9.
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 12);
  });
  it("gives the M/M/1 response time 1/(μ − λ)", () => {
    expect(mmcMeanResponse(1, 0.9, 1)).toBeCloseTo(10, 10);
  });
  it("is stable for many servers", () => {
    const w = mmcMeanResponse(64, 0.5 * 64, 1);
    expect(w).toBeGreaterThanOrEqual(1);
    expect(w).toBeLessThan(1.001);
  });
  it("asks for more customers as utilization rises", () => {
    expect(customersForPrecision(0.9, 0.01)).toBeGreaterThan(customersForPrecision(0.5, 0.01) * 10);
  });
});
