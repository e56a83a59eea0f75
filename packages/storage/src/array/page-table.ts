/**
 * An open-addressing hash map from page number (integer in [0, 2^31)) to a
 * slot index, on one typed array of (key, value) pairs: linear probing,
 * backward-shift deletion (no tombstones), a multiplicative hash. The array
 * cache does a lookup per cache page per IO over a table of megabytes, so
 * the cost is cache misses: a key and its value share a cache line, and the
 * four pages of an aligned group (an 8–16 KiB IO touches two of them) hash to
 * one 32-byte block, so one IO costs one miss instead of one per page.
 */
export class PageTable {
  /** [key, value] pairs; key -1 = empty. */
  private readonly pairs: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  size = 0;

  /** Sized for at most `maxEntries` at a load factor of at most 1/2. */
  constructor(maxEntries: number) {
    let cap = 16;
    let bits = 4;
    while (cap < maxEntries * 2) {
      cap *= 2;
      bits++;
    }
    this.pairs = new Int32Array(2 * cap).fill(-1);
    this.mask = cap - 1;
    this.shift = 32 - bits;
  }

  /** Home slot: the group's 4-slot block (hashed), then the page's place in its group. */
  private home(key: number): number {
    return ((Math.imul(key >>> 2, 0x9e3779b1) >>> this.shift) & ~3) | (key & 3);
  }

  /** The value for `key`, or -1. */
  get(key: number): number {
    const t = this.pairs;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = t[2 * i];
      if (k === key) return t[2 * i + 1];
      if (k === -1) return -1;
      i = (i + 1) & mask;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== -1;
  }

  set(key: number, value: number): void {
    const t = this.pairs;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = t[2 * i];
      if (k === key) {
        t[2 * i + 1] = value;
        return;
      }
      if (k === -1) {
        t[2 * i] = key;
        t[2 * i + 1] = value;
        this.size++;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  delete(key: number): boolean {
    const t = this.pairs;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = t[2 * i];
      if (k === -1) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: move later entries of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = t[2 * j];
      if (k === -1) break;
      const h = this.home(k);
      // Move k if its home is not in (hole, j] cyclically.
      const inRange = hole <= j ? h > hole && h <= j : h > hole || h <= j;
      if (!inRange) {
        t[2 * hole] = k;
        t[2 * hole + 1] = t[2 * j + 1];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    t[2 * hole] = -1;
    this.size--;
    return true;
  }
}
