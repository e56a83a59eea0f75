/**
 * A resource's future as booked intervals (an SSD channel): a transfer is booked in the first gap at or
 * after the time it can start that is long enough for it, so a page whose data is ready early crosses
 * an idle channel instead of queueing behind a later page booked before it (first come, first served
 * would leave the channel idle in between). Intervals are kept sorted and disjoint; adjacent ones merge,
 * and those over before `now` are dropped (when a booking falls between others, or the list is full), so the
 * list holds what is still ahead — a few per IO in flight — and a few over.
 */
export class BusyTimeline {
  private starts = new Float64Array(8);
  private ends = new Float64Array(8);
  private count = 0;

  /**
   * Books `duration` ns at the earliest gap from `earliest` (>= `now`) on; returns when it ends. Forgets intervals
   * over by `now` (nothing at or after `now` can fall in them).
   */
  book(now: number, earliest: number, duration: number): number {
    // The common case, a resource idle from `earliest` on (after every booking): appended without shifting the
    // lists, which forgetting the past did on every booking (an HDD books one per media command). Intervals over by
    // `now` are forgotten only when the lists are full.
    const n = this.count;
    if (n === 0 || this.ends[n - 1] <= earliest) {
      if (n === this.starts.length) this.forgetBefore(now);
      this.insert(this.count, earliest, earliest + duration);
      return earliest + duration;
    }
    this.forgetBefore(now);
    const s = this.starts;
    const e = this.ends;
    let at = earliest;
    let i = 0;
    // Skip intervals over by `at`, then try each gap in turn.
    while (i < this.count && e[i] <= at) i++;
    while (i < this.count && s[i] < at + duration) {
      if (e[i] > at) at = e[i];
      i++;
    }
    // [at, at + duration) fits before interval i (or after the last).
    this.insert(i, at, at + duration);
    return at + duration;
  }

  /** When the last booking ends (0 if none): what a saved state keeps, taken when nothing is in flight. */
  get lastEnd(): number {
    return this.count > 0 ? this.ends[this.count - 1] : 0;
  }

  /** Forgets every booking and marks the resource busy until `t` (a restored state). */
  reset(t: number): void {
    this.count = 0;
    if (t > 0) this.insert(0, 0, t);
  }

  private forgetBefore(now: number): void {
    let k = 0;
    while (k < this.count && this.ends[k] <= now) k++;
    if (k === 0) return;
    this.starts.copyWithin(0, k, this.count);
    this.ends.copyWithin(0, k, this.count);
    this.count -= k;
  }

  private insert(i: number, start: number, end: number): void {
    const s = this.starts;
    const e = this.ends;
    const joinsPrev = i > 0 && e[i - 1] === start;
    const joinsNext = i < this.count && s[i] === end;
    if (joinsPrev && joinsNext) {
      e[i - 1] = e[i];
      s.copyWithin(i, i + 1, this.count);
      e.copyWithin(i, i + 1, this.count);
      this.count--;
    } else if (joinsPrev) e[i - 1] = end;
    else if (joinsNext) s[i] = start;
    else {
      if (this.count === s.length) this.grow();
      const s2 = this.starts;
      const e2 = this.ends;
      if (i < this.count) {
        s2.copyWithin(i + 1, i, this.count);
        e2.copyWithin(i + 1, i, this.count);
      }
      s2[i] = start;
      e2[i] = end;
      this.count++;
    }
  }

  private grow(): void {
    const s = new Float64Array(this.starts.length * 2);
    const e = new Float64Array(this.ends.length * 2);
    s.set(this.starts);
    e.set(this.ends);
    this.starts = s;
    this.ends = e;
  }
}
