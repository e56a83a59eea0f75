/**
 * The pending-event queue: a 4-ary min-heap over typed arrays, ordered by
 * (time, sequence) so events at the same virtual time fire in the order they
 * were scheduled — the root of vmlab's determinism.
 *
 * Nothing is allocated per event once the arrays have grown to the working
 * size: the heap stores (time, seq, slot) in parallel typed arrays and the
 * payload lives in a slot taken from a free list. A pop is lazy: the top is
 * only removed when the next operation needs the heap, so the common "pop one,
 * push one" pattern (the hold model) costs a single sift-down.
 *
 * Cancellation is lazy too: a cancelled sequence number is remembered and its
 * event is skipped when it reaches the top.
 */
export class EventQueue {
  /** Heap arrays, indexed by heap position. */
  private hTime: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  /** Slot arrays, indexed by slot: the event's kind and payload. */
  private sKind: Int32Array;
  private sNum: Float64Array;
  private sObj: unknown[];
  private freeSlots: Int32Array;
  private freeTop = 0;
  private slotCount = 0;
  /** Heap size, including a popped-but-not-yet-removed top when `topStale`. */
  private n = 0;
  private topStale = false;
  private nextSeq = 0;
  private cancelled = new Set<number>();

  /** Results of the last `pop()`: read them before the next queue call. */
  time = 0;
  seq = 0;
  kind = 0;
  num = 0;
  obj: unknown = undefined;

  constructor(initialCapacity = 1024) {
    const c = Math.max(16, initialCapacity);
    this.hTime = new Float64Array(c);
    this.hSeq = new Float64Array(c);
    this.hSlot = new Int32Array(c);
    this.sKind = new Int32Array(c);
    this.sNum = new Float64Array(c);
    this.sObj = new Array(c).fill(undefined);
    this.freeSlots = new Int32Array(c);
  }

  /** Number of live (not cancelled, not popped) events. */
  get size(): number {
    return this.n - (this.topStale ? 1 : 0) - this.cancelled.size;
  }

  /** The sequence number the next `push` will get. */
  get sequence(): number {
    return this.nextSeq;
  }

  /** Inserts an event; returns its sequence number (the cancel handle). */
  push(time: number, kind: number, num: number, obj: unknown): number {
    const seq = this.nextSeq++;
    this.insert(time, seq, kind, num, obj);
    return seq;
  }

  /** Inserts with an explicit sequence number (used by restore). */
  insert(time: number, seq: number, kind: number, num: number, obj: unknown): void {
    let slot: number;
    if (this.freeTop > 0) slot = this.freeSlots[--this.freeTop];
    else {
      if (this.slotCount === this.sKind.length) this.growSlots();
      slot = this.slotCount++;
    }
    this.sKind[slot] = kind;
    this.sNum[slot] = num;
    this.sObj[slot] = obj;
    if (this.topStale) {
      // Replace the removed top in place: one sift-down instead of two.
      this.topStale = false;
      this.siftDown(0, time, seq, slot);
      return;
    }
    if (this.n === this.hTime.length) this.growHeap();
    this.siftUp(this.n++, time, seq, slot);
  }

  /**
   * Removes the earliest live event and exposes it in `time/seq/kind/num/obj`.
   * Returns false when the queue is empty.
   */
  pop(): boolean {
    for (;;) {
      if (this.topStale) this.removeTop();
      if (this.n === 0) return false;
      const slot = this.hSlot[0];
      const seq = this.hSeq[0];
      this.topStale = true;
      this.freeSlots[this.freeTop++] = slot;
      if (this.cancelled.size > 0 && this.cancelled.delete(seq)) {
        this.sObj[slot] = undefined;
        continue;
      }
      this.time = this.hTime[0];
      this.seq = seq;
      this.kind = this.sKind[slot];
      this.num = this.sNum[slot];
      this.obj = this.sObj[slot];
      this.sObj[slot] = undefined;
      return true;
    }
  }

  /** Time of the earliest live event, or +Infinity when empty. */
  peekTime(): number {
    for (;;) {
      if (this.topStale) this.removeTop();
      if (this.n === 0) return Number.POSITIVE_INFINITY;
      const seq = this.hSeq[0];
      if (this.cancelled.size > 0 && this.cancelled.has(seq)) {
        this.cancelled.delete(seq);
        this.freeSlots[this.freeTop++] = this.hSlot[0];
        this.sObj[this.hSlot[0]] = undefined;
        this.topStale = true;
        continue;
      }
      return this.hTime[0];
    }
  }

  /**
   * Cancels a pending event by its sequence number. Returns false if the
   * event is not pending (already fired, cancelled, or never scheduled).
   */
  cancel(seq: number): boolean {
    if (seq < 0 || seq >= this.nextSeq || this.cancelled.has(seq)) return false;
    const live = this.n - (this.topStale ? 1 : 0);
    const start = this.topStale ? 1 : 0;
    for (let i = start; i < start + live; i++) {
      if (this.hSeq[i] === seq) {
        this.cancelled.add(seq);
        return true;
      }
    }
    return false;
  }

  /** Live events in firing order (a copy; for snapshots and inspection). */
  entries(): { time: number; seq: number; kind: number; num: number; obj: unknown }[] {
    const out: { time: number; seq: number; kind: number; num: number; obj: unknown }[] = [];
    const start = this.topStale ? 1 : 0;
    for (let i = start; i < this.n; i++) {
      const seq = this.hSeq[i];
      if (this.cancelled.has(seq)) continue;
      const slot = this.hSlot[i];
      out.push({ time: this.hTime[i], seq, kind: this.sKind[slot], num: this.sNum[slot], obj: this.sObj[slot] });
    }
    out.sort((a, b) => a.time - b.time || a.seq - b.seq);
    return out;
  }

  /** Empties the queue and sets the next sequence number (for restore). */
  reset(nextSeq = 0): void {
    this.n = 0;
    this.topStale = false;
    this.freeTop = 0;
    this.slotCount = 0;
    this.sObj.fill(undefined);
    this.cancelled.clear();
    this.nextSeq = nextSeq;
  }

  private removeTop(): void {
    this.topStale = false;
    const last = --this.n;
    if (last > 0) this.siftDown(0, this.hTime[last], this.hSeq[last], this.hSlot[last]);
  }

  private siftUp(i: number, time: number, seq: number, slot: number): void {
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = hTime[p];
      if (pt < time || (pt === time && hSeq[p] < seq)) break;
      hTime[i] = pt;
      hSeq[i] = hSeq[p];
      hSlot[i] = hSlot[p];
      i = p;
    }
    hTime[i] = time;
    hSeq[i] = seq;
    hSlot[i] = slot;
  }

  private siftDown(i: number, time: number, seq: number, slot: number): void {
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    const n = this.n;
    for (;;) {
      const c0 = (i << 2) + 1;
      if (c0 >= n) break;
      // Find the smallest of up to four children.
      let m = c0;
      let mt = hTime[c0];
      const cEnd = Math.min(c0 + 4, n);
      for (let c = c0 + 1; c < cEnd; c++) {
        const ct = hTime[c];
        if (ct < mt || (ct === mt && hSeq[c] < hSeq[m])) {
          m = c;
          mt = ct;
        }
      }
      if (mt > time || (mt === time && hSeq[m] > seq)) break;
      hTime[i] = mt;
      hSeq[i] = hSeq[m];
      hSlot[i] = hSlot[m];
      i = m;
    }
    hTime[i] = time;
    hSeq[i] = seq;
    hSlot[i] = slot;
  }

  private growHeap(): void {
    const c = this.hTime.length * 2;
    const t = new Float64Array(c);
    t.set(this.hTime);
    this.hTime = t;
    const s = new Float64Array(c);
    s.set(this.hSeq);
    this.hSeq = s;
    const sl = new Int32Array(c);
    sl.set(this.hSlot);
    this.hSlot = sl;
  }

  private growSlots(): void {
    const c = this.sKind.length * 2;
    const k = new Int32Array(c);
    k.set(this.sKind);
    this.sKind = k;
    const num = new Float64Array(c);
    num.set(this.sNum);
    this.sNum = num;
    const f = new Int32Array(c);
    f.set(this.freeSlots);
    this.freeSlots = f;
    const o = new Array(c).fill(undefined);
    for (let i = 0; i < this.sObj.length; i++) o[i] = this.sObj[i];
    this.sObj = o;
  }
}
