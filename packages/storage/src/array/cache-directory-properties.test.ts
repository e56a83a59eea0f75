import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";
import { apply, ops, sectorOpsUpTo, writeThroughLanded } from "./cache-directory.test-support.js";

describe("array cache directory: properties against a sector-by-sector reference", () => {
  it("property: hits, fills and destage runs follow the sectors written and read in, sector by sector", () => {
    const sectorOps = sectorOpsUpTo(40 * 8, 120);
    fc.assert(
      fc.property(sectorOps, (list) => {
        // 64 pages and at most 43 touched: nothing is evicted, so the reference is exact.
        const c = new CacheDirectory(64, 8);
        const held = new Map<number, number>(); // page -> valid bits
        const has = (lba: number, n: number) => {
          for (let x = lba; x < lba + n; x++) if ((((held.get(x >> 3) ?? 0) >> (x & 7)) & 1) === 0) return false;
          return true;
        };
        const put = (lba: number, n: number) => {
          for (let x = lba; x < lba + n; x++) held.set(x >> 3, (held.get(x >> 3) ?? 0) | (1 << (x & 7)));
        };
        const runs: { start: number; pages: number; fill: boolean }[] = [];
        for (const [kind, lba, n] of list) {
          if (kind === "read") expect(c.readHit(lba, n)).toBe(has(lba, n));
          else if (kind === "fill") {
            c.insertClean(lba, n);
            put(lba, n);
          } else if (kind === "write") {
            expect(c.writeFits(lba, n)).toBe(true);
            c.write(lba, n);
            put(lba, n);
          } else if (kind === "through") {
            writeThroughLanded(c, lba, n);
            // Only pages already cached gain the sectors.
            for (let x = lba; x < lba + n; x++) if (held.has(x >> 3)) put(x, 1);
          } else if (kind === "destage") {
            if (!c.takeDestageRun(4)) continue;
            const start = c.runStart * 8;
            const end = start + c.runPages * 8;
            let first = -1;
            let last = -1;
            for (let x = start; x < end; x++)
              if (!has(x, 1)) {
                if (first < 0) first = x;
                last = x;
              }
            // The fill is exactly the run's first to last missing sector.
            expect([c.runFillLba, c.runFillSectors]).toEqual(first < 0 ? [0, 0] : [first, last + 1 - first]);
            runs.push({ start: c.runStart, pages: c.runPages, fill: first >= 0 });
          } else {
            const run = runs[0];
            if (!run) continue;
            if (run.fill) {
              c.filled(run.start, run.pages);
              put(run.start * 8, run.pages * 8);
              run.fill = false;
            } else {
              // The destage write is of sectors the cache holds, every one.
              expect(has(run.start * 8, run.pages * 8)).toBe(true);
              c.destaged(run.start, run.pages);
              runs.shift();
            }
          }
        }
        for (const run of runs) {
          if (run.fill) c.filled(run.start, run.pages);
          c.destaged(run.start, run.pages);
        }
        // The masks survive a save and restore.
        const b = new CacheDirectory(64, 8);
        b.restore(JSON.parse(JSON.stringify(c.save())));
        expect(b.save()).toEqual(c.save());
        for (let x = 0; x < 44 * 8; x++) expect(b.readHit(x, 1)).toBe(c.readHit(x, 1));
      }),
      { numRuns: 300 },
    );
  });

  it("property: with evictions, a sector is a hit only if it was brought in, and written sectors stay until destaged", () => {
    const sectorOps = sectorOpsUpTo(30 * 8, 150);
    fc.assert(
      fc.property(sectorOps, (list) => {
        const c = new CacheDirectory(6, 8);
        const ever = new Map<number, number>(); // page -> sectors ever written or read in
        const dirty = new Map<number, number>(); // page -> sectors written and not yet on disk (not evictable)
        const or = (m: Map<number, number>, lba: number, n: number) => {
          for (let x = lba; x < lba + n; x++) m.set(x >> 3, (m.get(x >> 3) ?? 0) | (1 << (x & 7)));
        };
        const runs: { start: number; pages: number; fill: boolean; bits: Map<number, number> }[] = [];
        const held = (x: number) => c.readHit(x, 1);
        for (const [kind, lba, n] of list) {
          if (kind === "read") {
            if (c.readHit(lba, n)) for (let x = lba; x < lba + n; x++) expect(((ever.get(x >> 3) ?? 0) >> (x & 7)) & 1).toBe(1);
          } else if (kind === "fill") {
            c.insertClean(lba, n);
            or(ever, lba, n);
          } else if (kind === "write") {
            if (!c.writeFits(lba, n)) continue;
            c.write(lba, n);
            or(ever, lba, n);
            or(dirty, lba, n);
          } else if (kind === "through") {
            writeThroughLanded(c, lba, n);
            // Only cached pages gain the sectors; pages covered whole are no longer dirty.
            for (let x = lba; x < lba + n; x++) if (held(x)) or(ever, x, 1);
            for (let p = Math.ceil(lba / 8); p < Math.floor((lba + n) / 8); p++) dirty.delete(p);
          } else if (kind === "destage") {
            if (!c.takeDestageRun(2)) continue;
            const bits = new Map<number, number>();
            for (let p = c.runStart; p < c.runStart + c.runPages; p++) {
              bits.set(p, dirty.get(p) ?? 0);
              dirty.delete(p);
            }
            runs.push({ start: c.runStart, pages: c.runPages, fill: c.runFillSectors > 0, bits });
          } else {
            const run = runs[0];
            if (!run) continue;
            if (run.fill) {
              c.filled(run.start, run.pages);
              or(ever, run.start * 8, run.pages * 8);
              run.fill = false;
              continue;
            }
            expect(c.readHit(run.start * 8, run.pages * 8)).toBe(true); // written whole, from the cache
            c.destaged(run.start, run.pages);
            runs.shift();
          }
          // Dirty sectors (and those out for destage) are valid: the cache is their only copy.
          for (const m of [dirty, ...runs.map((r) => r.bits)])
            for (const [p, bits] of m) for (let i = 0; i < 8; i++) if ((bits >> i) & 1) expect(held(p * 8 + i)).toBe(true);
          // Every sector held was brought in; a page holding none was evicted, and what it held is gone.
          for (const [p, bits] of ever) {
            let any = false;
            for (let i = 0; i < 8; i++)
              if (held(p * 8 + i)) {
                any = true;
                expect((bits >> i) & 1).toBe(1);
              }
            if (!any) ever.delete(p);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("property: a fill of many times the cache leaves the pages, slots, masks and LRU order that filling it page by page does", () => {
    // insertClean places only the last cache-full of a long fill (prewarming a 2 TB test file): the pages
    // C apart take the same slot only while no dirty, destaging or filled page holds one, so those states are drawn too.
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        ops,
        fc.record({
          page: fc.integer({ min: 0, max: 150 }),
          headSectors: fc.integer({ min: 0, max: 7 }),
          cycles: fc.integer({ min: 3, max: 10 }),
          tailPages: fc.integer({ min: 0, max: 11 }),
          tailSectors: fc.integer({ min: 1, max: 8 }),
        }),
        (capacity, before, fill) => {
          const skipping = new CacheDirectory(capacity, 8);
          const pageByPage = new CacheDirectory(capacity, 8);
          const ls: [number, number][] = [];
          const lp: [number, number][] = [];
          for (const op of before) expect(apply(pageByPage, op, lp)).toBe(apply(skipping, op, ls));
          const lba = fill.page * 8 + fill.headSectors;
          const end = (fill.page + fill.cycles * capacity + fill.tailPages) * 8 + fill.tailSectors;
          skipping.insertClean(lba, end - lba);
          CacheDirectory.skipWholeCycles = false;
          try {
            pageByPage.insertClean(lba, end - lba);
          } finally {
            CacheDirectory.skipWholeCycles = true;
          }
          while (ls.length > 0) apply(skipping, ["land", 0, 0], ls);
          while (lp.length > 0) apply(pageByPage, ["land", 0, 0], lp);
          expect(skipping.save()).toEqual(pageByPage.save());
        },
      ),
      { numRuns: 400 },
    );
  });
});
