import { SavedCacheSlots } from "./cache-directory-saves.js";
import { CLEAN } from "./cache-directory-state.js";
import { PageTable } from "./page-table.js";

/**
 * The array cache directory's shortcuts for a fill (`insertClean`) longer than the whole cache: such a fill leaves
 * only its last `capacityPages` pages, in an order that follows from the slots', so the pages it would evict again
 * before returning need not be placed. Each leaves the pages, slots, masks and LRU order that page by page does.
 */
export abstract class CacheLongFill extends SavedCacheSlots {
  /** Off, `insertClean` takes every page of a long fill one by one: the reference its tests compare with. @internal */
  static skipWholeCycles = true;

  /** Appends slot `s` to the LRU list (most recently used). */
  protected abstract append(s: number): void;

  /** Valid bits [lba, end) sets in page `p`. */
  protected abstract bitsIn(p: number, lba: number, end: number): number;

  /**
   * Pages of [p0, p1] that `insertClean` may leave unprocessed, as whole cycles of the cache, right
   * after its first `capacityPages` pages. When every cached page is clean and outside the range, each
   * page of the range takes a slot (a free one, else the LRU page's), so the slots cycle in one fixed
   * order: pages `capacityPages` apart take the same slot, and every page but the last `capacityPages`
   * is evicted before the call returns (no race callback: a page inserted here has no destage landing).
   * Skipping whole cycles leaves the same pages, slots, masks and LRU order — a 2 TB test file
   * prewarmed page by page took minutes per run.
   */
  protected wholeCyclesToSkip(p0: number, p1: number): number {
    const c = this.capacityPages;
    const pages = p1 - p0 + 1;
    // The instance's class: `CacheDirectory.skipWholeCycles`, where a test sets it.
    if (pages < 3 * c || !(this.constructor as typeof CacheLongFill).skipWholeCycles) return 0;
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
  protected fillEmpty(p0: number, p1: number, lba: number, end: number): void {
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
}
