import { describe, expect, it } from "vitest";
import { checkRefusal as refusal } from "./scenario-check.test-support.js";

describe("phase times given twice are refused as that, before any window check", () => {
  it("parda-demand-change stopAtS=60,60 says two stops are at the same time, not that a phase's half holds no sample", () => {
    const m = refusal("parda-demand-change", { stopAtS: [60, 60], durationS: 100, hosts: 3 });
    expect(m).toContain("stopAtS: two of its times are the same (60 s)");
    expect(m).toContain("given stopAtS=60,60");
    expect(m).not.toMatch(/holds no|second half/);
  });

  it("unsorted and repeated: the repeat is named, whatever the order", () => {
    const m = refusal("parda-demand-change", { stopAtS: [80, 30, 80], durationS: 100, hosts: 4 });
    expect(m).toContain("two of its times are the same (80 s)");
  });

  it("distinct times in any order are taken (in time order) as before", () => {
    expect(refusal("parda-demand-change", { stopAtS: [300, 150], durationS: 400, hosts: 3 })).toBe("not refused");
  });
});
