/**
 * Items 0..size−1 in order of a use stamp, lowest first, equal stamps by index — so `first` is the
 * least recently used item, the lowest-index one among equals: exactly what a scan for the
 * smallest stamp (keeping the first found) returns, without scanning. A doubly linked list over
 * the indices; an item stamped with a new highest stamp goes to the end in O(1).
 */
export class RecencyList {
  /** Least recently used item, −1 when there are none. */
  first = -1;
  private last = -1;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;

  constructor(readonly size: number) {
    this.prev = new Int32Array(Math.max(1, size));
    this.next = new Int32Array(Math.max(1, size));
  }

  /** Orders all items afresh by `stamp` (then index). */
  rebuild(stamp: Float64Array): void {
    const items = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => stamp[a] - stamp[b] || a - b);
    this.first = -1;
    this.last = -1;
    for (const i of items) this.append(i);
  }

  /** Item `i`'s stamp changed (to any value): moves it to its place, searching from the end. */
  restamped(i: number, stamp: Float64Array): void {
    this.unlink(i);
    const v = stamp[i];
    let at = this.last;
    while (at !== -1 && (stamp[at] > v || (stamp[at] === v && at > i))) at = this.prev[at];
    // Insert after `at` (or at the front).
    const after = at === -1 ? this.first : this.next[at];
    this.prev[i] = at;
    this.next[i] = after;
    if (at === -1) this.first = i;
    else this.next[at] = i;
    if (after === -1) this.last = i;
    else this.prev[after] = i;
  }

  private append(i: number): void {
    this.prev[i] = this.last;
    this.next[i] = -1;
    if (this.last === -1) this.first = i;
    else this.next[this.last] = i;
    this.last = i;
  }

  private unlink(i: number): void {
    const p = this.prev[i];
    const n = this.next[i];
    if (p === -1) this.first = n;
    else this.next[p] = n;
    if (n === -1) this.last = p;
    else this.prev[n] = p;
  }
}
