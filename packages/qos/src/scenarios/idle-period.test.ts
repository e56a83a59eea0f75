import { describe, expect, it } from "vitest";
import { checkRefusal } from "./scenario-check.test-support.js";

describe("parda-end-to-end's idle period (Fig. 13)", () => {
  it("refuses an end without a start: idleToS alone ran with no VM idling, the config taken without a word", () => {
    expect(checkRefusal("parda-end-to-end", { idleFromS: 0, idleToS: 100 })).toBe(
      "invalid config for parda-end-to-end: idleToS: ends an idle period that idleFromS=0 never starts (0: no idle period); set idleFromS > 0 too (Fig. 13: 140 to 310), or leave idleToS at 0, got 100 (see `vmlab describe parda-end-to-end`)",
    );
    // Neither set (no idle period) and both set (Fig. 13's) are taken; a start without an end is refused on idleToS.
    expect(checkRefusal("parda-end-to-end", { idleFromS: 0, idleToS: 0 })).toBe("not refused");
    expect(checkRefusal("parda-end-to-end", { durationS: 200, measureFromS: 60, idleFromS: 100, idleToS: 150 })).toBe("not refused");
    expect(checkRefusal("parda-end-to-end", { idleFromS: 100 })).toMatch(/idleToS: must be after idleFromS/);
  });
});
