/**
 * A binary min-heap of slot numbers ordered by (time, seq): the earliest time first, equal times in seq
 * order. Time and seq are copied into the heap's own typed arrays, so a sift reads no one else's memory,
 * and each slot's heap position is tracked so a slot can be removed in O(log n). Nothing is allocated
 * per push once the heap has grown to its largest size.
 *
 * The event queue keeps its far-future events here: events beyond the calendar's current year, kept out of
 * the buckets so every bucket holds one ⌊t/W⌋ interval and near events append in O(1) instead of walking
 * past far ones (the ladder queue's "top" list plays this part in Tang, Goh & Thng, ACM TOMACS 15(3),
 * 2005). A trace's reorder window (`@vmlab/storage`) keeps its out-of-order records here.
 */
export class SlotHeap {
  private hTime: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  /** Heap position of each slot (valid only while the slot is in the heap). */
  private pos: Int32Array;
  size = 0;

  /** `slots`: slot numbers go from 0 to slots - 1 (`growSlots` makes room for more). */
  constructor(slots: number) {
    this.hTime = new Float64Array(16);
    this.hSeq = new Float64Array(16);
    this.hSlot = new Int32Array(16);
    this.pos = new Int32Array(slots);
  }

  /** Earliest time in the heap (+Infinity when empty). */
  minTime(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.hTime[0];
  }

  /** The earliest slot, left in the heap (only while the heap holds any). */
  minSlot(): number {
    return this.hSlot[0];
  }

  push(time: number, seq: number, slot: number): void {
    if (this.size === this.hTime.length) this.growHeap();
    this.siftUp(this.size++, time, seq, slot);
  }

  /**
   * Removes and returns the earliest slot; -1 when the heap is empty (it returned slot 0, never pushed, and left the
   * size at -1, so the next push was lost).
   */
  popMin(): number {
    if (this.size === 0) return -1;
    const slot = this.hSlot[0];
    this.removeAt(0);
    return slot;
  }

  /** Removes a slot that is in the heap. */
  remove(slot: number): void {
    this.removeAt(this.pos[slot]);
  }

  clear(): void {
    this.size = 0;
  }

  /** Calls fn for every slot in the heap (any order). */
  forEach(fn: (slot: number) => void): void {
    for (let i = 0; i < this.size; i++) fn(this.hSlot[i]);
  }

  /** Makes room for slot numbers below `slots`. */
  growSlots(slots: number): void {
    const p = new Int32Array(slots);
    p.set(this.pos);
    this.pos = p;
  }

  private removeAt(i: number): void {
    const last = --this.size;
    if (i === last) return;
    const time = this.hTime[last];
    const seq = this.hSeq[last];
    const slot = this.hSlot[last];
    // The moved element may belong above or below position i.
    const p = (i - 1) >> 1;
    if (i > 0 && (this.hTime[p] > time || (this.hTime[p] === time && this.hSeq[p] > seq))) this.siftUp(i, time, seq, slot);
    else this.siftDown(i, time, seq, slot);
  }

  private siftUp(i: number, time: number, seq: number, slot: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.hTime[p];
      if (pt < time || (pt === time && this.hSeq[p] < seq)) break;
      this.place(i, pt, this.hSeq[p], this.hSlot[p]);
      i = p;
    }
    this.place(i, time, seq, slot);
  }

  private siftDown(i: number, time: number, seq: number, slot: number): void {
    const n = this.size;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (this.hTime[c + 1] < this.hTime[c] || (this.hTime[c + 1] === this.hTime[c] && this.hSeq[c + 1] < this.hSeq[c]))) c++;
      const ct = this.hTime[c];
      if (ct > time || (ct === time && this.hSeq[c] > seq)) break;
      this.place(i, ct, this.hSeq[c], this.hSlot[c]);
      i = c;
    }
    this.place(i, time, seq, slot);
  }

  private place(i: number, time: number, seq: number, slot: number): void {
    this.hTime[i] = time;
    this.hSeq[i] = seq;
    this.hSlot[i] = slot;
    this.pos[slot] = i;
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
}
