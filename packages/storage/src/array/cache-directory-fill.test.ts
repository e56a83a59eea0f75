import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";

/** `fill` into `dir` page by page (the reference: no cycle skipped, no shortcut for an empty cache). */
function pageByPage(dir: CacheDirectory, lba: number, sectors: number): void {
  CacheDirectory.skipWholeCycles = false;
  try {
    dir.insertClean(lba, sectors);
  } finally {
    CacheDirectory.skipWholeCycles = true;
  }
}

describe("array cache directory: a fill longer than an empty cache", () => {
  it("property: leaves the pages, slots, masks and LRU order that filling it page by page does, and behaves the same after", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.record({
          page: fc.integer({ min: 0, max: 500 }),
          headSectors: fc.integer({ min: 0, max: 7 }),
          pages: fc.integer({ min: 0, max: 200 }),
          tailSectors: fc.integer({ min: 1, max: 8 }),
        }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 800 }), fc.integer({ min: 1, max: 24 })), { maxLength: 40 }),
        fc.boolean(),
        (capacity, fill, reads, growing) => {
          // Growing: the directory has allocated one slot so far, and the fill grows it to the whole cache.
          if (growing) CacheDirectory.firstSlots = 1;
          let fast: CacheDirectory;
          try {
            fast = new CacheDirectory(capacity, 8);
          } finally {
            CacheDirectory.firstSlots = 4096;
          }
          const ref = new CacheDirectory(capacity, 8);
          const lba = fill.page * 8 + fill.headSectors;
          const end = (fill.page + fill.pages) * 8 + fill.tailSectors;
          if (end <= lba) return;
          fast.insertClean(lba, end - lba);
          pageByPage(ref, lba, end - lba);
          expect(fast.save()).toEqual(ref.save());
          // Then reads and fills that hit, miss and evict: the same answers and the same end state.
          for (const [at, sectors] of reads) {
            expect(fast.readHit(at, sectors)).toBe(ref.readHit(at, sectors));
            fast.insertClean(at, sectors);
            ref.insertClean(at, sectors);
          }
          expect(fast.save()).toEqual(ref.save());
        },
      ),
      { numRuns: 400 },
    );
  });

  it("with CacheDirectory.skipWholeCycles off, a long fill into a cache in use takes every page (the reference the tests compare with)", () => {
    /** Pages a fill of 1,000 pages evicts from a 10-page cache holding one page outside the range. */
    const evictions = (skip: boolean) => {
      const c = new CacheDirectory(10, 8);
      c.insertClean(1_000_000 * 8, 8);
      let evicted = 0;
      c.raceFloor = -1; // every eviction is reported
      c.racedEviction = () => {
        evicted++;
      };
      if (skip) c.insertClean(0, 1000 * 8);
      else pageByPage(c, 0, 1000 * 8);
      return evicted;
    };
    expect(evictions(false)).toBe(1 + 1000 - 10);
    expect(evictions(true)).toBeLessThan(100);
  });

  it("fills an empty cache from a range of 1,000 times its size by placing only the pages that stay", () => {
    // Prewarming esx-disk-perf's array (a fresh, empty cache) with a test file many times the cache walked two to
    // three cache-fulls of pages per build: 8 M pages each for a 64 GiB cache, about 4 s per cell.
    const c = new CacheDirectory(1000, 8);
    let evicted = 0;
    c.raceFloor = -1; // every eviction is reported, so none may happen
    c.racedEviction = () => {
      evicted++;
    };
    c.insertClean(0, 1000 * 1000 * 8);
    expect(evicted).toBe(0);
    expect([c.clean, c.readHit(999_000 * 8, 1000 * 8), c.readHit(998_999 * 8, 8)]).toEqual([1000, true, false]);
  });
});
