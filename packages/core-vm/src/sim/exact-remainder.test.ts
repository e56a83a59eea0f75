import { describe, expect, it } from "vitest";
import { exactRemainder } from "./exact-remainder.js";

/** Same double, −0 told apart from +0. */
const same = (a: number, b: number) => Object.is(a, b);

describe("exactRemainder", () => {
  it("equals % bit for bit, including just below and above multiples (where a rounded quotient overshoots)", () => {
    let seed = 99;
    const r = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const moduli = [1, 3, 570, 977, 4_000_000, 2 ** 26, 4_000_000.5, 0.3];
    let checked = 0;
    let overshoots = 0; // rounded quotient one too many: the corrected case
    for (const m of moduli) {
      for (let i = 0; i < 20_000; i++) {
        const scale = 10 ** Math.floor(r() * 16);
        const xs = [r() * scale, Math.floor(r() * scale), Math.floor(r() * 5e4) * m];
        const k = Math.floor(r() * 2 ** 20) * m;
        // Neighbours of a multiple of m, a few ulps either side.
        let lo = k;
        let hi = k;
        for (let u = 0; u < 3; u++) {
          lo = lo - (lo === 0 ? 0 : 2 ** (Math.floor(Math.log2(lo)) - 52));
          hi = hi + (hi === 0 ? 2 ** -1074 : 2 ** (Math.floor(Math.log2(hi)) - 52));
          xs.push(lo, hi);
        }
        for (const x of xs) {
          if (x > 0 && Math.floor(x / m) * m > x) overshoots++;
          if (!same(exactRemainder(x, m), x % m)) expect.fail(`${x} % ${m}: ${exactRemainder(x, m)} vs ${x % m}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1_000_000);
    expect(overshoots).toBeGreaterThan(100);
  });

  it("leaves zero, negatives, huge values and non-finite ones to %", () => {
    for (const x of [0, -0, -5, -4_000_001.5, 2 ** 53, 1e300, Number.POSITIVE_INFINITY, Number.NaN])
      for (const m of [570, 4_000_000]) expect(same(exactRemainder(x, m), x % m)).toBe(true);
  });
});
