/** Empty entry. */
const NIL = -1;
/** Table entries per slot: with sequential keys, a collision needs an event to outlive 4× capacity later pushes. */
const ENTRIES_PER_SLOT = 4;

/**
 * Sequence number → slot, so `cancel(seq)` is O(1) expected without changing
 * the handle a caller holds (the sequence number, which survives a snapshot).
 *
 * A direct-mapped table indexed by `seq mod P`: sequence numbers are handed
 * out consecutively, so live events rarely share an entry. The rare event
 * that finds its entry taken (one that outlives P later pushes, e.g. a long
 * timer) goes to an overflow Map. Entries are removed when their event fires
 * or is cancelled, so every entry names a pending event.
 */
export class SeqIndex {
  private table: Int32Array;
  private mask: number;
  private overflow = new Map<number, number>();

  constructor(slots: number) {
    const p = pow2AtLeast(slots * ENTRIES_PER_SLOT);
    this.table = new Int32Array(p).fill(NIL);
    this.mask = p - 1;
  }

  set(seq: number, slot: number): void {
    const i = seq & this.mask;
    if (this.table[i] === NIL) this.table[i] = slot;
    else this.overflow.set(seq, slot);
  }

  /**
   * The slot entered for `seq`'s table entry, or -1. The entry may belong to
   * another pending event that shares it; the caller checks the slot's own
   * sequence number and then asks `overflowGet`.
   */
  get(seq: number): number {
    return this.table[seq & this.mask];
  }

  /** The slot of an event that did not fit in the table, or -1. */
  overflowGet(seq: number): number {
    if (this.overflow.size === 0) return NIL;
    return this.overflow.get(seq) ?? NIL;
  }

  remove(seq: number, slot: number): void {
    const i = seq & this.mask;
    if (this.table[i] === slot) this.table[i] = NIL;
    else this.overflow.delete(seq);
  }
}

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
