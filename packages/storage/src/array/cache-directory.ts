import { int32ToBase64 } from "../devices/typed-b64.js";
import { StorageErrors } from "../errors.js";
import {
  type CacheDirectoryState,
  CLEAN,
  checkCacheDirectoryState,
  DESTAGING,
  DIRTY,
  FREE,
  PINNED,
  REDIRTY,
} from "./cache-directory-state.js";
import { PageFifo } from "./page-fifo.js";
import { PageTable } from "./page-table.js";

export { type CacheDirectoryState, CacheDirectoryStateSchema } from "./cache-directory-state.js";

/** Most sectors a cache page may have: a page's valid-sector mask is one 32-bit word (16 KiB pages). */
export const MAX_CACHE_PAGE_SECTORS = 32;

/**
 * Most pages a directory may have: its page table holds twice as many (key, value) pairs as pages,
 * and a typed array holds under 2^32 elements (a 10 TB cache ended in a bare RangeError).
 */
export const MAX_CACHE_PAGES = 2 ** 30;

/** Bits [from, to) of a 32-bit word, as an int32 (0 <= from < to <= 32). */
function bitRange(from: number, to: number): number {
  return (to === 32 ? -1 : (1 << to) - 1) & ~((1 << from) - 1);
}

/**
 * The array controller's cache directory, in cache pages: clean pages on an
 * LRU list (evictable), dirty pages in arrival order for destage (not
 * evictable until written to disk — the cache is battery-backed, so a dirty
 * page is as safe as on disk, which is what lets the array acknowledge a
 * write before it reaches the platters).
 *
 * Each page also has a valid mask: which of its sectors the cache holds. A write or a read miss's data
 * sets the bits of the sectors it carries (a miss's data never replaces sectors already valid: the
 * cache's copy is as new or newer), and a read is a hit only if every sector it asks for is valid —
 * an 8 KiB read of a page that only a 512 B write brought in goes to the disks. A page is dirty as a
 * whole; a dirty page that is not whole is made whole before its destage writes it: the run's
 * `runFill*` sectors are read from the disks first (`filled` then marks the run whole), so a run stays
 * one write of whole pages (one full RAID-5 stripe when it is one) and never writes a sector the cache
 * does not hold. An evicted page takes its mask with it; a write through the cache sets the bits it covers.
 */
export class CacheDirectory {
  /** Off, `insertClean` takes every page of a long fill one by one: the reference its tests compare with. @internal */
  static skipWholeCycles = true;
  /**
   * Slots allocated up front; the slot arrays and the page table grow as pages come (slots are handed out from 0 up),
   * so an array built with a large cache and a small test file holds memory for its pages, not its capacity. A test
   * sets it to 1 to compare growing with a directory allocated whole. @internal
   */
  static firstSlots = 4096;
  readonly capacityPages: number;
  private map: PageTable;
  /** Page number held by each slot (< 2^31, the page table's key range: Int32 halves the footprint). */
  private lpn: Int32Array;
  private state: Uint8Array;
  private prev: Int32Array;
  private next: Int32Array;
  /** Valid sectors of each slot's page (bit i = the page's sector i); `full` when the page is whole. */
  private valid: Int32Array;
  /** The mask of a whole page. */
  private readonly full: number;
  /**
   * Per slot, the number `destaged` was given for its page's last destage landing (0: none that a miss
   * out then may have raced). Evicting a page whose number exceeds `raceFloor` calls `racedEviction`.
   */
  private landedAs: Float64Array;
  /**
   * The smallest landing number a read miss out now was issued at (Infinity while none is out), kept by
   * `ReadFills`: a page whose destage landed later may have been raced by that miss at the disks.
   */
  raceFloor = Number.POSITIVE_INFINITY;
  /** Told of each page evicted whose destage may have raced a miss still out, with its landing number. */
  racedEviction: ((page: number, landing: number) => void) | null = null;
  /** LRU of clean pages: head = least recently used. */
  private lruHead = -1;
  private lruTail = -1;
  /** Slots never handed out: slot `capacityPages − freeTop` is the next. */
  private freeTop: number;
  /** Dirty pages in the order they became dirty (entries may be stale). */
  private ring = new PageFifo();
  dirty = 0;
  clean = 0;

  constructor(
    capacityPages: number,
    readonly pageSectors: number,
    /** Pages of the address space it caches (a restored page must lie below it); default the page table's key range. */
    readonly addressPages = 2 ** 31 - 1,
  ) {
    if (!(Number.isInteger(capacityPages) && capacityPages >= 1))
      throw StorageErrors.badConfig("array cache", "needs at least one cache page");
    if (!(Number.isInteger(pageSectors) && pageSectors >= 1 && pageSectors <= MAX_CACHE_PAGE_SECTORS))
      throw StorageErrors.badConfig(
        "array cache",
        `cache pages must be 1 to ${MAX_CACHE_PAGE_SECTORS} sectors (one 32-bit valid mask each), got ${pageSectors}`,
      );
    this.capacityPages = capacityPages;
    this.full = bitRange(0, pageSectors);
    const first = Math.min(capacityPages, CacheDirectory.firstSlots);
    this.map = new PageTable(capacityPages, first);
    this.lpn = new Int32Array(first);
    this.state = new Uint8Array(first);
    this.prev = new Int32Array(first).fill(-1);
    this.next = new Int32Array(first).fill(-1);
    this.valid = new Int32Array(first);
    this.landedAs = new Float64Array(first);
    this.freeTop = capacityPages;
  }

  /** Slots the arrays hold now. @internal */
  get allocatedSlots(): number {
    return this.lpn.length;
  }

  /** Slots of the page table now. @internal */
  get pageTableSlots(): number {
    return this.map.slots;
  }

  /** Makes the slot arrays hold `slots` (at most the capacity), keeping the first `keep` slots' contents. */
  private resizeSlots(slots: number, keep: number): void {
    const lpn = new Int32Array(slots);
    const state = new Uint8Array(slots);
    const prev = new Int32Array(slots).fill(-1);
    const next = new Int32Array(slots).fill(-1);
    const valid = new Int32Array(slots);
    const landedAs = new Float64Array(slots);
    lpn.set(this.lpn.subarray(0, keep));
    state.set(this.state.subarray(0, keep));
    prev.set(this.prev.subarray(0, keep));
    next.set(this.next.subarray(0, keep));
    valid.set(this.valid.subarray(0, keep));
    landedAs.set(this.landedAs.subarray(0, keep));
    this.lpn = lpn;
    this.state = state;
    this.prev = prev;
    this.next = next;
    this.valid = valid;
    this.landedAs = landedAs;
  }

  /** Valid bits [lba, end) sets in page `p`: the whole page unless it holds an end of the range. */
  private bitsIn(p: number, lba: number, end: number): number {
    const base = p * this.pageSectors;
    return bitRange(Math.max(lba - base, 0), Math.min(end - base, this.pageSectors));
  }

  /**
   * True if every sector of [lba, lba+sectors) is in the cache (its page present in any state, the
   * sector valid); refreshes clean pages' recency.
   */
  readHit(lba: number, sectors: number): boolean {
    const ps = this.pageSectors;
    const end = lba + sectors;
    const p0 = Math.floor(lba / ps);
    const p1 = Math.floor((end - 1) / ps);
    const valid = this.valid;
    const full = this.full;
    for (let p = p0; p <= p1; p++) {
      const s = this.map.get(p);
      if (s < 0) return false;
      const need = p === p0 || p === p1 ? this.bitsIn(p, lba, end) : full;
      if ((valid[s] & need) !== need) return false;
    }
    for (let p = p0; p <= p1; p++) {
      const s = this.map.get(p);
      if (this.state[s] === CLEAN) {
        this.unlink(s);
        this.append(s);
      }
    }
    return true;
  }

  /**
   * Caches the sectors a read miss brought in (as far as evictable room allows): new pages clean, and
   * pages already cached gain the sectors they lacked (the cached ones are as new or newer).
   */
  insertClean(lba: number, sectors: number): void {
    const ps = this.pageSectors;
    const end = lba + sectors;
    const p0 = Math.floor(lba / ps);
    const p1 = Math.floor((end - 1) / ps);
    if (this.freeTop === this.capacityPages && p1 - p0 >= this.capacityPages && CacheDirectory.skipWholeCycles) {
      this.fillEmpty(p0, p1, lba, end);
      return;
    }
    const skip = this.wholeCyclesToSkip(p0, p1);
    if (skip === 0) {
      if (p1 > p0) this.pinClean(p0, p1);
      this.insertCleanPages(p0, p1, lba, end);
    } else {
      // No page of the range is cached, so none to pin.
      this.insertCleanPages(p0, p0 + this.capacityPages - 1, lba, end);
      this.insertCleanPages(p0 + this.capacityPages + skip, p1, lba, end);
    }
  }

  /**
   * Pages of [p0, p1] that `insertClean` may leave unprocessed, as whole cycles of the cache, right
   * after its first `capacityPages` pages. When every cached page is clean and outside the range, each
   * page of the range takes a slot (a free one, else the LRU page's), so the slots cycle in one fixed
   * order: pages `capacityPages` apart take the same slot, and every page but the last `capacityPages`
   * is evicted before the call returns (no race callback: a page inserted here has no destage landing).
   * Skipping whole cycles leaves the same pages, slots, masks and LRU order — a 2 TB test file
   * prewarmed page by page took minutes per run.
   */
  private wholeCyclesToSkip(p0: number, p1: number): number {
    const c = this.capacityPages;
    const pages = p1 - p0 + 1;
    if (pages < 3 * c || !CacheDirectory.skipWholeCycles) return 0;
    const used = c - this.freeTop; // slots are handed out from 0 up and never given back
    if (this.clean !== used) return 0;
    for (let s = 0; s < used; s++) if (this.lpn[s] >= p0 && this.lpn[s] <= p1) return 0;
    return Math.floor((pages - 2 * c) / c) * c;
  }

  /**
   * `insertClean` of pages [p0, p1], more than the whole cache, into an empty cache: only the last `capacityPages`
   * pages stay. Page by page, page p0 + k takes slot k (free slots go from 0 up), and from then on each page
   * evicts the least recently used, the one `capacityPages` before it, taking its slot: page p ends in slot
   * (p − p0) mod capacityPages, and the pages that stay are on the LRU list in page order. Placing just those
   * leaves the same pages, slots, masks and LRU order (no page evicted had a destage landing to report) — a fresh
   * array prewarmed with a test file many times its cache took two to three cache-fulls of pages per build.
   */
  private fillEmpty(p0: number, p1: number, lba: number, end: number): void {
    const c = this.capacityPages;
    if (this.lpn.length < c) this.resizeSlots(c, 0);
    // Never used, so the table is empty: one sized for the whole cache at once, instead of doubling as pages come.
    this.map = new PageTable(c);
    for (let p = p1 - c + 1; p <= p1; p++) {
      const s = (p - p0) % c;
      this.lpn[s] = p;
      this.valid[s] = this.bitsIn(p, lba, end);
      this.state[s] = CLEAN;
      this.map.set(p, s);
      this.append(s);
    }
    this.clean = c;
    this.freeTop = 0;
  }

  /** `insertClean`'s work on pages [from, to] of [lba, end). */
  private insertCleanPages(from: number, to: number, lba: number, end: number): void {
    let room = true;
    for (let p = from; p <= to; p++) {
      const held = this.map.get(p);
      if (held >= 0) {
        this.valid[held] |= this.bitsIn(p, lba, end);
        if (this.state[held] === PINNED) {
          // Read again: most recently used.
          this.state[held] = CLEAN;
          this.clean++;
          this.append(held);
        }
        continue;
      }
      const s = room ? this.allocate() : -1;
      if (s < 0) {
        room = false; // the rest of the read is not cached, but its pinned pages go back on the LRU list
        continue;
      }
      this.lpn[s] = p;
      this.valid[s] = this.bitsIn(p, lba, end);
      this.state[s] = CLEAN;
      this.map.set(p, s);
      this.clean++;
      this.append(s);
    }
  }

  /** Whether a write of [lba, lba+sectors) fits without waiting for destage. */
  writeFits(lba: number, sectors: number): boolean {
    const p0 = Math.floor(lba / this.pageSectors);
    const p1 = Math.floor((lba + sectors - 1) / this.pageSectors);
    let need = 0;
    // The write's own clean pages turn dirty, so they are not room for its missing ones.
    let ownClean = 0;
    for (let p = p0; p <= p1; p++) {
      const s = this.map.get(p);
      if (s < 0) need++;
      else if (this.state[s] === CLEAN) ownClean++;
    }
    return need <= this.freeTop + this.clean - ownClean;
  }

  /** Whether [lba, lba+sectors) spans no more pages than the whole cache: a write that does not can never fit. */
  couldHold(lba: number, sectors: number): boolean {
    return Math.floor((lba + sectors - 1) / this.pageSectors) - Math.floor(lba / this.pageSectors) < this.capacityPages;
  }

  /** Absorbs a write: its sectors become valid and its pages dirty. Call only if `writeFits`. */
  write(lba: number, sectors: number): void {
    const ps = this.pageSectors;
    const end = lba + sectors;
    const p0 = Math.floor(lba / ps);
    const p1 = Math.floor((end - 1) / ps);
    if (p1 > p0) this.pinClean(p0, p1);
    for (let p = p0; p <= p1; p++) {
      let s = this.map.get(p);
      const bits = p === p0 || p === p1 ? this.bitsIn(p, lba, end) : this.full;
      if (s < 0) {
        s = this.allocate();
        if (s < 0) throw StorageErrors.badConfig("array cache", "write does not fit; check writeFits first");
        this.lpn[s] = p;
        this.valid[s] = bits;
        this.map.set(p, s);
        this.markDirty(s);
        continue;
      }
      this.valid[s] |= bits;
      const st = this.state[s];
      if (st === CLEAN) {
        this.unlink(s);
        this.clean--;
        this.markDirty(s);
      } else if (st === PINNED) this.markDirty(s);
      else if (st === DESTAGING) this.state[s] = REDIRTY;
    }
  }

  /**
   * Takes the clean pages among pages [p0, p1] off the LRU list (PINNED), so that room made for the
   * IO's missing pages never evicts the IO's own pages (and the sectors they hold). `writeFits`
   * already counts a write's own clean pages out of the room.
   */
  private pinClean(p0: number, p1: number): void {
    for (let p = p0; p <= p1; p++) {
      const s = this.map.get(p);
      if (s >= 0 && this.state[s] === CLEAN) {
        this.unlink(s);
        this.clean--;
        this.state[s] = PINNED;
      }
    }
  }

  /**
   * A write of [lba, lba+sectors) that went to the disks around the cache (larger than the whole cache, or
   * any write of an array without write-back) updates the cached copies it covers whole: a dirty one is then no newer than what goes to disk, so it
   * turns clean instead of being destaged later over the new data; one rewritten while destaging
   * (REDIRTY) is clean once that destage lands — the array sends the write to the disks only after every
   * destage of its pages has landed (`destagingIn`), so the older destage never lands over it. A page the
   * write covers only in part keeps its state:
   * its other sectors may still be dirty. Every cached page it covers holds the written sectors (they
   * become valid; a destage fill never reads them back from the disks, where they may not be yet).
   * Uncached pages are not brought in.
   */
  writeThrough(lba: number, sectors: number): void {
    const ps = this.pageSectors;
    const end = lba + sectors;
    for (let p = Math.floor(lba / ps); p <= Math.floor((end - 1) / ps); p++) {
      const s = this.map.get(p);
      if (s >= 0) this.valid[s] |= this.bitsIn(p, lba, end);
    }
    const p0 = Math.ceil(lba / ps);
    const p1 = Math.floor(end / ps);
    for (let p = p0; p < p1; p++) {
      const s = this.map.get(p);
      if (s < 0) continue;
      const st = this.state[s];
      if (st === DIRTY) {
        this.dirty--;
        this.state[s] = CLEAN;
        this.clean++;
        this.append(s);
      } else if (st === REDIRTY) this.state[s] = DESTAGING;
    }
  }

  /** Whether a page of [lba, lba+sectors) is out for destage (its fill read or write not yet landed). */
  destagingIn(lba: number, sectors: number): boolean {
    const ps = this.pageSectors;
    for (let p = Math.floor(lba / ps); p <= Math.floor((lba + sectors - 1) / ps); p++) {
      const s = this.map.get(p);
      if (s >= 0 && (this.state[s] === DESTAGING || this.state[s] === REDIRTY)) return true;
    }
    return false;
  }

  /** Start page and length of the run `takeDestageRun` picked. */
  runStart = 0;
  runPages = 0;
  /**
   * Sectors [runFillLba, +runFillSectors) the run lacks, from its first invalid sector to its last
   * (0 sectors when every page is whole): read them from the disks and call `filled` before the
   * destage write, which writes the run's whole pages.
   */
  runFillLba = 0;
  runFillSectors = 0;

  /**
   * Picks the oldest dirty page and the dirty pages that follow it (up to
   * `maxPages`, not crossing a multiple of `maxPages` so a full RAID stripe
   * goes as one write) and marks them destaging. False if nothing is dirty.
   * Sets `runFill*` to what the run's pages lack.
   */
  takeDestageRun(maxPages: number): boolean {
    while (this.ring.length > 0) {
      const p = this.ring.shift();
      const s = this.map.get(p);
      if (s < 0 || this.state[s] !== DIRTY) continue;
      // Extend backward and forward within the aligned window holding p.
      const w0 = Math.floor(p / maxPages) * maxPages;
      let a = p;
      while (a > w0 && this.isDirty(a - 1)) a--;
      let b = p + 1;
      while (b < w0 + maxPages && this.isDirty(b)) b++;
      const full = this.full;
      let lack0 = -1;
      let lack1 = -1;
      for (let q = a; q < b; q++) {
        const s = this.map.get(q);
        this.state[s] = DESTAGING;
        if (this.valid[s] !== full) {
          const missing = ~this.valid[s] & full;
          if (lack0 < 0) lack0 = q * this.pageSectors + 31 - Math.clz32(missing & -missing);
          lack1 = q * this.pageSectors + 32 - Math.clz32(missing);
        }
      }
      this.dirty -= b - a;
      this.runStart = a;
      this.runPages = b - a;
      const whole = lack0 < 0;
      this.runFillLba = whole ? 0 : lack0;
      this.runFillSectors = whole ? 0 : lack1 - lack0;
      return true;
    }
    return false;
  }

  /** The fill read of run [start, +pages) landed: every page of the run is whole (sectors already valid keep the cache's newer data). */
  filled(start: number, pages: number): void {
    for (let p = start; p < start + pages; p++) this.valid[this.map.get(p)] = this.full;
  }

  /**
   * A destage run reached the disks: its pages are clean (or dirty again if rewritten meanwhile). `landing`
   * numbers the landing for `ReadFills` (0 when no read miss was out to race it).
   */
  destaged(start: number, pages: number, landing = 0): void {
    for (let p = start; p < start + pages; p++) {
      const s = this.map.get(p);
      this.landedAs[s] = landing;
      if (this.state[s] === REDIRTY) this.markDirty(s);
      else {
        this.state[s] = CLEAN;
        this.clean++;
        this.append(s);
      }
    }
  }

  private isDirty(p: number): boolean {
    const s = this.map.get(p);
    return s >= 0 && this.state[s] === DIRTY;
  }

  private markDirty(s: number): void {
    this.state[s] = DIRTY;
    this.dirty++;
    this.ring.push(this.lpn[s]);
  }

  /** Saves the directory (pages, states, LRU order, valid masks, destage order). No page may be out for destage. */
  save(): CacheDirectoryState {
    const used = this.capacityPages - this.freeTop;
    let destaging = 0;
    for (let i = 0; i < used; i++) if (this.state[i] === DESTAGING || this.state[i] === REDIRTY) destaging++;
    if (destaging > 0) throw StorageErrors.notQuiescent("array cache", destaging);
    const ring = this.ring.toArray();
    return {
      version: 1,
      capacityPages: this.capacityPages,
      pageSectors: this.pageSectors,
      used,
      lpn: int32ToBase64(this.lpn.subarray(0, used)),
      state: int32ToBase64(Int32Array.from(this.state.subarray(0, used))),
      prev: int32ToBase64(this.prev.subarray(0, used)),
      next: int32ToBase64(this.next.subarray(0, used)),
      valid: int32ToBase64(this.valid.subarray(0, used)),
      lruHead: this.lruHead,
      lruTail: this.lruTail,
      dirtyOrder: int32ToBase64(ring),
      dirtyOrderLength: ring.length,
      dirty: this.dirty,
      clean: this.clean,
    };
  }

  /**
   * Restores a saved state into a directory of the same size and page; validates it first
   * (`checkCacheDirectoryState`) and changes nothing if it is invalid. A state without masks restores
   * every page whole.
   */
  restore(state: unknown): void {
    const c = checkCacheDirectoryState(state, this.capacityPages, this.pageSectors, this.full, this.addressPages);
    const n = c.used;
    this.resizeSlots(Math.max(n, Math.min(this.capacityPages, CacheDirectory.firstSlots)), 0);
    this.lpn.set(c.lpn);
    for (let i = 0; i < n; i++) this.state[i] = c.state[i];
    this.prev.set(c.prev);
    this.next.set(c.next);
    this.valid.set(c.valid);
    this.lruHead = c.lruHead;
    this.lruTail = c.lruTail;
    // Slots still free are the constructor's, in its order: the top `capacity − used` of the stack.
    this.freeTop = this.capacityPages - n;
    this.ring = new PageFifo(c.dirtyOrder);
    this.dirty = c.dirty;
    this.clean = c.clean;
    this.map = new PageTable(this.capacityPages, this.lpn.length);
    for (let i = 0; i < n; i++) this.map.set(c.lpn[i], i); // every used slot holds a page (checked)
  }

  /** A free slot, or the LRU clean page evicted; -1 if all pages are dirty. */
  private allocate(): number {
    if (this.freeTop > 0) {
      const s = this.capacityPages - this.freeTop--;
      if (s === this.lpn.length) this.resizeSlots(Math.min(this.capacityPages, 2 * s), s);
      return s;
    }
    const s = this.lruHead;
    if (s < 0) return -1;
    if (this.landedAs[s] > this.raceFloor) (this.racedEviction as (page: number, landing: number) => void)(this.lpn[s], this.landedAs[s]);
    this.landedAs[s] = 0;
    this.unlink(s);
    this.map.deletePresent(this.lpn[s]);
    this.clean--;
    this.state[s] = FREE;
    return s;
  }

  private append(s: number): void {
    this.prev[s] = this.lruTail;
    this.next[s] = -1;
    if (this.lruTail >= 0) this.next[this.lruTail] = s;
    else this.lruHead = s;
    this.lruTail = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s];
    const n = this.next[s];
    if (p >= 0) this.next[p] = n;
    else this.lruHead = n;
    if (n >= 0) this.prev[n] = p;
    else this.lruTail = p;
    this.prev[s] = -1;
    this.next[s] = -1;
  }
}
