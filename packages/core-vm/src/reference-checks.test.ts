import { describe, expect, it } from "vitest";
import {
  atLeast,
  atLeastShare,
  between,
  checkedBy,
  exactShare,
  holds,
  lessThan,
  lessThanRelative,
  moreThan,
  percent,
  verdictOf,
  withinAbsolute,
  withinRelative,
} from "./reference-checks.js";

describe("reference checks: a row's tolerance in words and its verdict", () => {
  it("a figure just outside its bound fails, one on the inclusive bound passes, one on a strict bound fails", () => {
    expect(atLeast(0.9, 0.9).verdict).toBe("pass");
    expect(atLeast(0.8999, 0.9).verdict).toBe("fail");
    expect(moreThan(0.9, 0.9).verdict).toBe("fail");
    expect(moreThan(0.9001, 0.9).verdict).toBe("pass");
    expect(lessThan(0.1, 0.1).verdict).toBe("fail");
    expect(lessThan(0.0999, 0.1).verdict).toBe("pass");
    expect(between(1.8, 1.8, 2.2).verdict).toBe("fail");
    expect(between(2.2, 1.8, 2.2).verdict).toBe("fail");
    expect(between(2, 1.8, 2.2).verdict).toBe("pass");
    expect(lessThanRelative(34.51, 30, 0.15, "L").verdict).toBe("fail");
    expect(lessThanRelative(34.49, 30, 0.15, "L").verdict).toBe("pass");
    expect(lessThanRelative(25.49, 30, 0.15, "L").verdict).toBe("fail");
    expect(withinRelative(1.049, 1, 0.05).verdict).toBe("pass");
    expect(withinRelative(1.0501, 1, 0.05).verdict).toBe("fail");
    expect(withinAbsolute(16.0006, 16, 0.0005, "IOs").verdict).toBe("fail");
    expect(atLeastShare(0.9899, 0.99).verdict).toBe("fail");
    expect(exactShare(0.9999, 1).verdict).toBe("fail");
    expect(holds("yes", false).verdict).toBe("fail");
    expect(holds("yes", true).verdict).toBe("pass");
  });

  it("nothing measured is n/a, never a pass", () => {
    for (const c of [
      atLeast(Number.NaN, 0.9),
      lessThan(Number.NaN, 1),
      lessThanRelative(Number.NaN, 30, 0.15, "L"),
      between(Number.NaN, 1, 2),
    ])
      expect(c.verdict).toBe("n/a");
    expect(verdictOf([1, Number.POSITIVE_INFINITY], () => true)).toBe("n/a");
    expect(checkedBy("anything", [Number.NaN], () => true)).toEqual({ tolerance: "anything", verdict: "n/a" });
  });

  it("states the bound in words, with where it comes from", () => {
    expect(atLeast(1, 0.85, "test bound").tolerance).toBe("at least 0.85 (test bound)");
    expect(moreThan(1, 3).tolerance).toBe("more than 3");
    expect(lessThan(0, 0.25).tolerance).toBe("less than 0.25");
    expect(between(2, 1.8, 2.2).tolerance).toBe("between 1.8 and 2.2");
    expect(lessThanRelative(30, 30, 0.15, "L").tolerance).toBe("less than 15% off L");
    expect(atLeastShare(1, 0.97).tolerance).toBe("at least 97%");
    expect(exactShare(1, 1).tolerance).toBe("exactly 100%");
    expect(withinRelative(1, 1, 0.05).tolerance).toBe("±5%");
    expect(withinAbsolute(1, 1, 0.0005, "IOs").tolerance).toBe("±0.0005 IOs");
    // A share in percent without float noise (0.07 * 100 is 7.000000000000001).
    expect(percent(0.07)).toBe("7%");
    expect(percent(0.15)).toBe("15%");
  });
});
