/**
 * An open-addressing hash map from page number (integer in [0, 2^31)) to a
 * slot index, on typed arrays: linear probing, backward-shift deletion (no
 * tombstones), a multiplicative hash. The array cache does one lookup per
 * cache page per IO, so this replaces a `Map` whose cost grows with size.
 */
export class PageTable {
  private keys: Int32Array;
  private vals: Int32Array;
  private mask: number;
  private shift: number;
  size = 0;

  /** Sized for at most `maxEntries` at a load factor of at most 1/2. */
  constructor(maxEntries: number) {
    let cap = 16;
    let bits = 4;
    while (cap < maxEntries * 2) {
      cap *= 2;
      bits++;
    }
    this.keys = new Int32Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - bits;
  }

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  /** The value for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) return this.vals[i];
      if (k === -1) return -1;
      i = (i + 1) & this.mask;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== -1;
  }

  set(key: number, value: number): void {
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === -1) {
        keys[i] = key;
        this.vals[i] = value;
        this.size++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === -1) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: move later entries of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = keys[j];
      if (k === -1) break;
      const h = this.home(k);
      // Move k if its home is not in (hole, j] cyclically.
      const inRange = hole <= j ? h > hole && h <= j : h > hole || h <= j;
      if (!inRange) {
        keys[hole] = k;
        this.vals[hole] = this.vals[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    keys[hole] = -1;
    this.size--;
    return true;
  }
}
