import { z } from "zod";
import { CoreErrors } from "../errors.js";

/**
 * A log-bucketed histogram (HDR-style) for non-negative values.
 *
 * The bucket index comes straight from the IEEE-754 bits of the value: the
 * exponent picks an octave and the top SUB_BITS mantissa bits pick one of
 * 2^SUB_BITS linear sub-buckets inside it. With SUB_BITS = 7 a bucket spans
 * 1/128 of its lower bound, and reporting the bucket midpoint bounds the
 * relative error of any percentile by 1/256 ≈ 0.4% (the issue asks ≤ 1%).
 * Recording costs one typed-array write and no logarithm.
 *
 * The main array covers 2^-16 to 2^64. Smaller positive values (a latency
 * recorded in seconds, say) go to octave arrays allocated when first used,
 * with the same 128 sub-buckets, down to the smallest normal double; only
 * exact zeros and subnormals (< 2.2e-308) count as zero.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
/** Smallest octave of the main array: smaller values go to the lazily allocated `tiny` octaves. */
const MIN_EXP = -16;
/** Largest tracked octave: values at or above 2^(MAX_EXP+1) are clamped into the top bucket. */
const MAX_EXP = 63;
const OCTAVES = MAX_EXP - MIN_EXP + 1;
const BUCKETS = OCTAVES * SUB;
const BIASED_MIN = MIN_EXP + 1023;
/** Octaves below the main array: biased exponents 1 .. BIASED_MIN - 1 (every positive normal double below 2^MIN_EXP). */
const TINY_OCTAVES = BIASED_MIN - 1;
const TINY_BUCKETS = TINY_OCTAVES * SUB;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts keep the sign/exponent word at index 1.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Sparse [index, count] pairs over `size` buckets. */
const sparseCounts = (size: number) =>
  z.array(
    z.tuple([
      z
        .number()
        .int()
        .min(0)
        .max(size - 1),
      z.number().int().positive(),
    ]),
  );

/** Validates a saved `LogHistogram` (`HistogramState`) before `restore` uses it. */
export const HistogramStateSchema = z.object({
  version: z.literal(1),
  count: z.number().int().nonnegative(),
  zeros: z.number().int().nonnegative(),
  sum: z.number(),
  min: z.number(),
  max: z.number(),
  /** Sparse [bucketIndex, count] pairs. */
  buckets: sparseCounts(BUCKETS),
  /** Sparse [index, count] pairs for values below 2^-16 (index = (biased exponent − 1)·128 + sub-bucket); absent when there are none. */
  tiny: sparseCounts(TINY_BUCKETS).optional(),
});
/** A `LogHistogram`'s saved state (`save()` / `restore()`), plain JSON. */
export type HistogramState = z.infer<typeof HistogramStateSchema>;

/** A log-bucketed (HDR-style) histogram of non-negative values: percentiles within 0.4%, exact count, sum, min and max; `record` allocates nothing (see the notes above). */
export class LogHistogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  /** Exact zeros (and subnormals, below 2.2e-308). */
  private zeros = 0;
  /** Octaves below the main array, allocated when a value first lands in one (index: biased exponent − 1). */
  private tiny: (Float64Array | undefined)[] | null = null;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(readonly name = "histogram") {}

  record(value: number): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) throw CoreErrors.metricsBadValue(this.name, value);
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    f64[0] = value;
    const hi = u32[HI];
    const octave = (hi >>> 20) - BIASED_MIN;
    if (octave < 0) {
      if (hi >>> 20 === 0) this.zeros++;
      else this.recordTiny(hi);
      return;
    }
    const idx = octave >= OCTAVES ? BUCKETS - 1 : (octave << SUB_BITS) | ((hi >>> (20 - SUB_BITS)) & (SUB - 1));
    this.counts[idx]++;
  }

  /** A value below 2^MIN_EXP, by its high word: into its octave's sub-bucket. */
  private recordTiny(hi: number): void {
    if (this.tiny === null) this.tiny = new Array(TINY_OCTAVES).fill(undefined);
    const o = (hi >>> 20) - 1;
    let counts = this.tiny[o];
    if (counts === undefined) {
      counts = new Float64Array(SUB);
      this.tiny[o] = counts;
    }
    counts[(hi >>> (20 - SUB_BITS)) & (SUB - 1)]++;
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  /** The value at quantile q in [0, 1] (q = 0.99 is the 99th percentile). NaN when empty. */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw CoreErrors.metricsBadQuantile(this.name, q, false);
    if (this.count === 0) return Number.NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.ceil(q * this.count);
    let seen = this.zeros;
    if (seen >= rank) return this.min;
    if (this.tiny !== null) {
      for (let o = 0; o < TINY_OCTAVES; o++) {
        const t = this.tiny[o];
        if (t === undefined) continue;
        for (let j = 0; j < SUB; j++) {
          if (t[j] === 0) continue;
          seen += t[j];
          if (seen >= rank) {
            const v = 2 ** (o + 1 - 1023) * (1 + (j + 0.5) / SUB);
            return v < this.min ? this.min : Math.min(v, this.max);
          }
        }
      }
    }
    const counts = this.counts;
    for (let i = 0; i < BUCKETS; i++) {
      const c = counts[i];
      if (c === 0) continue;
      seen += c;
      if (seen >= rank) {
        const v = bucketMidpoint(i);
        return v < this.min ? this.min : Math.min(v, this.max);
      }
    }
    return this.max;
  }

  /** The value at percentile p in [0, 100]. NaN when empty. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw CoreErrors.metricsBadQuantile(this.name, p, true);
    return this.quantile(p / 100);
  }

  /** Adds another histogram's counts into this one. */
  merge(other: LogHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    if (other.tiny !== null)
      for (let o = 0; o < TINY_OCTAVES; o++) {
        const t = other.tiny[o];
        if (t === undefined) continue;
        for (let j = 0; j < SUB; j++) if (t[j] > 0) this.addTiny(o * SUB + j, t[j]);
      }
    this.count += other.count;
    this.zeros += other.zeros;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  summary(): { count: number; mean: number; min: number; p50: number; p90: number; p99: number; max: number } {
    return {
      count: this.count,
      mean: this.mean,
      min: this.count ? this.min : Number.NaN,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.count ? this.max : Number.NaN,
    };
  }

  save(): HistogramState {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    const tiny: [number, number][] = [];
    if (this.tiny !== null)
      for (let o = 0; o < TINY_OCTAVES; o++) {
        const t = this.tiny[o];
        if (t !== undefined) for (let j = 0; j < SUB; j++) if (t[j] > 0) tiny.push([o * SUB + j, t[j]]);
      }
    // An empty histogram's ±Infinity bounds are not JSON: save 0 (restore maps an empty state back).
    const empty = this.count === 0;
    return {
      version: 1,
      count: this.count,
      zeros: this.zeros,
      sum: this.sum,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      buckets,
      // Only when values below 2^-16 were recorded, so other saved states are unchanged.
      ...(tiny.length > 0 ? { tiny } : {}),
    };
  }

  /** Adds `c` to tiny bucket `index` ((biased exponent − 1)·128 + sub-bucket). */
  private addTiny(index: number, c: number): void {
    if (this.tiny === null) this.tiny = new Array(TINY_OCTAVES).fill(undefined);
    const o = Math.floor(index / SUB);
    let t = this.tiny[o];
    if (t === undefined) {
      t = new Float64Array(SUB);
      this.tiny[o] = t;
    }
    t[index % SUB] += c;
  }

  static restore(state: unknown, name = "histogram"): LogHistogram {
    const p = HistogramStateSchema.safeParse(state);
    if (!p.success) throw CoreErrors.simBadState("histogram", p.error.issues.map((i) => i.message).join("; "));
    const s = p.data;
    const total = (s.tiny ?? []).reduce(
      (a, [, c]) => a + c,
      s.buckets.reduce((a, [, c]) => a + c, s.zeros),
    );
    if (total !== s.count) throw CoreErrors.simBadState("histogram", `bucket counts sum to ${total}, count says ${s.count}`);
    const h = new LogHistogram(name);
    for (const [i, c] of s.buckets) h.counts[i] = c;
    for (const [i, c] of s.tiny ?? []) h.addTiny(i, c);
    h.count = s.count;
    h.zeros = s.zeros;
    h.sum = s.sum;
    h.min = s.count ? s.min : Number.POSITIVE_INFINITY;
    h.max = s.count ? s.max : Number.NEGATIVE_INFINITY;
    return h;
  }
}

function bucketMidpoint(i: number): number {
  const octave = i >>> SUB_BITS;
  const sub = i & (SUB - 1);
  const base = 2 ** (octave + MIN_EXP);
  return base * (1 + (sub + 0.5) / SUB);
}
