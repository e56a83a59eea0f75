import { describe, expect, it } from "vitest";
import { inexactTimeProblem } from "./exact-time.js";

describe("inexactTimeProblem: the one wording of a trace time a double would round", () => {
  it("names the reader's field, what it measures from and how it got there", () => {
    expect(inexactTimeProblem("time")).toBe("time is 2^53 ns (about 104 days) or more and would be rounded");
    expect(inexactTimeProblem("Timestamp", { fromFirst: true })).toBe(
      "Timestamp is 2^53 ns (about 104 days) or more from the first record's and would be rounded",
    );
    expect(inexactTimeProblem("the waits", { addsUp: true })).toBe(
      "the waits add up to 2^53 ns (about 104 days) or more and would be rounded",
    );
  });
});
