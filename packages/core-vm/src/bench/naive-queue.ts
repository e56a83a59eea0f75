/**
 * The naive baseline for the event queue: a sorted array with binary-search
 * insertion (splice) — what one writes first. Same (time, seq) ordering.
 */
export class SortedArrayQueue {
  private items: { time: number; seq: number; kind: number }[] = [];
  private nextSeq = 0;
  get size(): number {
    return this.items.length;
  }
  push(time: number, kind: number): void {
    const seq = this.nextSeq++;
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.items[mid];
      if (m.time < time || (m.time === time && m.seq < seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, { time, seq, kind });
  }
  /** Removes the earliest event and returns its time (NaN when empty); `shift` is O(n), as in the naive original. */
  pop(): number {
    const e = this.items.shift();
    return e === undefined ? Number.NaN : e.time;
  }
}
