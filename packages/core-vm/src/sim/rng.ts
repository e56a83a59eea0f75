import { z } from "zod";
import { CoreErrors } from "../errors.js";
import { exactRemainder } from "./exact-remainder.js";

/**
 * Seeded PRNG: xoshiro128** (Blackman & Vigna), chosen because it runs on
 * 32-bit integer operations, which JavaScript does natively and fast.
 * Named streams are independent generators seeded from (root seed, name)
 * through a hash, so adding a stream never shifts the numbers of another.
 */
export const RngStateSchema = z.object({
  version: z.literal(1),
  s: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
});
/** One `Rng`'s saved state (`save()` / `restore()`), plain JSON. */
export type RngState = z.infer<typeof RngStateSchema>;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** 32-bit FNV-1a of a string, to turn a stream name into seed material. */
function fnv1a(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: spreads seed material over the four state words. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** One seeded pseudo-random stream; take it from `RngStreams.get(name)` so each model part draws from its own stream and adding a part does not shift the others' numbers. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** A generator seeded from an integer seed and an optional stream name. */
  constructor(seed: number, name = "") {
    if (!Number.isSafeInteger(seed)) throw CoreErrors.rngBadSeed("seed", seed);
    if (typeof name !== "string") throw CoreErrors.rngBadSeed("stream name", name);
    const st = { x: (fnv1a(name, fnv1a(String(seed))) ^ (seed | 0)) | 0 };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform double in (0, 1]: safe under a logarithm. */
  randomOpen(): number {
    return 1 - this.random();
  }

  /**
   * Uniform integer in [0, n) without modulo bias, for n up to 2^53. Up to 2^32 one 32-bit draw (redrawn past the
   * largest multiple of n); above, `wideInt`. (A random offset over more than 2^32 slots — 512-byte IOs on a disk
   * past 2 TiB — was refused here, failing a valid workload at its first IO.)
   */
  int(n: number): number {
    if (!(n >= 1) || n > TWO_POW_53 || !Number.isInteger(n))
      throw CoreErrors.rngBadParameter("int", `n must be an integer in [1, 2^53], got ${n}`);
    if (n > TWO_POW_32) return this.wideInt(n);
    const limit = TWO_POW_32 - exactRemainder(TWO_POW_32, n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return exactRemainder(x, n);
    }
  }

  /**
   * Uniform integer in [0, n) for 2^32 < n <= 2^53: a uniform high part below ceil(n / 2^32) and 32 uniform low bits
   * make a uniform integer below that multiple of 2^32 (exact: below 2^53); one at or above n is drawn again.
   */
  private wideInt(n: number): number {
    const highs = Math.ceil(n / TWO_POW_32);
    for (;;) {
      const x = this.int(highs) * TWO_POW_32 + this.nextU32();
      if (x < n) return x;
    }
  }

  save(): RngState {
    return { version: 1, s: [this.s0, this.s1, this.s2, this.s3] };
  }

  restore(state: unknown): void {
    const p = RngStateSchema.safeParse(state);
    if (!p.success) throw CoreErrors.simBadState("rng", p.error.issues.map((i) => i.message).join("; "));
    const [a, b, c, d] = p.data.s;
    if ((a | b | c | d) === 0) throw CoreErrors.simBadState("rng", "all-zero xoshiro state");
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
  }
}

/** Validates saved `RngStreams` (`RngStreamsState`) before `restore` uses them. */
export const RngStreamsStateSchema = z.object({
  version: z.literal(1),
  seed: z.number().int(),
  streams: z.record(z.string(), RngStateSchema),
});
/** Saved `RngStreams`: the seed and each named stream's state, plain JSON. */
export type RngStreamsState = z.infer<typeof RngStreamsStateSchema>;

/**
 * A root seed and its named streams: `streams.get("arrivals")` always gives
 * the same sequence for the same seed, whatever other streams exist.
 */
export class RngStreams {
  private streams = new Map<string, Rng>();
  constructor(readonly seed: number) {
    // Saved with the streams, whose schema takes an integer: a seed of 1.5 would save and not restore.
    if (!Number.isSafeInteger(seed)) throw CoreErrors.rngBadSeed("seed", seed);
  }

  get(name: string): Rng {
    let r = this.streams.get(name);
    if (!r) {
      r = new Rng(this.seed, name);
      this.streams.set(name, r);
    }
    return r;
  }

  save(): RngStreamsState {
    const streams: Record<string, RngState> = {};
    for (const name of [...this.streams.keys()].sort()) streams[name] = (this.streams.get(name) as Rng).save();
    return { version: 1, seed: this.seed, streams };
  }

  /**
   * Sets these streams, in place, to those of `other` (same seed): a stream
   * `other` has takes its state, one it lacks starts over from the seed, so
   * `Rng` objects a model holds rewind too. Cannot fail.
   */
  assign(other: RngStreams): void {
    for (const [name, r] of this.streams) r.restore((other.streams.get(name) ?? new Rng(this.seed, name)).save());
    for (const [name, r] of other.streams) if (!this.streams.has(name)) this.get(name).restore(r.save());
  }

  static restore(state: unknown): RngStreams {
    const p = RngStreamsStateSchema.safeParse(state);
    if (!p.success) throw CoreErrors.simBadState("rng streams", p.error.issues.map((i) => i.message).join("; "));
    const rs = new RngStreams(p.data.seed);
    for (const [name, st] of Object.entries(p.data.streams)) rs.get(name).restore(st);
    return rs;
  }
}
