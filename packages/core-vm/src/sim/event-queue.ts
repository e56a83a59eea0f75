import { Calendar, COST_WINDOW } from "./calendar.js";
import { MIN_BUCKETS } from "./calendar-width.js";
import { F64_STRIDE, HAS_OBJ, I32_STRIDE, IN_FAR, KIND, NEXT, NIL, NUM, SEQ, TIME } from "./event-slot.js";
import { SeqIndex } from "./seq-index.js";

/** A pending event as plain data (for snapshots and inspection). */
export interface PendingEvent {
  time: number;
  seq: number;
  kind: number;
  num: number;
  obj: unknown;
}

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
export class EventQueue extends Calendar {
  /** Results of the last `pop()`: read them before the next queue call. */
  time = 0;
  seq = 0;
  kind = 0;
  num = 0;
  obj: unknown = undefined;
  private nextSeq = 0;

  constructor(initialCapacity = 1024) {
    super(initialCapacity);
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
}
