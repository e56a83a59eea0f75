import { StorageErrors } from "../errors.js";
import { SavedCacheSlots } from "./cache-directory-saves.js";
import { CLEAN, DESTAGING, DIRTY, FREE, HELD, PINNED, REDIRTY } from "./cache-directory-state.js";
import { bitRange } from "./cache-slots.js";
import { PageTable } from "./page-table.js";

export { type CacheDirectoryState, CacheDirectoryStateSchema } from "./cache-directory-state.js";
export { MAX_CACHE_PAGE_SECTORS, MAX_CACHE_PAGES } from "./cache-slots.js";

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
 * `runFill*` sectors are read from the disks first (`filled` then marks the run whole) — or, where the
 * write reads its old data anyway (a RAID-5 read-modify-write), by that read (`filled` once it lands) — so a run stays
 * one write of whole pages (one full RAID-5 stripe when it is one) and never writes a sector the cache
 * does not hold. An evicted page takes its mask with it; a write through the cache sets the bits it covers.
 *
 * Here the paths every IO takes; its storage and growth are `CacheSlots`', save and restore `SavedCacheSlots`'.
 */
export class CacheDirectory extends SavedCacheSlots {
  /** Off, `insertClean` takes every page of a long fill one by one: the reference its tests compare with. @internal */
  static skipWholeCycles = true;
  /**
   * The smallest landing number a read miss out now was issued at (Infinity while none is out), kept by
   * `ReadFills`: a page whose destage landed later may have been raced by that miss at the disks.
   */
  raceFloor = Number.POSITIVE_INFINITY;
  /** Told of each page evicted whose destage may have raced a miss still out, with its landing number. */
  racedEviction: ((page: number, landing: number) => void) | null = null;
  /** Pages HELD (or to be, once out for destage) for write-throughs not yet landed: how many hold each. */
  private readonly holds = new Map<number, number>();
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
   * pages already cached gain the sectors they lacked (the cached ones are as new or newer); its clean
   * pages become the most recently used.
   */
  insertClean(lba: number, sectors: number): void {
    const ps = this.pageSectors;
    const end = lba + sectors;
    const p0 = Math.floor(lba / ps);
    const p1 = Math.floor((end - 1) / ps);
    if (this.fillsPastCapacity(p0, p1)) this.placeLastPages(p0, p1, lba, end);
    else {
      if (p1 > p0) this.pinClean(p0, p1);
      this.insertCleanPages(p0, p1, lba, end);
    }
  }

  /**
   * Whether a fill of pages [p0, p1] may go by `placeLastPages`: it spans more pages than the cache, and every cached
   * page is clean and outside it. Then each page of the fill takes a slot, a free one or the LRU page's, so the
   * fill evicts every page cached before it and all but its own last `capacityPages` pages.
   */
  private fillsPastCapacity(p0: number, p1: number): boolean {
    const c = this.capacityPages;
    if (p1 - p0 < c || !CacheDirectory.skipWholeCycles) return false;
    const used = c - this.freeTop; // slots are handed out from 0 up and never given back
    if (this.clean !== used) return false;
    for (let s = 0; s < used; s++) if (this.lpn[s] >= p0 && this.lpn[s] <= p1) return false;
    return true;
  }

  /**
   * `insertClean` of a fill `fillsPastCapacity` allows, placing only the pages that stay. Page by page, the fill
   * takes the free slots in hand-out order, then the cached pages' slots in LRU order (evicting those pages), then
   * the same slots again in the same order, since each page then evicts the one `capacityPages` before it: page
   * p0 + k ends in the k-th slot of that cycle, on the LRU list in page order. The pages it would evict again
   * before returning had no destage landing to report — prewarming a 2 TB test file page by page took minutes.
   */
  private placeLastPages(p0: number, p1: number, lba: number, end: number): void {
    const c = this.capacityPages;
    const used = c - this.freeTop;
    const cycle = new Int32Array(c);
    let n = 0;
    for (let s = used; s < c; s++) cycle[n++] = s;
    for (let s = this.lruHead; s >= 0; s = this.next[s]) {
      cycle[n++] = s;
      if (this.landedAs[s] > this.raceFloor) (this.racedEviction as (page: number, landing: number) => void)(this.lpn[s], this.landedAs[s]);
      this.landedAs[s] = 0;
      this.map.deletePresent(this.lpn[s]);
    }
    if (this.lpn.length < c) this.resizeSlots(c, used);
    // An empty cache's table is sized for the whole cache at once, instead of doubling as the pages come.
    if (used === 0) this.map = new PageTable(c);
    this.lruHead = -1;
    this.lruTail = -1;
    const first = p1 - c + 1;
    for (let p = first; p <= p1; p++) {
      const s = cycle[(p - p0) % c];
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
        } else if (this.state[held] === CLEAN) {
          // A one-page fill pins nothing, but its page was just read too (a miss of sectors it lacked, or a
          // second miss of it): most recently used, as a hit makes it. It stayed where it was, evicted first.
          this.unlink(held);
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
      } else if (st === PINNED || st === HELD) this.markDirty(s);
      else if (st === DESTAGING) {
        this.state[s] = REDIRTY;
        this.rewrittenInDestage++;
      }
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
   * any write of an array without write-back) updates the cached copies it covers whole: a dirty one is then no
   * newer than what goes to disk, so it turns clean instead of being destaged later over the new data; one
   * rewritten while destaging (REDIRTY) is clean once that destage lands — the array sends the write to the disks
   * only after every destage of its pages has landed (`destagingIn`), so the older destage never lands over it.
   * Either is HELD, not evictable, until the write has landed (`throughLanded`): till then the disks lack what a
   * completed write put in it, and a read after its eviction read data older than that write. A page the write
   * covers only in part keeps its state: its other sectors may still be dirty. Every cached page it covers holds
   * the written sectors (they become valid; a destage fill never reads them back from the disks, where they may
   * not be yet). Uncached pages are not brought in. Returns the pages held for this write (for `throughLanded`),
   * or null if none.
   */
  writeThrough(lba: number, sectors: number): number[] | null {
    const ps = this.pageSectors;
    const end = lba + sectors;
    for (let p = Math.floor(lba / ps); p <= Math.floor((end - 1) / ps); p++) {
      const s = this.map.get(p);
      if (s >= 0) this.valid[s] |= this.bitsIn(p, lba, end);
    }
    let held: number[] | null = null;
    const p0 = Math.ceil(lba / ps);
    const p1 = Math.floor(end / ps);
    for (let p = p0; p < p1; p++) {
      const s = this.map.get(p);
      if (s < 0) continue;
      const st = this.state[s];
      if (st === DIRTY) {
        this.dirty--;
        this.state[s] = HELD;
      } else if (st === REDIRTY) {
        this.state[s] = DESTAGING;
        this.rewrittenInDestage--;
      } else if (st !== HELD) continue;
      // Held until this write lands too (a page another write-through still on its way holds: until both have).
      this.holds.set(p, (this.holds.get(p) ?? 0) + 1);
      held ??= [];
      held.push(p);
    }
    return held;
  }

  /** A write-through that held `pages` (`writeThrough`'s answer) landed: a page no other one holds is clean and evictable. */
  throughLanded(pages: number[]): void {
    for (const p of pages) {
      const n = (this.holds.get(p) as number) - 1;
      if (n > 0) {
        this.holds.set(p, n);
        continue;
      }
      this.holds.delete(p);
      const s = this.map.get(p);
      // A held page is never evicted; it may have been rewritten (dirty) or be out for destage since.
      if (s >= 0 && this.state[s] === HELD) {
        this.state[s] = CLEAN;
        this.clean++;
        this.append(s);
      }
    }
  }

  /** Restores a saved state (`SavedCacheSlots.restore`): saved with no page held for a write-through. */
  override restore(state: unknown): void {
    super.restore(state);
    this.holds.clear();
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
   * destage write, which writes the run's whole pages (or, when the write reads them itself, `filled` once it lands).
   */
  runFillLba = 0;
  runFillSectors = 0;

  /**
   * Picks the oldest dirty page and the dirty pages that follow it (up to
   * `maxPages`, not crossing a multiple of `maxPages` so a full RAID stripe
   * goes as one write) and marks them destaging. False if nothing is dirty.
   * Sets `runFill*` to what the run's pages lack. An entry from an earlier dirty spell of its page is skipped:
   * the page, dirty again since, waits behind the pages dirty before it.
   */
  takeDestageRun(maxPages: number): boolean {
    while (this.ring.length > 0) {
      const spell = (this.ringPushes - this.ring.length) >>> 0;
      const p = this.ring.shift();
      const s = this.map.get(p);
      if (s < 0 || this.state[s] !== DIRTY || this.dirtySpell[s] !== spell) continue;
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
      this.outForDestage += b - a;
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
      this.outForDestage--;
      if (this.state[s] === REDIRTY) {
        this.rewrittenInDestage--;
        this.markDirty(s);
      } else if (this.holds.size > 0 && this.holds.has(p)) {
        // Rewritten while out, then covered by a write-through not yet landed: held until it has (`writeThrough`).
        this.state[s] = HELD;
      } else {
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
    this.dirtySpell[s] = this.ringPushes;
    this.ringPushes = (this.ringPushes + 1) >>> 0;
    this.ring.push(this.lpn[s]);
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
