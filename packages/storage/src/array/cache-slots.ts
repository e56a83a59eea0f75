import { StorageErrors } from "../errors.js";
import { PageFifo } from "./page-fifo.js";
import { PAGE_TABLE_KEYS, PageTable } from "./page-table.js";

/** Most sectors a cache page may have: a page's valid-sector mask is one 32-bit word (16 KiB pages). */
export const MAX_CACHE_PAGE_SECTORS = 32;

/**
 * Most pages a directory may have: its page table holds twice as many (key, value) pairs as pages,
 * and a typed array holds under 2^32 elements (a 10 TB cache ended in a bare RangeError).
 */
export const MAX_CACHE_PAGES = 2 ** 30;

/** Bits [from, to) of a 32-bit word, as an int32 (0 <= from < to <= 32). */
export function bitRange(from: number, to: number): number {
  return (to === 32 ? -1 : (1 << to) - 1) & ~((1 << from) - 1);
}

/**
 * What the array cache directory (`CacheDirectory`) holds, and how its memory grows: per slot the page it holds,
 * the page's state, its LRU links, valid mask and last destage landing, in typed arrays; the page table from page
 * to slot; the LRU list's ends; the dirty pages in arrival order; the counts. Slots are handed out from 0 up and
 * never given back, so the arrays grow as pages come: an array built with a large cache and a small test file
 * holds memory for its pages, not its capacity.
 */
export abstract class CacheSlots {
  /**
   * Slots allocated up front; the slot arrays and the page table grow as pages come. A test sets it (on
   * `CacheDirectory`, read here through the instance's class) to 1 to compare growing with a directory allocated
   * whole. @internal
   */
  static firstSlots = 4096;
  readonly capacityPages: number;
  protected map: PageTable;
  /** Page number held by each slot (< 2^32 − 1, the page table's key range: Uint32 halves the footprint). */
  protected lpn: Uint32Array;
  protected state: Uint8Array;
  protected prev: Int32Array;
  protected next: Int32Array;
  /** Valid sectors of each slot's page (bit i = the page's sector i); `full` when the page is whole. */
  protected valid: Int32Array;
  /** The mask of a whole page. */
  protected readonly full: number;
  /**
   * Per slot, the number `destaged` was given for its page's last destage landing (0: none that a miss
   * out then may have raced). Evicting a page whose number exceeds `raceFloor` calls `racedEviction`.
   */
  protected landedAs: Float64Array;
  /** LRU of clean pages: head = least recently used. */
  protected lruHead = -1;
  protected lruTail = -1;
  /** Slots never handed out: slot `capacityPages − freeTop` is the next. */
  protected freeTop: number;
  /**
   * Dirty pages in the order they became dirty. An entry is stale once its page leaves that dirty spell (destaged
   * as a neighbour of another run, cleaned by a write through): `dirtySpell` tells it from the page's current one.
   */
  protected ring = new PageFifo();
  /** Entries ever pushed on `ring`, mod 2^32: the number the next one gets (the head's is this minus `ring.length`). */
  protected ringPushes = 0;
  /**
   * Per slot, the number of the `ring` entry pushed when its page last became dirty: only that entry starts a
   * destage run from it. Compared mod 2^32, as the ring never holds 2^32 entries.
   */
  protected dirtySpell: Uint32Array;
  /** Pages dirty and not out for destage. */
  dirty = 0;
  clean = 0;
  /** Pages out for destage (their fill read or write not landed), rewritten meanwhile or not. */
  outForDestage = 0;
  /** Pages rewritten while out for destage: dirty again when it lands. */
  rewrittenInDestage = 0;

  constructor(
    capacityPages: number,
    readonly pageSectors: number,
    /** Pages of the address space it caches (a restored page must lie below it); default the page table's key range. */
    readonly addressPages = PAGE_TABLE_KEYS,
  ) {
    if (!(Number.isInteger(capacityPages) && capacityPages >= 1))
      throw StorageErrors.badConfig("array cache", "needs at least one cache page");
    if (!(Number.isInteger(pageSectors) && pageSectors >= 1 && pageSectors <= MAX_CACHE_PAGE_SECTORS))
      throw StorageErrors.badConfig(
        "array cache",
        `cache pages must be 1 to ${MAX_CACHE_PAGE_SECTORS} sectors (one 32-bit valid mask each), got ${pageSectors}`,
      );
    // Page numbers are the page table's uint32 keys: a page past them would wrap onto another page.
    if (!(Number.isInteger(addressPages) && addressPages >= 1 && addressPages <= PAGE_TABLE_KEYS))
      throw StorageErrors.badConfig("array cache", `caches ${addressPages} pages, the directory numbers 1 to ${PAGE_TABLE_KEYS}`);
    this.capacityPages = capacityPages;
    this.full = bitRange(0, pageSectors);
    const first = Math.min(capacityPages, this.firstSlots());
    this.map = new PageTable(capacityPages, first);
    this.lpn = new Uint32Array(first);
    this.state = new Uint8Array(first);
    this.prev = new Int32Array(first).fill(-1);
    this.next = new Int32Array(first).fill(-1);
    this.valid = new Int32Array(first);
    this.landedAs = new Float64Array(first);
    this.dirtySpell = new Uint32Array(first);
    this.freeTop = capacityPages;
  }

  /** `firstSlots` of the instance's class: `CacheDirectory.firstSlots` when a test set it there. */
  protected firstSlots(): number {
    return (this.constructor as typeof CacheSlots).firstSlots;
  }

  /**
   * Pages whose data the disks lack: dirty or out for destage (not evictable). What the destage watermarks count
   * to start destage: a page out for destage takes as much room as a dirty one until its write lands.
   */
  get notOnDisk(): number {
    return this.dirty + this.outForDestage;
  }

  /**
   * Pages still dirty once the destage runs out now land: the dirty ones and those rewritten while out. What the
   * low watermark counts to stop destage: the runs out will clean the rest without more destage.
   */
  get dirtyAfterDestage(): number {
    return this.dirty + this.rewrittenInDestage;
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
  protected resizeSlots(slots: number, keep: number): void {
    const lpn = new Uint32Array(slots);
    const state = new Uint8Array(slots);
    const prev = new Int32Array(slots).fill(-1);
    const next = new Int32Array(slots).fill(-1);
    const valid = new Int32Array(slots);
    const landedAs = new Float64Array(slots);
    const dirtySpell = new Uint32Array(slots);
    lpn.set(this.lpn.subarray(0, keep));
    state.set(this.state.subarray(0, keep));
    prev.set(this.prev.subarray(0, keep));
    next.set(this.next.subarray(0, keep));
    valid.set(this.valid.subarray(0, keep));
    landedAs.set(this.landedAs.subarray(0, keep));
    dirtySpell.set(this.dirtySpell.subarray(0, keep));
    this.lpn = lpn;
    this.state = state;
    this.prev = prev;
    this.next = next;
    this.valid = valid;
    this.landedAs = landedAs;
    this.dirtySpell = dirtySpell;
  }
}
