import { calendarWidth, MIN_BUCKETS } from "./calendar-width.js";
import { SeqIndex } from "./seq-index.js";

/** A pending event as plain data (for snapshots and inspection). */
export interface PendingEvent {
  time: number;
  seq: number;
  kind: number;
  num: number;
  obj: unknown;
}

/** End of a linked list. */
const NIL = -1;
/** Operations between two looks at the average cost per operation. */
const COST_WINDOW = 4096;
/** Average buckets scanned + nodes walked per operation above which the width is re-estimated. */
const COST_LIMIT = 6;

/**
 * The pending-event queue: a calendar queue (Brown, CACM 31(10), 1988) over
 * typed arrays, ordered exactly by (time, sequence) so events at the same
 * virtual time fire in the order they were scheduled — the root of vmlab's
 * determinism.
 *
 * Time is cut into buckets of width `W` (a power of two ≥ 1 ns, so bucket
 * arithmetic is exact on integer-ns doubles); `B` buckets (a power of two)
 * make a "year", and an event lands in bucket ⌊t/W⌋ mod B. Each bucket is a
 * singly linked list kept sorted by (time, seq), with a tail pointer so the
 * common case — a new event later than everything in its bucket, or tied with
 * it (ties always append, since sequence numbers only grow) — is O(1).
 * `pop` takes the head of the current bucket if it belongs to the current
 * year, else moves on; a year without a hit falls back to a direct search.
 *
 * `B` doubles when the queue holds more than 2B events and halves below B/2
 * (Brown §3). `W` is re-estimated from the spacing of the earliest events at
 * every resize and whenever the measured cost per operation (buckets scanned
 * plus list nodes walked) drifts above `COST_LIMIT` — the remedy of the
 * dynamic calendar queues for distributions that change shape over a run.
 *
 * Nothing is allocated per event once the arrays have grown to the working
 * size: events live in slots (parallel typed arrays) taken from a free list.
 * Cancelling is O(1) expected: a sequence-number index finds the slot and the
 * slot is unlinked from its (short) bucket.
 */
export class EventQueue {
  /** Slot arrays: an event's key, payload and bucket link. */
  private sTime: Float64Array;
  private sSeq: Float64Array;
  private sKind: Int32Array;
  private sNum: Float64Array;
  private sObj: unknown[];
  private sNext: Int32Array;
  private freeSlots: Int32Array;
  private freeTop = 0;
  private slotCount = 0;
  /** Sequence number → slot; built at the first `cancel`, so models that never cancel never pay for it. */
  private index: SeqIndex | null = null;

  /** Bucket arrays: first and last slot of each sorted list. */
  private bHead: Int32Array;
  private bTail: Int32Array;
  /** B - 1 (B is a power of two). */
  private mask: number;
  /** Bucket width W in ns (a power of two) and 1/W (exact). */
  private width = 1;
  private invWidth = 1;
  /** The current bucket: its index and the virtual time at which it starts; no pending event is earlier. */
  private curIdx = 0;
  private curStart = 0;

  private count = 0;
  private nextSeq = 0;
  /** Cost accounting for width re-estimation. */
  private cost = 0;
  private opsLeft = COST_WINDOW;
  private window = COST_WINDOW;

  /** Results of the last `pop()`: read them before the next queue call. */
  time = 0;
  seq = 0;
  kind = 0;
  num = 0;
  obj: unknown = undefined;

  constructor(initialCapacity = 1024) {
    const c = Math.max(16, initialCapacity);
    this.sTime = new Float64Array(c);
    this.sSeq = new Float64Array(c).fill(-1);
    this.sKind = new Int32Array(c);
    this.sNum = new Float64Array(c);
    this.sObj = new Array(c).fill(undefined);
    this.sNext = new Int32Array(c);
    this.freeSlots = new Int32Array(c);
    this.bHead = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.bTail = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.mask = MIN_BUCKETS - 1;
  }

  /** Number of pending events. */
  get size(): number {
    return this.count;
  }

  /** The sequence number the next `push` will get. */
  get sequence(): number {
    return this.nextSeq;
  }

  /** Current calendar shape (for tests and `docs/kernel.md`): bucket count B and width W in ns. */
  get shape(): { buckets: number; width: number } {
    return { buckets: this.mask + 1, width: this.width };
  }

  /** Inserts an event; returns its sequence number (the cancel handle). */
  push(time: number, kind: number, num: number, obj: unknown): number {
    const seq = this.nextSeq++;
    this.insert(time, seq, kind, num, obj);
    return seq;
  }

  /**
   * Inserts with an explicit sequence number (used by restore). The caller
   * keeps sequence numbers unique; `reset(nextSeq)` first when restoring.
   */
  insert(time: number, seq: number, kind: number, num: number, obj: unknown): void {
    let slot: number;
    if (this.freeTop > 0) slot = this.freeSlots[--this.freeTop];
    else {
      if (this.slotCount === this.sTime.length) this.growSlots();
      slot = this.slotCount++;
    }
    this.sTime[slot] = time;
    this.sSeq[slot] = seq;
    this.sKind[slot] = kind;
    this.sNum[slot] = num;
    this.sObj[slot] = obj;
    if (this.index !== null) this.index.set(seq, slot);
    if (seq >= this.nextSeq) this.nextSeq = seq + 1;
    if (this.count === 0 || time < this.curStart) this.moveTo(time);
    this.link(slot, time, seq);
    if (++this.count > 2 * (this.mask + 1)) this.rebuild((this.mask + 1) * 2);
  }

  /**
   * Removes the earliest event and exposes it in `time/seq/kind/num/obj`.
   * Returns false (removing nothing) when the queue is empty or the earliest
   * event is later than `limit`.
   */
  pop(limit = Number.POSITIVE_INFINITY): boolean {
    if (this.count === 0) return false;
    const sTime = this.sTime;
    let h = this.bHead[this.curIdx];
    if (h === NIL || sTime[h] >= this.curStart + this.width) {
      h = this.seek(limit);
      if (h === NIL) return false;
    }
    const t = sTime[h];
    if (t > limit) return false;
    const idx = this.curIdx;
    const next = this.sNext[h];
    this.bHead[idx] = next;
    if (next === NIL) this.bTail[idx] = NIL;
    this.time = t;
    this.seq = this.sSeq[h];
    this.kind = this.sKind[h];
    this.num = this.sNum[h];
    this.obj = this.sObj[h];
    this.release(h);
    this.count--;
    if (--this.opsLeft === 0) this.checkCost();
    else if (this.count < (this.mask + 1) >> 1 && this.mask >= MIN_BUCKETS) this.rebuild((this.mask + 1) >> 1);
    return true;
  }

  /** Time of the earliest event, or +Infinity when empty. */
  peekTime(): number {
    if (this.count === 0) return Number.POSITIVE_INFINITY;
    return this.sTime[this.seek(Number.POSITIVE_INFINITY)];
  }

  /**
   * Cancels a pending event by its sequence number. Returns false if the
   * event is not pending (already fired, cancelled, or never scheduled).
   */
  cancel(seq: number): boolean {
    if (this.index === null) {
      this.index = new SeqIndex(this.sTime.length);
      this.index.rebuild(this.sSeq, this.slotCount);
    }
    const slot = this.index.get(seq, this.sSeq);
    if (slot === NIL) return false;
    const idx = this.bucketOf(this.sTime[slot]);
    let prev = NIL;
    let p = this.bHead[idx];
    while (p !== slot) {
      prev = p;
      p = this.sNext[p];
    }
    const next = this.sNext[slot];
    if (prev === NIL) this.bHead[idx] = next;
    else this.sNext[prev] = next;
    if (next === NIL) this.bTail[idx] = prev;
    this.release(slot);
    this.count--;
    return true;
  }

  /** Pending events in firing order (a copy; for snapshots and inspection). */
  entries(): PendingEvent[] {
    const out: PendingEvent[] = [];
    for (let b = 0; b <= this.mask; b++) {
      for (let s = this.bHead[b]; s !== NIL; s = this.sNext[s]) {
        out.push({ time: this.sTime[s], seq: this.sSeq[s], kind: this.sKind[s], num: this.sNum[s], obj: this.sObj[s] });
      }
    }
    out.sort((a, b) => a.time - b.time || a.seq - b.seq);
    return out;
  }

  /** Empties the queue and sets the next sequence number (for restore). */
  reset(nextSeq = 0): void {
    this.freeTop = 0;
    this.slotCount = 0;
    this.count = 0;
    this.sObj.fill(undefined);
    this.sSeq.fill(-1);
    this.index = null;
    this.bHead = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.bTail = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.mask = MIN_BUCKETS - 1;
    this.width = 1;
    this.invWidth = 1;
    this.curIdx = 0;
    this.curStart = 0;
    this.cost = 0;
    this.opsLeft = this.window = COST_WINDOW;
    this.nextSeq = nextSeq;
  }

  /**
   * Advances the current bucket to the next one holding an event of its own
   * year and returns that bucket's head; NIL if buckets starting after
   * `limit` would have to be entered first. A year without a hit falls back
   * to a direct search. The queue must not be empty.
   */
  private seek(limit: number): number {
    const sTime = this.sTime;
    const bHead = this.bHead;
    const width = this.width;
    const mask = this.mask;
    let idx = this.curIdx;
    let start = this.curStart;
    let h = bHead[idx];
    let scanned = 0;
    while (h === NIL || sTime[h] >= start + width) {
      if (++scanned > mask) {
        this.moveTo(this.earliestHead());
        idx = this.curIdx;
        start = this.curStart;
        h = bHead[idx];
        break;
      }
      idx = (idx + 1) & mask;
      start += width;
      if (start > limit) {
        h = NIL;
        break;
      }
      h = bHead[idx];
    }
    this.cost += scanned;
    this.curIdx = idx;
    this.curStart = start;
    return h;
  }

  /** Bucket index of time t: ⌊t/W⌋ mod B (ToInt32 wraps mod 2^32, and B divides 2^32). */
  private bucketOf(t: number): number {
    return Math.floor(t * this.invWidth) & this.mask;
  }

  /** Makes the bucket holding time t the current one. */
  private moveTo(t: number): void {
    const vb = Math.floor(t * this.invWidth);
    this.curIdx = vb & this.mask;
    this.curStart = vb * this.width;
  }

  /** Links a slot into its bucket, keeping the list sorted by (time, seq). */
  private link(slot: number, time: number, seq: number): void {
    const idx = this.bucketOf(time);
    const sTime = this.sTime;
    const sNext = this.sNext;
    const tail = this.bTail[idx];
    if (tail === NIL) {
      this.bHead[idx] = slot;
      this.bTail[idx] = slot;
      sNext[slot] = NIL;
      return;
    }
    const tt = sTime[tail];
    if (tt < time || (tt === time && this.sSeq[tail] < seq)) {
      sNext[tail] = slot;
      sNext[slot] = NIL;
      this.bTail[idx] = slot;
      return;
    }
    // Earlier than the tail: walk from the head (events of the current year come first).
    const sSeq = this.sSeq;
    let prev = NIL;
    let p = this.bHead[idx];
    let walked = 1;
    for (;;) {
      const pt = sTime[p];
      if (pt > time || (pt === time && sSeq[p] > seq)) break;
      prev = p;
      p = sNext[p];
      walked++;
    }
    this.cost += walked;
    sNext[slot] = p;
    if (prev === NIL) this.bHead[idx] = slot;
    else sNext[prev] = slot;
  }

  private release(slot: number): void {
    if (this.index !== null) this.index.remove(this.sSeq[slot], slot);
    this.sSeq[slot] = -1;
    this.sObj[slot] = undefined;
    this.freeSlots[this.freeTop++] = slot;
  }

  /** Earliest head over all buckets (the direct search of Brown §2). */
  private earliestHead(): number {
    let best = Number.POSITIVE_INFINITY;
    for (let b = 0; b <= this.mask; b++) {
      const h = this.bHead[b];
      if (h !== NIL && this.sTime[h] < best) best = this.sTime[h];
    }
    return best;
  }

  /** Every `window` pops: re-estimate W if operations got expensive; back off if that did not help. */
  private checkCost(): void {
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
  private rebuild(buckets: number): void {
    const n = this.count;
    const order = new Int32Array(n);
    let k = 0;
    for (let b = 0; b <= this.mask; b++) for (let s = this.bHead[b]; s !== NIL; s = this.sNext[s]) order[k++] = s;
    const sTime = this.sTime;
    const sSeq = this.sSeq;
    order.sort((a, b) => sTime[a] - sTime[b] || sSeq[a] - sSeq[b]);
    this.width = calendarWidth(sTime, order);
    this.invWidth = 1 / this.width;
    const nb = Math.max(MIN_BUCKETS, buckets);
    this.bHead = new Int32Array(nb).fill(NIL);
    this.bTail = new Int32Array(nb).fill(NIL);
    this.mask = nb - 1;
    if (n > 0) this.moveTo(sTime[order[0]]);
    // Sorted order makes every link an append.
    for (let i = 0; i < n; i++) this.link(order[i], sTime[order[i]], sSeq[order[i]]);
    this.cost = 0;
    this.opsLeft = this.window;
  }

  private growSlots(): void {
    const c = this.sTime.length * 2;
    this.sTime = grow(this.sTime, new Float64Array(c));
    this.sSeq = grow(this.sSeq, new Float64Array(c).fill(-1));
    this.sKind = grow(this.sKind, new Int32Array(c));
    this.sNum = grow(this.sNum, new Float64Array(c));
    this.sNext = grow(this.sNext, new Int32Array(c));
    this.freeSlots = grow(this.freeSlots, new Int32Array(c));
    const o = new Array(c).fill(undefined);
    for (let i = 0; i < this.sObj.length; i++) o[i] = this.sObj[i];
    this.sObj = o;
    if (this.index !== null) {
      this.index = new SeqIndex(c);
      this.index.rebuild(this.sSeq, this.slotCount);
    }
  }
}

function grow<A extends Float64Array | Int32Array>(old: A, bigger: A): A {
  bigger.set(old);
  return bigger;
}
