/** Largest direct bucket table per histogram (entries). */
const TABLE_ENTRIES = 2049;
/** Beyond ±1000, the seek and time limits are multiples of 1000: a coarse table indexed by ceil(v / 1000) is exact there. */
const COARSE_STEP = 1000;

/**
 * One vscsiStats histogram: counts per bucket plus min, max, sum and count,
 * as ESX keeps them. `record` allocates nothing. The bucket of a value is
 * looked up in a direct table for common values (|seek| <= 1000 LBNs, up to
 * 1 ms, up to 64 outstanding IOs, IO lengths in whole sectors up to 512 KiB);
 * for larger seek distances and times in a coarse table indexed by
 * ceil(v / 1000) — exact because every limit beyond ±1000 is a multiple of
 * 1000 (m·1000 < v ⟺ m < ceil(v / 1000)); otherwise (odd IO lengths) by a
 * binary search without data-dependent branches (limits padded with
 * +Infinity to 32 or 64 entries, unrolled, each step a conditional move).
 */
export class VscsiHistogram {
  /** Bucket upper limits (inclusive), ascending. */
  readonly limits: Float64Array;
  /** `limits` padded with +Infinity to 32 or 64 entries. */
  private readonly padded: Float64Array;
  private readonly wide: boolean;
  /** Direct table: bucket of the value tableLo + i * tableStep. */
  private readonly table: Uint8Array;
  private readonly tableLo: number;
  private readonly tableInvStep: number;
  /** Coarse table (see above), or null; covers ceil(v / 1000) in [coarseLo, coarseLo + length). */
  private readonly coarse: Uint8Array | null;
  private readonly coarseLo: number;
  /** counts[i] for limits[i]; counts[limits.length] is the overflow bucket. */
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  min = 0;
  max = 0;

  constructor(limits: readonly number[]) {
    if (limits.length >= 64) throw new RangeError("at most 63 bucket limits");
    this.limits = Float64Array.from(limits);
    this.counts = new Float64Array(limits.length + 1);
    this.wide = limits.length >= 32;
    this.padded = new Float64Array(this.wide ? 64 : 32).fill(Number.POSITIVE_INFINITY);
    this.padded.set(this.limits);
    // IO lengths (all limits >= 512) are tabled per sector; the others per integer in [-1000, 1000].
    const step = limits[0] >= 512 ? 512 : 1;
    const last = limits[limits.length - 1];
    this.tableLo = Math.max(Math.min(0, limits[0]), -COARSE_STEP);
    this.tableInvStep = 1 / step;
    const entries = Math.min(Math.floor((last + 1 - this.tableLo) / step) + 1, TABLE_ENTRIES);
    this.table = new Uint8Array(entries);
    for (let i = 0; i < entries; i++) this.table[i] = this.search(this.tableLo + i * step);
    // The coarse table needs the direct one to cover [-1000, 1000] ∩ [tableLo, ...] and every other limit to be a multiple of 1000.
    const coarseOk =
      step === 1 &&
      last > COARSE_STEP &&
      this.tableLo + entries - 1 >= COARSE_STEP &&
      limits.every((l) => Number.isInteger(l) && (Math.abs(l) <= COARSE_STEP ? l >= this.tableLo : l % COARSE_STEP === 0));
    if (coarseOk) {
      this.coarseLo = Math.ceil(limits[0] / COARSE_STEP);
      const hi = Math.ceil(last / COARSE_STEP);
      this.coarse = new Uint8Array(hi - this.coarseLo + 1);
      for (let j = this.coarseLo; j <= hi; j++) this.coarse[j - this.coarseLo] = this.search(j * COARSE_STEP);
    } else {
      this.coarse = null;
      this.coarseLo = 0;
    }
  }

  /** Index of the bucket holding `v`: the number of limits below `v` (the first limit >= v, or the overflow bucket). */
  bucketOf(v: number): number {
    const x = (v - this.tableLo) * this.tableInvStep;
    const i = x | 0;
    if (i === x && i >= 0 && i < this.table.length) return this.table[i];
    const coarse = this.coarse;
    if (coarse !== null && (v > COARSE_STEP || v < -COARSE_STEP)) {
      const j = Math.ceil(v / COARSE_STEP) - this.coarseLo;
      if (j < 0) return 0;
      if (j >= coarse.length) return this.limits.length;
      return coarse[j];
    }
    return this.search(v);
  }

  private search(v: number): number {
    const p = this.padded;
    let b = 0;
    if (this.wide) b = p[31] < v ? 32 : 0;
    b = p[b + 15] < v ? b + 16 : b;
    b = p[b + 7] < v ? b + 8 : b;
    b = p[b + 3] < v ? b + 4 : b;
    b = p[b + 1] < v ? b + 2 : b;
    b = p[b] < v ? b + 1 : b;
    return b;
  }

  record(v: number): void {
    this.recordIn(this.bucketOf(v), v);
  }

  /** Records `v` whose bucket is already known (the all/reads/writes histograms of one value share it). */
  recordIn(bucket: number, v: number): void {
    this.counts[bucket]++;
    if (this.count === 0) {
      this.min = v;
      this.max = v;
    } else {
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
    this.count++;
    this.sum += v;
  }

  /** ESX prints an integer mean: the sum divided by the count, truncated toward zero (0 when empty). */
  get mean(): number {
    return this.count === 0 ? 0 : Math.trunc(this.sum / this.count);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = 0;
    this.max = 0;
  }
}
