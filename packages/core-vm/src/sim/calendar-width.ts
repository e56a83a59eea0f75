/** The smallest calendar: fewer buckets than this are never worth a resize. */
export const MIN_BUCKETS = 16;
/** How many distinct times at the front of the queue to sample (Brown §3 samples 25 events). */
const SAMPLE = 25;
/** Largest width: 2^52 ns keeps ⌊t/W⌋ exact for every integer-ns time. */
const MAX_WIDTH = 2 ** 52;
/**
 * Width in units of the average spacing. Brown uses 3 (about three events
 * per bucket); our buckets are sorted lists, where walking a list costs a
 * dependent load per node while skipping an empty bucket costs one
 * sequential load, so about one distinct time per bucket is cheaper
 * (measured on the hold model: see docs/kernel.md).
 */
const SPACING_FACTOR = 1;
/**
 * The same for the smallest calendar (B = MIN_BUCKETS, so at most B events
 * pending): there a list can never hold more than B events, so a wide bucket
 * cannot cost a long walk, while a narrow one makes pop step through empty
 * buckets and sends the sparse tail of a two-scale delay distribution (a
 * storage model's µs bus hops and ms disk seeks) to the far heap. Measured on
 * storage.sim-ios's kernel event trace (~9 pending): 2× ran ~10% faster per
 * event than 1×, 4× and 8× about as fast as 2×.
 */
const SMALL_SPACING_FACTOR = 2;

/**
 * Brown's width estimate (CACM 31(10), 1988, §3): a multiple of the average
 * spacing of the events about to be dequeued, after dropping spacings more
 * than twice the first average (outliers such as a lone far-future timer).
 * Rounded to a power of two ≥ 1 ns so ⌊t/W⌋ is exact on integer-ns doubles.
 *
 * Spacing is measured between *distinct* times: events tied at one time are
 * appended to their bucket's tail in O(1) (sequence numbers only grow), so
 * ties cost nothing and must not shrink the width. `order` lists slots
 * sorted by (time, seq); slot s's time is `records[s * stride]`; `buckets`
 * is the calendar's bucket count B.
 */
export function calendarWidth(records: Float64Array, stride: number, order: Int32Array, buckets: number): number {
  const times: number[] = [];
  let last = Number.NaN;
  for (let i = 0; i < order.length && times.length < SAMPLE; i++) {
    const t = records[order[i] * stride];
    if (t !== last) times.push(t);
    last = t;
  }
  if (times.length < 2) return 1;
  const k = times.length;
  const first = (times[k - 1] - times[0]) / (k - 1);
  let sum = 0;
  let used = 0;
  for (let i = 1; i < k; i++) {
    const d = times[i] - times[i - 1];
    if (d <= 2 * first) {
      sum += d;
      used++;
    }
  }
  const spacing = used === 0 ? first : sum / used;
  return powerOfTwoWidth((buckets <= MIN_BUCKETS ? SMALL_SPACING_FACTOR : SPACING_FACTOR) * spacing);
}

/** The power of two nearest (geometrically) to w, clamped to [1, 2^52]. */
function powerOfTwoWidth(w: number): number {
  if (!(w > 1)) return 1;
  const p = 2 ** Math.round(Math.log2(w));
  return Math.min(p, MAX_WIDTH);
}
