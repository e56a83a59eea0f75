import { describe, expect, it } from "vitest";
import { largeSequentialCheck, smallRandomCheck, ESX_DISK_PERF_TOLERANCES as T } from "./esx-disk-perf-tolerances.js";

describe("esx-disk-perf's reference rows fail just outside the bounds its tests hold the grid to", () => {
  it("large sequential IO: more than the bound passes, at it fails", () => {
    // The rows gave our minimum beside the "~0.9" of the shape with no verdict: a minimum of 0.5 read like a match.
    expect(largeSequentialCheck(T.largeSequentialMinRatio + 1e-6).verdict).toBe("pass");
    expect(largeSequentialCheck(T.largeSequentialMinRatio).verdict).toBe("fail");
    expect(largeSequentialCheck(T.largeSequentialMinRatio).tolerance).toBe(
      "more than 0.85 (the tests' bound for the shape's \"about 0.9\")",
    );
    // No large sequential cell measured: nothing to judge.
    expect(largeSequentialCheck(Number.POSITIVE_INFINITY).verdict).toBe("n/a");
  });

  it("small random IO at the top OIO: its minimum must be the grid's, within the bound", () => {
    expect(smallRandomCheck(0.346, 0.346).verdict).toBe("pass");
    expect(smallRandomCheck(0.346 + T.smallRandomOffMinimum - 1e-6, 0.346).verdict).toBe("pass");
    expect(smallRandomCheck(0.346 + T.smallRandomOffMinimum + 1e-6, 0.346).verdict).toBe("fail");
    expect(smallRandomCheck(Number.POSITIVE_INFINITY, 0.346).verdict).toBe("n/a");
  });
});
