import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng, RngStreams } from "./rng.js";

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.nextU32());

describe("Rng", () => {
  it("is xoshiro128** (reference outputs for state 1, 2, 3, 4)", () => {
    const r = new Rng(0);
    r.restore({ version: 1, s: [1, 2, 3, 4] });
    expect(draw(r, 4)).toEqual([11520, 0, 5927040, 70819200]);
  });

  it("gives the same sequence for the same seed and name, different ones otherwise", () => {
    expect(draw(new Rng(42, "io"), 100)).toEqual(draw(new Rng(42, "io"), 100));
    expect(draw(new Rng(42, "io"), 100)).not.toEqual(draw(new Rng(43, "io"), 100));
    expect(draw(new Rng(42, "io"), 100)).not.toEqual(draw(new Rng(42, "net"), 100));
    // Pin the seeding (seed, name → state) so results.json stays byte-identical across vmlab versions.
    expect(draw(new Rng(1, "hold"), 3)).toEqual([2431495263, 1547178166, 393266143]);
  });

  it("int(n) draws exactly what rejection sampling with `%` draws, for any n up to 2^32", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.oneof(fc.integer({ min: 1, max: 2 ** 32 }), fc.constantFrom(1, 2, 3, 7, 2 ** 31, 2 ** 32 - 1, 2 ** 32)),
        (seed, n) => {
          const r = new Rng(seed, "int");
          const ref = new Rng(seed, "int");
          for (let i = 0; i < 20; i++) {
            const limit = 2 ** 32 - (2 ** 32 % n);
            let x = ref.nextU32();
            while (x >= limit) x = ref.nextU32();
            expect(r.int(n)).toBe(x % n);
          }
        },
      ),
    );
  });

  it("int(n) above 2^32 rejects the value just past n - 1 and takes n - 1 itself (high part, then 32 low bits)", () => {
    // Scripted 32-bit draws: high part int(2) = 1 and low 5 make 2^32 + 5 = n, one past the last, drawn again; then
    // high 1 and low 4 make n - 1. An off-by-one in the rejection would hand out n once in 2^33 draws: no sampling sees it.
    class Scripted extends Rng {
      constructor(private readonly u32s: number[]) {
        super(1, "scripted");
      }
      override nextU32(): number {
        return this.u32s.shift() ?? 0;
      }
    }
    const draws = [1, 5, 1, 4];
    const r = new Scripted(draws);
    expect(r.int(2 ** 32 + 5)).toBe(2 ** 32 + 4);
    expect(draws).toEqual([]);
    // 2^53 is the largest n (every integer below it exact); 2^32 itself still one 32-bit draw.
    const real = new Rng(7, "wide");
    for (let i = 0; i < 1000; i++) {
      const x = real.int(2 ** 53);
      expect(Number.isSafeInteger(x) && x >= 0).toBe(true);
    }
    expect(() => real.int(2 ** 53 + 2)).toThrow(/n must be an integer in \[1, 2\^53\]/);
    const one = new Scripted([9]);
    expect(one.int(2 ** 32)).toBe(9);
  });

  // Sampling almost never reaches the ends of the range: a shift off by one (lo >>> 5) made about one draw in 2^26
  // land at or above 1, where exponential() gives NaN, and no sampled test saw it.
  it("random() takes 27 + 26 bits: all-ones draws give the largest double below 1, all-zeros give 0", () => {
    class Constant extends Rng {
      constructor(private readonly u32: number) {
        super(1, "constant");
      }
      override nextU32(): number {
        return this.u32;
      }
    }
    const top = new Constant(0xffffffff);
    expect(top.random()).toBe(1 - 2 ** -53);
    expect(top.randomOpen()).toBe(2 ** -53);
    const bottom = new Constant(0);
    expect(bottom.random()).toBe(0);
    expect(bottom.randomOpen()).toBe(1);
    // And the reference state's first two doubles, exactly (the high word's top 27 bits, then the low word's top 26).
    const r = new Rng(0);
    r.restore({ version: 1, s: [1, 2, 3, 4] });
    expect(r.random()).toBe(((11520 >>> 5) * 2 ** 26 + (0 >>> 6)) / 2 ** 53);
    expect(r.random()).toBe(((5927040 >>> 5) * 2 ** 26 + (70819200 >>> 6)) / 2 ** 53);
  });

  it("random() is in [0, 1), randomOpen() in (0, 1], int(n) in [0, n)", () => {
    const r = new Rng(9);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = r.random();
      const v = r.randomOpen();
      if (!(u >= 0 && u < 1 && v > 0 && v <= 1)) outside++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(sum / 50_000).toBeCloseTo(0.5, 2);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // ~5 sigma
    expect(() => r.int(0)).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
    expect(() => r.int(2.5)).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
  });

  it("save/restore continues the same sequence (property)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.string(), fc.nat(200), (seed, name, skip) => {
        const a = new Rng(seed, name);
        draw(a, skip);
        const state = JSON.parse(JSON.stringify(a.save()));
        const b = new Rng(0);
        b.restore(state);
        expect(draw(b, 20)).toEqual(draw(a, 20));
      }),
    );
  });

  it("rejects corrupt state and keeps its own", () => {
    const r = new Rng(5);
    const before = r.save();
    for (const bad of [
      null,
      { version: 1, s: [0, 0, 0, 0] },
      { version: 1, s: [1, 2, 3] },
      { version: 2, s: [1, 2, 3, 4] },
      { version: 1, s: [1.5, 2, 3, 4] },
    ]) {
      expect(() => r.restore(bad)).toThrow(expect.objectContaining({ code: "VMLAB_SIM_BAD_STATE" }));
      expect(r.save()).toEqual(before);
    }
  });
});

describe("RngStreams", () => {
  it("named streams are independent: adding or drawing from one never changes another", () => {
    const alone = new RngStreams(7);
    const a1 = draw(alone.get("arrivals"), 50);
    const crowded = new RngStreams(7);
    draw(crowded.get("service"), 10);
    crowded.get("zzz");
    const a2: number[] = [];
    for (let i = 0; i < 50; i++) {
      a2.push(crowded.get("arrivals").nextU32());
      crowded.get("service").nextU32();
    }
    expect(a2).toEqual(a1);
    expect(draw(new RngStreams(8).get("arrivals"), 50)).not.toEqual(a1);
  });

  it("save/restore round-trips every stream", () => {
    const s = new RngStreams(3);
    draw(s.get("a"), 5);
    draw(s.get("b"), 9);
    const state = JSON.parse(JSON.stringify(s.save()));
    const r = RngStreams.restore(state);
    expect(r.save()).toEqual(state);
    expect(draw(r.get("a"), 10)).toEqual(draw(s.get("a"), 10));
    expect(draw(r.get("c"), 10)).toEqual(draw(s.get("c"), 10));
    expect(() => RngStreams.restore({ version: 1, seed: 3, streams: { a: { version: 1, s: [0, 0, 0, 0] } } })).toThrow(
      expect.objectContaining({ code: "VMLAB_SIM_BAD_STATE" }),
    );
  });
});

describe("seeds", () => {
  it("refuse a seed that is not a safe integer (a streams state with it would not restore) and a non-string name", () => {
    // new RngStreams(1.5) saved { seed: 1.5 }, which RngStreams.restore refused; undefined (a misspelt config key)
    // and NaN seeded a fixed stream without a word, so every replication drew the same numbers.
    for (const bad of [1.5, Number.NaN, undefined, "7", 2 ** 53]) {
      expect(() => new RngStreams(bad as number)).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_SEED" }));
      expect(() => new Rng(bad as number, "x")).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_SEED" }));
    }
    expect(() => new Rng(1, 5 as unknown as string)).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_SEED" }));
    for (const ok of [0, -3, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const rs = new RngStreams(ok);
      rs.get("a").random();
      expect(
        RngStreams.restore(JSON.parse(JSON.stringify(rs.save())))
          .get("a")
          .random(),
      ).toBe(rs.get("a").random());
    }
  });
});
