import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { randomPmp } from "./pmp.js";
import { FuzzRng } from "./rng.js";

describe("random PMP configurations", () => {
  it("never lock, never W without R, keep RAM executable in entry 3, and no TOR in entry 0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const p = randomPmp(new FuzzRng(seed));
        for (let i = 0; i < 4; i++) {
          const c = (p.cfg >>> (8 * i)) & 0xff;
          expect(c & 0x80, "L bit").toBe(0);
          if (c & 2) expect(c & 1, "W without R").toBe(1);
          if (i < 3) expect((p.addrs[i] << 2) >>> 0 >= 0x80800000).toBe(true);
        }
        expect((p.cfg >>> 24) & 0xff).toBe(0x1f);
        expect(p.addrs[3]).toBe(0x21ffffff);
        expect((p.cfg >>> 3) & 3, "entry 0 is never TOR (its bottom would be address 0)").not.toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});
