/** Deletions held back to go together. */
const DOOMED_BATCH = 32;
/** Buckets (a power of two) of the doomed keys' quick filter. */
const DOOMED_FILTER = 1024;
/** An empty pair's key: the one uint32 that is no page number. */
const EMPTY = 0xffff_ffff;
/** The most keys a table can hold apart: page numbers 0 to 2^32 − 2. */
export const PAGE_TABLE_KEYS = EMPTY;

/**
 * An open-addressing hash map from page number (integer in [0, 2^32 − 1)) to a
 * slot index, on one typed array of uint32 (key, value) pairs: linear probing,
 * backward-shift deletion (no tombstones), a multiplicative hash. The array
 * cache does a lookup per cache page per IO over a table of megabytes, so
 * the cost is cache misses: a key and its value share a cache line, and the
 * four pages of an aligned group (an 8–16 KiB IO touches two of them) hash to
 * one 32-byte block, so one IO costs one miss instead of one per page.
 *
 * The cache evicts a page inserted long ago, whose entry is seldom still in the CPU
 * cache: `deletePresent` only notes the key, and the entries go in batches,
 * their lines fetched together first so the misses overlap instead of
 * queueing one after another. Until then a noted key reads as absent.
 */
export class PageTable {
  /** [key, value] pairs; key `EMPTY` = empty. Uint32: a LUN of 64 disks has more than 2^31 pages of 8 KiB. */
  private pairs: Uint32Array;
  private mask: number;
  private shift: number;
  /** The most slots it grows to: enough for `maxEntries`. */
  private readonly maxSlots: number;
  size = 0;
  /** Keys deleted but still in `pairs` (distinct, each present there). */
  private readonly doomed: Uint32Array;
  private doomedCount = 0;
  /** How many doomed keys share each low-bits bucket: most lookups see 0 and skip the scan. */
  private readonly doomedByLow = new Uint8Array(DOOMED_FILTER);
  /** Where the batch's warm-up loads go, so the compiler keeps them. */
  private warmed = 0;

  /**
   * For at most `maxEntries` at a load factor of at most 1/2, live and doomed entries together, so an empty slot
   * always ends a probe. It starts sized for `firstEntries` and doubles as entries come: a cache directory of
   * 8 M pages filled 128 MB up front for every array built, most of them holding a few thousand pages.
   */
  constructor(maxEntries: number, firstEntries = maxEntries) {
    this.maxSlots = PageTable.slotsFor(maxEntries);
    const cap = PageTable.slotsFor(Math.min(firstEntries, maxEntries));
    this.pairs = new Uint32Array(2 * cap).fill(EMPTY);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.doomed = new Uint32Array(Math.min(DOOMED_BATCH, this.maxSlots >> 2));
  }

  /** Slots (a power of two, at least 16) holding `entries` at a load factor of at most 1/2. */
  private static slotsFor(entries: number): number {
    let cap = 16;
    while (cap < entries * 2) cap *= 2;
    return cap;
  }

  /** Slots of the table as it is now (`pairs` holds two int32s per slot). @internal */
  get slots(): number {
    return this.mask + 1;
  }

  /** Doubles the table (doomed entries leave first), rehashing every entry. */
  private grow(): void {
    this.removeDoomed();
    const old = this.pairs;
    const cap = 2 * (this.mask + 1);
    const t = new Uint32Array(2 * cap).fill(EMPTY);
    this.pairs = t;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    for (let j = 0; j < old.length; j += 2) {
      const key = old[j];
      if (key === EMPTY) continue;
      let i = this.home(key);
      while (t[2 * i] !== EMPTY) i = (i + 1) & this.mask;
      t[2 * i] = key;
      t[2 * i + 1] = old[j + 1];
    }
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
      if (k === key) return this.doomedCount !== 0 && this.isDoomed(key) ? -1 : t[2 * i + 1];
      if (k === EMPTY) return -1;
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
        if (this.doomedCount !== 0 && this.isDoomed(key)) {
          this.spare(key);
          this.size++;
        }
        return;
      }
      if (k === EMPTY) {
        if (2 * (this.size + this.doomedCount + 1) > mask + 1 && mask + 1 < this.maxSlots) {
          this.grow();
          this.set(key, value);
          return;
        }
        t[2 * i] = key;
        t[2 * i + 1] = value;
        this.size++;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  delete(key: number): boolean {
    if (this.doomedCount !== 0 && this.isDoomed(key)) return false;
    if (!this.remove(key)) return false;
    this.size--;
    return true;
  }

  /** Deletes `key`, which must be present; its entry leaves with the next batch. */
  deletePresent(key: number): void {
    this.doomed[this.doomedCount++] = key;
    this.doomedByLow[key & (DOOMED_FILTER - 1)]++;
    this.size--;
    if (this.doomedCount === this.doomed.length) this.removeDoomed();
  }

  private isDoomed(key: number): boolean {
    if (this.doomedByLow[key & (DOOMED_FILTER - 1)] === 0) return false;
    for (let j = 0; j < this.doomedCount; j++) if (this.doomed[j] === key) return true;
    return false;
  }

  /** `key` was set again before its entry left: it stays. */
  private spare(key: number): void {
    let j = 0;
    while (this.doomed[j] !== key) j++;
    this.doomed[j] = this.doomed[--this.doomedCount];
    this.doomedByLow[key & (DOOMED_FILTER - 1)]--;
  }

  private removeDoomed(): void {
    const t = this.pairs;
    const n = this.doomedCount;
    // Touch every home first: independent loads, so the memory fetches overlap.
    let w = 0;
    for (let j = 0; j < n; j++) w ^= t[2 * this.home(this.doomed[j])];
    this.warmed ^= w;
    for (let j = 0; j < n; j++) {
      const key = this.doomed[j];
      this.remove(key);
      this.doomedByLow[key & (DOOMED_FILTER - 1)]--;
    }
    this.doomedCount = 0;
  }

  /** Takes `key`'s entry out of `pairs` (if there), keeping every probe run unbroken. */
  private remove(key: number): boolean {
    const t = this.pairs;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = t[2 * i];
      if (k === EMPTY) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: move later entries of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = t[2 * j];
      if (k === EMPTY) break;
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
    t[2 * hole] = EMPTY;
    return true;
  }
}
