/**
 * One vscsiStats histogram: counts per bucket plus min, max, sum and count,
 * as ESX keeps them. `record` allocates nothing (typed arrays, a binary search
 * over at most 33 limits).
 */
export class VscsiHistogram {
  /** Bucket upper limits (inclusive), ascending. */
  readonly limits: Float64Array;
  /** counts[i] for limits[i]; counts[limits.length] is the overflow bucket. */
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  min = 0;
  max = 0;

  constructor(limits: readonly number[]) {
    this.limits = Float64Array.from(limits);
    this.counts = new Float64Array(limits.length + 1);
  }

  /** Index of the bucket holding `v`: the first limit >= v, or the overflow bucket. */
  bucketOf(v: number): number {
    const limits = this.limits;
    let lo = 0;
    let hi = limits.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= limits[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  record(v: number): void {
    this.counts[this.bucketOf(v)]++;
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
