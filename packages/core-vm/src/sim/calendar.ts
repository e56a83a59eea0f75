import { calendarWidth, MIN_BUCKETS } from "./calendar-width.js";
import { F64_STRIDE, I32_STRIDE, IN_FAR, KIND, NEXT, NIL, SEQ, TIME } from "./event-slot.js";
import { SeqIndex } from "./seq-index.js";
import { SlotHeap } from "./slot-heap.js";

/** Operations between two looks at the average cost per operation. */
export const COST_WINDOW = 4096;
/** Average buckets scanned + nodes walked per operation above which the width is re-estimated. */
const COST_LIMIT = 6;

/**
 * The calendar of Brown's calendar queue (CACM 31(10), 1988) that `EventQueue` is: the slot records of the pending
 * events with their free list, the B buckets of width W (sorted lists over the slots) that cover one year (B·W)
 * from the current bucket, the far heap for events beyond it, and the resizing that keeps B and W fitted to the
 * events (rebuilds with B doubled or halved and W re-estimated, and the periodic cost check). What is on the
 * queue's hot paths (`link`, `seek`, `setCurrent`) is here, called from `EventQueue`'s methods on the same object.
 */
export class Calendar {
  /** Slot records (see F64_STRIDE): two views of one buffer. */
  protected f64: Float64Array;
  protected i32: Int32Array;
  /** Object payloads, only for slots whose has-object bit is set. */
  protected sObj: unknown[];
  protected freeSlots: Int32Array;
  protected freeTop = 0;
  protected slotCount = 0;
  /** Events at or beyond `curStart + yearSpan`. */
  protected readonly far: SlotHeap;
  /** Sequence number → slot; built at the first `cancel`, so models that never cancel never pay for it. */
  protected index: SeqIndex | null = null;

  /** Bucket arrays: first and last slot of each sorted list. */
  protected bHead: Int32Array;
  protected bTail: Int32Array;
  /** B - 1 (B is a power of two). */
  protected mask: number;
  /** Bucket width W in ns (a power of two) and 1/W (exact). */
  protected width = 1;
  protected invWidth = 1;
  /** B·W: the span of the buckets; later events go to the far heap. */
  protected yearSpan = MIN_BUCKETS;
  /** The current bucket: its index and the virtual time at which it starts; no pending event is earlier. */
  protected curIdx = 0;
  protected curStart = 0;
  /** curStart + W and curStart + B·W, kept with curStart so push and pop read one field each. */
  protected curEnd = 1;
  protected yearEnd = MIN_BUCKETS;

  protected count = 0;
  /** Pop rebuilds with half the buckets below this many events (B/4 once B > MIN_BUCKETS, else never). */
  protected shrinkBelow = 0;
  /** Cost accounting for width re-estimation. */
  protected cost = 0;
  protected opsLeft = COST_WINDOW;
  protected window = COST_WINDOW;

  constructor(initialCapacity: number) {
    const c = Math.max(16, initialCapacity);
    this.f64 = new Float64Array(c * F64_STRIDE);
    this.i32 = new Int32Array(this.f64.buffer);
    this.sObj = new Array(c).fill(undefined);
    this.freeSlots = new Int32Array(c);
    this.far = new SlotHeap(c);
    this.bHead = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.bTail = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.mask = MIN_BUCKETS - 1;
  }

  /** A fresh slot from the end of the records (the free list is empty). */
  protected newSlot(): number {
    if (this.slotCount === this.freeSlots.length) this.growSlots();
    return this.slotCount++;
  }

  /** Removes a slot from its bucket list. */
  protected unlink(slot: number): void {
    const idx = this.bucketOf(this.timeOf(slot));
    let prev = NIL;
    let p = this.bHead[idx];
    while (p !== slot) {
      prev = p;
      p = this.nextOf(p);
    }
    const next = this.nextOf(slot);
    if (prev === NIL) this.bHead[idx] = next;
    else this.i32[prev * I32_STRIDE + NEXT] = next;
    if (next === NIL) this.bTail[idx] = prev;
  }

  /**
   * Advances the current bucket to the next one holding an event of its own
   * year and returns that bucket's head; NIL if buckets starting after
   * `limit` would have to be entered first. A year without a hit falls back
   * to a direct search. The queue must not be empty.
   */
  protected seek(limit: number): number {
    const f64 = this.f64;
    const bHead = this.bHead;
    const width = this.width;
    const mask = this.mask;
    let idx = this.curIdx;
    let start = this.curStart;
    let h = bHead[idx];
    let scanned = 0;
    while (h === NIL || f64[h * F64_STRIDE + TIME] >= start + width) {
      if (++scanned > mask) {
        this.moveTo(Math.min(this.earliestHead(), this.far.minTime()));
        this.migrate();
        idx = this.curIdx;
        start = this.curStart;
        h = bHead[idx];
        break;
      }
      idx = (idx + 1) & mask;
      start += width;
      // Migrate before the limit check: a pop(limit) that stops here still makes
      // this bucket current, and far events its year now covers must be in buckets,
      // or later scans step past them.
      if (this.far.size > 0 && this.far.minTime() < start + this.yearSpan) {
        this.setCurrent(idx, start);
        this.migrate();
      }
      if (start > limit) {
        h = NIL;
        break;
      }
      h = bHead[idx];
    }
    this.cost += scanned;
    this.setCurrent(idx, start);
    return h;
  }

  /** Moves far events that the current year now covers into their buckets. */
  protected migrate(): void {
    const far = this.far;
    const end = this.yearEnd;
    while (far.size > 0 && far.minTime() < end) {
      const slot = far.popMin();
      this.i32[slot * I32_STRIDE + KIND] &= ~IN_FAR;
      this.link(slot, this.timeOf(slot), this.seqOf(slot));
    }
  }

  /** Bucket index of time t: ⌊t/W⌋ mod B (ToInt32 wraps mod 2^32, and B divides 2^32). */
  protected bucketOf(t: number): number {
    return Math.floor(t * this.invWidth) & this.mask;
  }

  /** Makes the bucket holding time t the current one. */
  protected moveTo(t: number): void {
    const vb = Math.floor(t * this.invWidth);
    this.setCurrent(vb & this.mask, vb * this.width);
  }

  /** Makes bucket `idx`, starting at `start`, the current one. */
  protected setCurrent(idx: number, start: number): void {
    this.curIdx = idx;
    this.curStart = start;
    this.curEnd = start + this.width;
    this.yearEnd = start + this.yearSpan;
  }

  /** Links a slot into its bucket, keeping the list sorted by (time, seq). */
  protected link(slot: number, time: number, seq: number): void {
    const idx = this.bucketOf(time);
    const f64 = this.f64;
    const i32 = this.i32;
    const tail = this.bTail[idx];
    i32[slot * I32_STRIDE + NEXT] = NIL;
    if (tail === NIL) {
      this.bHead[idx] = slot;
      this.bTail[idx] = slot;
      return;
    }
    const tt = f64[tail * F64_STRIDE + TIME];
    if (tt < time || (tt === time && f64[tail * F64_STRIDE + SEQ] < seq)) {
      i32[tail * I32_STRIDE + NEXT] = slot;
      this.bTail[idx] = slot;
      return;
    }
    // Earlier than the tail: walk from the head (events of the current year come first).
    let prev = NIL;
    let p = this.bHead[idx];
    let walked = 1;
    for (;;) {
      const pt = f64[p * F64_STRIDE + TIME];
      if (pt > time || (pt === time && f64[p * F64_STRIDE + SEQ] > seq)) break;
      prev = p;
      p = i32[p * I32_STRIDE + NEXT];
      walked++;
    }
    this.cost += walked;
    i32[slot * I32_STRIDE + NEXT] = p;
    if (prev === NIL) this.bHead[idx] = slot;
    else i32[prev * I32_STRIDE + NEXT] = slot;
  }

  protected timeOf(slot: number): number {
    return this.f64[slot * F64_STRIDE + TIME];
  }

  protected seqOf(slot: number): number {
    return this.f64[slot * F64_STRIDE + SEQ];
  }

  protected nextOf(slot: number): number {
    return this.i32[slot * I32_STRIDE + NEXT];
  }

  protected forEachPending(fn: (slot: number) => void): void {
    for (let b = 0; b <= this.mask; b++) for (let s = this.bHead[b]; s !== NIL; s = this.nextOf(s)) fn(s);
    this.far.forEach(fn);
  }

  /** Earliest head over all buckets (the direct search of Brown §2). */
  protected earliestHead(): number {
    let best = Number.POSITIVE_INFINITY;
    for (let b = 0; b <= this.mask; b++) {
      const h = this.bHead[b];
      if (h !== NIL && this.timeOf(h) < best) best = this.timeOf(h);
    }
    return best;
  }

  /** Every `window` pops: re-estimate W if operations got expensive; back off if that did not help. */
  protected checkCost(): void {
    const perOp = this.cost / this.window;
    this.cost = 0;
    if (perOp > COST_LIMIT && this.count > 1) {
      const before = this.width;
      this.rebuild(this.mask + 1);
      // An unchanged width means the distribution, not the calibration, is to blame: look less often.
      this.window = this.width === before ? Math.min(this.window * 2, 1 << 20) : COST_WINDOW;
    }
    this.opsLeft = this.window;
  }

  /** Rebuilds the calendar with `buckets` buckets and a freshly estimated width. */
  protected rebuild(buckets: number): void {
    const n = this.count;
    const order = new Int32Array(n);
    let k = 0;
    this.forEachPending((s) => {
      order[k++] = s;
    });
    const f64 = this.f64;
    order.sort((a, b) => f64[a * F64_STRIDE + TIME] - f64[b * F64_STRIDE + TIME] || f64[a * F64_STRIDE + SEQ] - f64[b * F64_STRIDE + SEQ]);
    const nb = Math.max(MIN_BUCKETS, buckets);
    this.width = calendarWidth(f64, F64_STRIDE, order, nb);
    this.invWidth = 1 / this.width;
    this.bHead = new Int32Array(nb).fill(NIL);
    this.bTail = new Int32Array(nb).fill(NIL);
    this.mask = nb - 1;
    this.yearSpan = nb * this.width;
    this.shrinkBelow = nb > MIN_BUCKETS ? nb >> 2 : 0;
    this.far.clear();
    // With no events (cancels emptied the queue) the old current bucket may not exist any more: re-derive it.
    if (n > 0) this.moveTo(this.timeOf(order[0]));
    else this.moveTo(this.curStart);
    // Sorted order makes every link an append.
    const end = this.yearEnd;
    const i32 = this.i32;
    for (let i = 0; i < n; i++) {
      const s = order[i];
      const t = this.timeOf(s);
      if (t < end) {
        i32[s * I32_STRIDE + KIND] &= ~IN_FAR;
        this.link(s, t, this.seqOf(s));
      } else {
        i32[s * I32_STRIDE + KIND] |= IN_FAR;
        this.far.push(t, this.seqOf(s), s);
      }
    }
    this.cost = 0;
    this.opsLeft = this.window;
  }

  protected growSlots(): void {
    const c = this.freeSlots.length * 2;
    const f64 = new Float64Array(c * F64_STRIDE);
    f64.set(this.f64);
    this.f64 = f64;
    this.i32 = new Int32Array(f64.buffer);
    const free = new Int32Array(c);
    free.set(this.freeSlots);
    this.freeSlots = free;
    this.far.growSlots(c);
    const o = new Array(c).fill(undefined);
    for (let i = 0; i < this.sObj.length; i++) o[i] = this.sObj[i];
    this.sObj = o;
    if (this.index !== null) {
      this.index = new SeqIndex(c);
      this.forEachPending((s) => this.index?.set(this.seqOf(s), s));
    }
  }
}
