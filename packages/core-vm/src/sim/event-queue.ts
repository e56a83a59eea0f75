import { calendarWidth, MIN_BUCKETS } from "./calendar-width.js";
import { SeqIndex } from "./seq-index.js";
import { SlotHeap } from "./slot-heap.js";

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
/** Slot record: 32 bytes, as doubles [time, seq, num, ·] and as int32 words 6, 7 [next, kind·4 | flags]. */
const F64_STRIDE = 4;
const TIME = 0;
const SEQ = 1;
const NUM = 2;
const I32_STRIDE = 8;
const NEXT = 6;
const KIND = 7;
/** Flags in the kind word. */
const HAS_OBJ = 1;
const IN_FAR = 2;

/**
 * The pending-event queue: a calendar queue (Brown, CACM 31(10), 1988) over
 * typed arrays, ordered exactly by (time, seq) so events at the same virtual
 * time fire in the order they were scheduled — the root of vmlab's determinism.
 *
 * An event at time t lives in bucket ⌊t/W⌋ mod B (W a power of two ≥ 1 ns, so
 * the arithmetic is exact on integer-ns doubles). Buckets are singly linked
 * lists sorted by (time, seq) with a tail pointer: later-or-tied events append
 * in O(1). `pop` takes the current bucket's head if it is of the current year
 * (B·W), else moves on; a year without a hit falls back to a direct search.
 * B doubles above B events and halves below B/4 (Brown §3 uses 2B and B/2;
 * twice the buckets per event lets the year cover about twice as much of the
 * delay distribution, which measured faster on every shape); W is re-estimated
 * at each resize and when the measured cost per operation drifts above
 * COST_LIMIT. Events beyond the current year wait in a heap (`SlotHeap`) and
 * move into their bucket when the year reaches them, so a bucket only ever
 * holds one W-wide interval. Events live in 32-byte slot records from a LIFO free list: no
 * allocation per event, one cache line per pop. Cancel is O(1) expected via a
 * sequence-number index. Design and measurements: docs/kernel.md.
 */
export class EventQueue {
  /** Slot records (see F64_STRIDE): two views of one buffer. */
  private f64: Float64Array;
  private i32: Int32Array;
  /** Object payloads, only for slots whose has-object bit is set. */
  private sObj: unknown[];
  private freeSlots: Int32Array;
  private freeTop = 0;
  private slotCount = 0;
  /** Events at or beyond `curStart + yearSpan`. */
  private readonly far: SlotHeap;
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
  /** B·W: the span of the buckets; later events go to the far heap. */
  private yearSpan = MIN_BUCKETS;
  /** The current bucket: its index and the virtual time at which it starts; no pending event is earlier. */
  private curIdx = 0;
  private curStart = 0;
  /** curStart + W and curStart + B·W, kept with curStart so push and pop read one field each. */
  private curEnd = 1;
  private yearEnd = MIN_BUCKETS;

  private count = 0;
  /** Pop rebuilds with half the buckets below this many events (B/4 once B > MIN_BUCKETS, else never). */
  private shrinkBelow = 0;
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
    this.f64 = new Float64Array(c * F64_STRIDE);
    this.i32 = new Int32Array(this.f64.buffer);
    this.sObj = new Array(c).fill(undefined);
    this.freeSlots = new Int32Array(c);
    this.far = new SlotHeap(c);
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

  /**
   * Inserts an event; returns its sequence number (the cancel handle).
   *
   * Kept small because model handlers that schedule inline it: the common
   * case — a non-empty queue without a cancel index and an event of the
   * current year — links straight into its bucket; the rest (an empty queue,
   * an event before the current bucket, the far heap, the index) is `place`,
   * out of line.
   */
  push(time: number, kind: number, num: number, obj: unknown): number {
    const seq = this.nextSeq++;
    const slot = this.freeTop > 0 ? this.freeSlots[--this.freeTop] : this.newSlot();
    const f64 = this.f64;
    const r = slot * F64_STRIDE;
    f64[r + TIME] = time;
    f64[r + SEQ] = seq;
    f64[r + NUM] = num;
    let kindWord = kind << 2;
    if (obj !== undefined) {
      kindWord |= HAS_OBJ;
      this.sObj[slot] = obj;
    }
    this.i32[slot * I32_STRIDE + KIND] = kindWord;
    if (time >= this.curStart && time < this.yearEnd && this.count > 0 && this.index === null) {
      this.link(slot, time, seq);
      if (++this.count > this.mask + 1) this.rebuild((this.mask + 1) * 2);
      return seq;
    }
    this.place(slot, time, seq);
    return seq;
  }

  /**
   * Inserts with an explicit sequence number (used by restore). The caller
   * keeps sequence numbers unique; `reset(nextSeq)` first when restoring.
   * Fills the record as `push` does; `push` keeps its copy inline because it
   * is the hot path and V8's inlining budget for handlers is small.
   */
  insert(time: number, seq: number, kind: number, num: number, obj: unknown): void {
    const slot = this.freeTop > 0 ? this.freeSlots[--this.freeTop] : this.newSlot();
    const r = slot * F64_STRIDE;
    const f64 = this.f64;
    f64[r + TIME] = time;
    f64[r + SEQ] = seq;
    f64[r + NUM] = num;
    let kindWord = kind << 2;
    if (obj !== undefined) {
      kindWord |= HAS_OBJ;
      this.sObj[slot] = obj;
    }
    this.i32[slot * I32_STRIDE + KIND] = kindWord;
    if (seq >= this.nextSeq) this.nextSeq = seq + 1;
    this.place(slot, time, seq);
  }

  /** A fresh slot from the end of the records (the free list is empty). */
  private newSlot(): number {
    if (this.slotCount === this.freeSlots.length) this.growSlots();
    return this.slotCount++;
  }

  /** Files a written slot (kind word without IN_FAR) into the calendar or the far heap: the general case of `push`. */
  private place(slot: number, time: number, seq: number): void {
    if (this.index !== null) this.index.set(seq, slot);
    if (this.count === 0 || time < this.curStart) this.moveTo(time);
    if (time < this.yearEnd) this.link(slot, time, seq);
    else {
      this.i32[slot * I32_STRIDE + KIND] |= IN_FAR;
      this.far.push(time, seq, slot);
    }
    if (++this.count > this.mask + 1) this.rebuild((this.mask + 1) * 2);
  }

  /**
   * Removes the earliest event and exposes it in `time/seq/kind/num/obj`.
   * Returns false (removing nothing) when the queue is empty or the earliest
   * event is later than `limit`.
   */
  pop(limit = Number.POSITIVE_INFINITY): boolean {
    const f64 = this.f64;
    let h = this.bHead[this.curIdx];
    if (h === NIL || f64[h * F64_STRIDE + TIME] >= this.curEnd) {
      if (this.count === 0) return false;
      h = this.seek(limit);
      if (h === NIL) return false;
    }
    const r = h * F64_STRIDE;
    const t = f64[r + TIME];
    if (t > limit) return false;
    const i32 = this.i32;
    const w = h * I32_STRIDE;
    const next = i32[w + NEXT];
    const idx = this.curIdx;
    this.bHead[idx] = next;
    if (next === NIL) this.bTail[idx] = NIL;
    const kindWord = i32[w + KIND];
    this.time = t;
    this.seq = f64[r + SEQ];
    this.kind = kindWord >> 2;
    this.num = f64[r + NUM];
    if ((kindWord & HAS_OBJ) === 0) this.obj = undefined;
    else {
      this.obj = this.sObj[h];
      this.sObj[h] = undefined;
    }
    if (this.index !== null) this.index.remove(this.seq, h);
    this.freeSlots[this.freeTop++] = h;
    this.count--;
    if (--this.opsLeft === 0 || this.count < this.shrinkBelow) this.afterPop();
    return true;
  }

  /** Pop's rare follow-ups, out of line: the periodic cost check, else a shrink. */
  private afterPop(): void {
    if (this.opsLeft === 0) this.checkCost();
    else this.rebuild((this.mask + 1) >> 1);
  }

  /** Time of the earliest event, or +Infinity when empty. */
  peekTime(): number {
    if (this.count === 0) return Number.POSITIVE_INFINITY;
    return this.timeOf(this.seek(Number.POSITIVE_INFINITY));
  }

  /**
   * Cancels a pending event by its sequence number. Returns false if the
   * event is not pending (already fired, cancelled, or never scheduled).
   */
  cancel(seq: number): boolean {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.nextSeq) return false;
    if (this.index === null) {
      this.index = new SeqIndex(this.freeSlots.length);
      this.forEachPending((s) => this.index?.set(this.seqOf(s), s));
    }
    let slot = this.index.get(seq);
    if (slot === NIL || this.seqOf(slot) !== seq) slot = this.index.overflowGet(seq);
    if (slot === NIL) return false;
    if ((this.i32[slot * I32_STRIDE + KIND] & IN_FAR) !== 0) this.far.remove(slot);
    else this.unlink(slot);
    this.index.remove(seq, slot);
    this.sObj[slot] = undefined;
    this.freeSlots[this.freeTop++] = slot;
    this.count--;
    return true;
  }

  /** Removes a slot from its bucket list. */
  private unlink(slot: number): void {
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

  /** Pending events in firing order (a copy; for snapshots and inspection). */
  entries(): PendingEvent[] {
    const out: PendingEvent[] = [];
    this.forEachPending((s) => {
      const w = this.i32[s * I32_STRIDE + KIND];
      const obj = (w & HAS_OBJ) === 0 ? undefined : this.sObj[s];
      out.push({ time: this.timeOf(s), seq: this.seqOf(s), kind: w >> 2, num: this.f64[s * F64_STRIDE + NUM], obj });
    });
    out.sort((a, b) => a.time - b.time || a.seq - b.seq);
    return out;
  }

  /** Empties the queue and sets the next sequence number (for restore). */
  reset(nextSeq = 0): void {
    this.freeTop = 0;
    this.slotCount = 0;
    this.count = 0;
    this.sObj.fill(undefined);
    this.far.clear();
    this.index = null;
    this.bHead = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.bTail = new Int32Array(MIN_BUCKETS).fill(NIL);
    this.mask = MIN_BUCKETS - 1;
    this.width = 1;
    this.invWidth = 1;
    this.yearSpan = MIN_BUCKETS;
    this.shrinkBelow = 0;
    this.setCurrent(0, 0);
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
  private migrate(): void {
    const far = this.far;
    const end = this.yearEnd;
    while (far.size > 0 && far.minTime() < end) {
      const slot = far.popMin();
      this.i32[slot * I32_STRIDE + KIND] &= ~IN_FAR;
      this.link(slot, this.timeOf(slot), this.seqOf(slot));
    }
  }

  /** Bucket index of time t: ⌊t/W⌋ mod B (ToInt32 wraps mod 2^32, and B divides 2^32). */
  private bucketOf(t: number): number {
    return Math.floor(t * this.invWidth) & this.mask;
  }

  /** Makes the bucket holding time t the current one. */
  private moveTo(t: number): void {
    const vb = Math.floor(t * this.invWidth);
    this.setCurrent(vb & this.mask, vb * this.width);
  }

  /** Makes bucket `idx`, starting at `start`, the current one. */
  private setCurrent(idx: number, start: number): void {
    this.curIdx = idx;
    this.curStart = start;
    this.curEnd = start + this.width;
    this.yearEnd = start + this.yearSpan;
  }

  /** Links a slot into its bucket, keeping the list sorted by (time, seq). */
  private link(slot: number, time: number, seq: number): void {
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

  private timeOf(slot: number): number {
    return this.f64[slot * F64_STRIDE + TIME];
  }

  private seqOf(slot: number): number {
    return this.f64[slot * F64_STRIDE + SEQ];
  }

  private nextOf(slot: number): number {
    return this.i32[slot * I32_STRIDE + NEXT];
  }

  private forEachPending(fn: (slot: number) => void): void {
    for (let b = 0; b <= this.mask; b++) for (let s = this.bHead[b]; s !== NIL; s = this.nextOf(s)) fn(s);
    this.far.forEach(fn);
  }

  /** Earliest head over all buckets (the direct search of Brown §2). */
  private earliestHead(): number {
    let best = Number.POSITIVE_INFINITY;
    for (let b = 0; b <= this.mask; b++) {
      const h = this.bHead[b];
      if (h !== NIL && this.timeOf(h) < best) best = this.timeOf(h);
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

  private growSlots(): void {
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
