import { describe, expect, it } from "vitest";
import { DEFAULT_VIC } from "./coalescer.js";
import { guestInstructionsPerIo, runVicGuest, type VicGuestSpec, vicGuestBudget } from "./guest-run.js";

const spec = (ios: number, appWords: number, isrSpin: number): VicGuestSpec => ({
  oio: 4,
  ios,
  appWords,
  isrSpin,
  deviceBaseUs: 20,
  deviceJitterUs: 5,
  coalescing: false,
  vic: DEFAULT_VIC,
  seed: 3,
});

describe("vicbench's instruction budget", () => {
  it("the estimate per IO is at least what the guest retires (the budget doubles it), and not far above", () => {
    for (const [appWords, isrSpin] of [
      [0, 0],
      [1024, 0],
      [64, 5000],
    ]) {
      const r = runVicGuest(spec(400, appWords, isrSpin));
      const estimate = guestInstructionsPerIo(appWords, isrSpin);
      expect(r.instructionsPerIo / estimate, `appWords ${appWords}, isrSpin ${isrSpin}`).toBeGreaterThan(0.5);
      expect(r.instructionsPerIo / estimate, `appWords ${appWords}, isrSpin ${isrSpin}`).toBeLessThanOrEqual(1);
    }
  });

  it("grows with the run: the largest run the checks allow fits twice over, a small run keeps the floor", () => {
    // 10^6 IOs, 10^5 handler iterations each: ~2·10^11 instructions, refused by a fixed 4·10^9 budget after running.
    const big = { ios: 1_000_000, appWords: 1024, isrSpin: 100_000 };
    expect(vicGuestBudget(big)).toBeGreaterThanOrEqual(2 * big.ios * guestInstructionsPerIo(big.appWords, big.isrSpin));
    expect(vicGuestBudget({ ios: 100, appWords: 0, isrSpin: 0 })).toBe(4e9);
  });
});
