/** 2^32 / φ: Fibonacci hashing's multiplier, which spreads keys that differ only in high bits (sectors are multiples of 8). */
const GOLDEN = 0x9e3779b1;

/**
 * The blkparse reader's dispatches still waiting for their completion, by sector: for each sector a FIFO of the
 * window slots that hold its waiting dispatches, oldest first (a zone append waits under a negative key of its own,
 * `zoneAppendKey`). A completion (C) or requeue (R) answers the oldest waiting dispatch of its sector; finding it by
 * scanning the window cost up to 4,096 compares per completion line, and a trace that loses completions keeps the
 * window full. Here it is one lookup in a hash table.
 *
 * The table (open addressing, linear probing, deletion by shifting back) and the lists threaded through the slots
 * (`next`, and each list's `tail` kept at its first slot) are typed arrays: adding and taking allocate nothing.
 * A slot is in at most one list, and the reader takes it out before it reuses the slot. Only a list's first
 * (oldest) slot is ever taken: a C or R takes the oldest of its sector, and a slot leaves the window only from the
 * window's head, which is the oldest of every list it is in.
 */
export class WaitingDispatches {
  private readonly shift: number;
  private readonly mask: number;
  /** Bucket → its sector, and the sector's oldest waiting slot (-1: empty bucket). */
  private readonly keys: Float64Array;
  private readonly firstSlot: Int32Array;
  /** Slot → the next (younger) waiting slot of the same sector, or -1. */
  private readonly next: Int32Array;
  /** At a list's first slot: the list's last (youngest) slot. */
  private readonly tail: Int32Array;

  constructor(slots: number) {
    // Buckets: a power of two, at least twice the most sectors that can wait (one per slot), so probes stay short.
    let bits = 1;
    while (1 << bits < 2 * slots) bits++;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.keys = new Float64Array(1 << bits);
    this.firstSlot = new Int32Array(1 << bits).fill(-1);
    this.next = new Int32Array(slots);
    this.tail = new Int32Array(slots);
  }

  /** Slot `slot` now holds a dispatch of `sector` waiting for its completion: the youngest of its sector. */
  add(sector: number, slot: number): void {
    this.next[slot] = -1;
    const b = this.bucket(sector);
    const head = this.firstSlot[b];
    if (head < 0) {
      this.keys[b] = sector;
      this.firstSlot[b] = slot;
      this.tail[slot] = slot;
    } else {
      this.next[this.tail[head]] = slot;
      this.tail[head] = slot;
    }
  }

  /** The slot of the oldest dispatch of `sector` still waiting, taken out (it waits no more); -1 if none. */
  takeOldest(sector: number): number {
    const b = this.bucket(sector);
    const head = this.firstSlot[b];
    if (head < 0) return -1;
    const after = this.next[head];
    if (after < 0) this.remove(b);
    else {
      this.firstSlot[b] = after;
      this.tail[after] = this.tail[head];
    }
    return head;
  }

  /** The bucket that holds `sector`, or the empty one where it would go. */
  private bucket(sector: number): number {
    let b = this.home(sector);
    while (this.firstSlot[b] >= 0 && this.keys[b] !== sector) b = (b + 1) & this.mask;
    return b;
  }

  /** The bucket where `sector`'s probe starts: both 32-bit halves of the sector (exact up to 2^53), hashed. */
  private home(sector: number): number {
    return Math.imul((sector >>> 0) ^ ((sector / 4294967296) >>> 0), GOLDEN) >>> this.shift;
  }

  /** Empties bucket `b`, moving back the entries after it that probed past it (no tombstones to slow later lookups). */
  private remove(b: number): void {
    const mask = this.mask;
    let hole = b;
    let j = b;
    for (;;) {
      j = (j + 1) & mask;
      if (this.firstSlot[j] < 0) break;
      const home = this.home(this.keys[j]);
      // The entry at j may move to the hole if its home is not cyclically in (hole, j].
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.keys[hole] = this.keys[j];
        this.firstSlot[hole] = this.firstSlot[j];
        hole = j;
      }
    }
    this.firstSlot[hole] = -1;
  }
}
