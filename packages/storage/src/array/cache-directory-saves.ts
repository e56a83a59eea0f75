import { int32ToBase64 } from "../devices/typed-b64.js";
import { StorageErrors } from "../errors.js";
import { type CacheDirectoryState, checkCacheDirectoryState, DESTAGING, HELD, REDIRTY } from "./cache-directory-state.js";
import { CacheSlots } from "./cache-slots.js";
import { PageFifo } from "./page-fifo.js";
import { PageTable } from "./page-table.js";

/** The array cache directory's `save()` and `restore()`: its slots, LRU order, valid masks and destage order as a state. */
export abstract class SavedCacheSlots extends CacheSlots {
  /**
   * Saves the directory (pages, states, LRU order, valid masks, destage order). No page may be out for destage or
   * held for a write-through still on its way to the disks.
   */
  save(): CacheDirectoryState {
    const used = this.capacityPages - this.freeTop;
    let destaging = 0;
    for (let i = 0; i < used; i++) if (this.state[i] === DESTAGING || this.state[i] === REDIRTY || this.state[i] === HELD) destaging++;
    if (destaging > 0) throw StorageErrors.notQuiescent("array cache", destaging);
    const ring = this.ring.toArray();
    return {
      version: 1,
      capacityPages: this.capacityPages,
      pageSectors: this.pageSectors,
      used,
      lpn: int32ToBase64(asInt32(this.lpn.subarray(0, used))),
      state: int32ToBase64(Int32Array.from(this.state.subarray(0, used))),
      prev: int32ToBase64(this.prev.subarray(0, used)),
      next: int32ToBase64(this.next.subarray(0, used)),
      valid: int32ToBase64(this.valid.subarray(0, used)),
      lruHead: this.lruHead,
      lruTail: this.lruTail,
      dirtyOrder: int32ToBase64(asInt32(ring)),
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
    this.resizeSlots(Math.max(n, Math.min(this.capacityPages, this.firstSlots())), 0);
    this.lpn.set(c.lpn);
    for (let i = 0; i < n; i++) this.state[i] = c.state[i];
    this.prev.set(c.prev);
    this.next.set(c.next);
    this.valid.set(c.valid);
    this.lruHead = c.lruHead;
    this.lruTail = c.lruTail;
    // Slots from `used` up were never handed out: the next free slot is `used`.
    this.freeTop = this.capacityPages - n;
    this.ring = new PageFifo(c.dirtyOrder);
    // Entries numbered from 0; a dirty page's spell is its last entry (each turn to dirty pushed one), earlier ones stale.
    this.ringPushes = c.dirtyOrder.length;
    this.dirty = c.dirty;
    this.clean = c.clean;
    this.outForDestage = 0; // saved with no page out for destage
    this.rewrittenInDestage = 0;
    this.map = new PageTable(this.capacityPages, this.lpn.length);
    for (let i = 0; i < n; i++) this.map.set(c.lpn[i], i); // every used slot holds a page (checked)
    for (let i = 0; i < c.dirtyOrder.length; i++) {
      const s = this.map.get(c.dirtyOrder[i]);
      if (s >= 0) this.dirtySpell[s] = i;
    }
  }
}

/** Page numbers (uint32) as the int32s of the saved form: the same bits. */
function asInt32(pages: Uint32Array): Int32Array {
  return new Int32Array(pages.buffer, pages.byteOffset, pages.length);
}
