import { describeIssues } from "@vmlab/core-vm";
import { z } from "zod";
import { base64ToInt32 } from "../devices/typed-b64.js";
import { StorageErrors } from "../errors.js";

const count = z.number().int().nonnegative();
const slotOrNone = z.number().int().min(-1);

/**
 * A cache directory's saved state. Slots are handed out in order (0, 1, 2, …) and an evicted page's
 * slot is reused at once, so the first `used` slots are all there is to save; per slot its page
 * number, state, LRU links and valid-sector mask (base64 of little-endian int32s; a page number is the int32 of
 * its uint32 bits, so a page from 2^31 on is written as a negative int32), plus the dirty pages' destage order.
 */
export const CacheDirectoryStateSchema = z.object({
  version: z.literal(1),
  capacityPages: z.number().int().positive(),
  pageSectors: z.number().int().positive(),
  used: count,
  lpn: z.string(),
  state: z.string(),
  prev: z.string(),
  next: z.string(),
  /** Per slot, which of the page's sectors hold data (bit i = sector i). Absent (states saved before masks): every page whole. */
  valid: z.string().optional(),
  lruHead: slotOrNone,
  lruTail: slotOrNone,
  /** Pages in the order they became dirty (entries may be stale, as in the live ring). */
  dirtyOrder: z.string(),
  dirtyOrderLength: count,
  dirty: count,
  clean: count,
});
/** A `CacheDirectory`'s saved state: its size and the slots ever used (page, state, LRU links, destage order). */
export type CacheDirectoryState = z.infer<typeof CacheDirectoryStateSchema>;

/** A slot's state (a saved directory holds only CLEAN and DIRTY ones: it is saved while no destage is out). */
export const FREE = 0;
export const CLEAN = 1;
export const DIRTY = 2;
export const DESTAGING = 3;
/** Rewritten while its old contents were being destaged: dirty again once that destage lands. */
export const REDIRTY = 4;
/** Clean, and taken off the LRU list while a read fill or a write of it makes room for its other pages (never saved). */
export const PINNED = 5;
/**
 * Clean, and off the LRU list until the write-throughs that made it clean have landed: the data a completed write put
 * in it is on the disks only then (never saved).
 */
export const HELD = 6;

/** A saved directory decoded and checked: the first `used` slots' arrays, ready to apply. */
export interface CheckedCacheDirectory {
  used: number;
  lpn: Uint32Array;
  state: Int32Array;
  prev: Int32Array;
  next: Int32Array;
  valid: Int32Array;
  /** The destage order, oldest first. */
  dirtyOrder: Uint32Array;
  lruHead: number;
  lruTail: number;
  dirty: number;
  clean: number;
}

/**
 * Decodes and validates a saved directory (it is untrusted) for a directory of `capacityPages` pages
 * of `pageSectors` sectors whose whole-page mask is `full`: lengths, links and states in range, counts
 * that match the states, an LRU list through exactly the clean pages, every dirty page in the destage
 * order, masks of the page's sectors with at least one valid, pages below `addressPages` (the pages of the
 * address space cached: a page beyond it would be destaged outside the disks). A state without masks has every page whole.
 */
export function checkCacheDirectoryState(
  state: unknown,
  capacityPages: number,
  pageSectors: number,
  full: number,
  addressPages: number,
): CheckedCacheDirectory {
  const bad = (issue: string) => StorageErrors.badState("array cache", issue);
  const p = CacheDirectoryStateSchema.safeParse(state);
  if (!p.success) throw bad(describeIssues(p.error));
  const s = p.data;
  if (s.capacityPages !== capacityPages || s.pageSectors !== pageSectors)
    throw bad(
      `saved from a cache of ${s.capacityPages} pages of ${s.pageSectors} sectors, this one has ${capacityPages} of ${pageSectors}`,
    );
  const n = s.used;
  if (n > capacityPages) throw bad(`${n} slots used, the cache has ${capacityPages}`);
  const lpnBits = base64ToInt32(s.lpn, n);
  const st = base64ToInt32(s.state, n);
  const prev = base64ToInt32(s.prev, n);
  const next = base64ToInt32(s.next, n);
  const ringBits = base64ToInt32(s.dirtyOrder, s.dirtyOrderLength);
  const valid = s.valid === undefined ? new Int32Array(n).fill(full) : base64ToInt32(s.valid, n);
  if (!lpnBits || !st || !prev || !next || !ringBits || !valid) throw bad(`slot arrays are not base64 of ${n} int32s each`);
  // Page numbers are uint32 (the page table's keys): the same bits, read unsigned.
  const lpn = new Uint32Array(lpnBits.buffer, lpnBits.byteOffset, n);
  const ring = new Uint32Array(ringBits.buffer, ringBits.byteOffset, ringBits.length);
  let dirty = 0;
  let clean = 0;
  const inRange = (x: number) => x >= -1 && x < n;
  const pages = new Set<number>();
  for (let i = 0; i < n; i++) {
    // Saved while idle: every used slot holds a clean or a dirty page, each page in one slot.
    if (!(st[i] === CLEAN || st[i] === DIRTY) || !inRange(prev[i]) || !inRange(next[i]) || pages.has(lpn[i]))
      throw bad(`slot ${i} has state ${st[i]}, page ${lpn[i]}, links ${prev[i]}/${next[i]} (or its page is in another slot too)`);
    // A cached page holds at least the sectors that brought it in, and none beyond the page.
    if (valid[i] === 0 || (valid[i] & ~full) !== 0)
      throw bad(
        `slot ${i} (page ${lpn[i]}) has valid mask 0x${(valid[i] >>> 0).toString(16)}, not 1 to ${pageSectors} sectors of its page`,
      );
    if (lpn[i] >= addressPages) throw bad(`slot ${i} holds page ${lpn[i]}, beyond the ${addressPages} pages cached`);
    pages.add(lpn[i]);
    if (st[i] === DIRTY) dirty++;
    else clean++;
  }
  if (dirty !== s.dirty || clean !== s.clean || !inRange(s.lruHead) || !inRange(s.lruTail))
    throw bad(`counts ${s.dirty} dirty / ${s.clean} clean or LRU ends disagree with the slots`);
  // The LRU list runs head → tail through exactly the clean slots, each link mirrored.
  let walked = 0;
  for (let at = s.lruHead, from = -1; at !== -1; from = at, at = next[at]) {
    if (st[at] !== CLEAN || prev[at] !== from || ++walked > clean) throw bad(`the LRU list breaks at slot ${at}`);
    if (next[at] === -1 && at !== s.lruTail) throw bad("the LRU list does not end at its tail");
  }
  if (walked !== clean) throw bad(`the LRU list holds ${walked} of the ${clean} clean pages`);
  // An empty list has no tail: a stray one was accepted, and the next page to turn clean was linked after
  // it with the head left at −1 — no clean page could be evicted again, and the directory's own save was refused.
  if (s.lruHead === -1 && s.lruTail !== -1) throw bad(`the LRU list is empty but its tail is slot ${s.lruTail}`);
  // An entry past the pages cached (int32 -1 is 2^32 - 1, the page table's empty key) names no page it could destage.
  for (let i = 0; i < ring.length; i++)
    if (ring[i] >= addressPages) throw bad(`destage order entry ${i} is page ${ring[i]}, beyond the ${addressPages} pages cached`);
  // Destage runs start only from the order: a dirty page missing from it would never be written to disk.
  const ordered = new Set(ring);
  for (let i = 0; i < n; i++)
    if (st[i] === DIRTY && !ordered.has(lpn[i])) throw bad(`dirty page ${lpn[i]} (slot ${i}) is not in the destage order`);
  return { used: n, lpn, state: st, prev, next, valid, dirtyOrder: ring, lruHead: s.lruHead, lruTail: s.lruTail, dirty, clean };
}
