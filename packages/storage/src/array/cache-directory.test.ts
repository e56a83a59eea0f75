import { thrownCode } from "@vmlab/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";

type Op = [kind: "read" | "fill" | "write" | "destage" | "land", page: number, pages: number];

/** Applies `op` (as the array would: a write only if it fits; a destage run lands later) and says what it saw. */
function apply(c: CacheDirectory, op: Op, inFlight: [number, number][]): string {
  const [kind, page, pages] = op;
  const lba = page * 8;
  const sectors = pages * 8;
  if (kind === "read") return String(c.readHit(lba, sectors));
  if (kind === "fill") {
    c.insertClean(lba, sectors);
    return "";
  }
  if (kind === "write") {
    if (!c.writeFits(lba, sectors)) return "full";
    c.write(lba, sectors);
    return "ok";
  }
  if (kind === "destage") {
    if (!c.takeDestageRun(4)) return "none";
    inFlight.push([c.runStart, c.runPages]);
    return `${c.runStart}+${c.runPages}`;
  }
  const run = inFlight.shift();
  if (run) c.destaged(run[0], run[1]);
  return "";
}

const ops = fc.array(
  fc.tuple(fc.constantFrom("read", "fill", "write", "destage", "land"), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 })),
  { maxLength: 150 },
) as fc.Arbitrary<Op[]>;

// Cache pages of 8 sectors (4 KiB); LBAs below are in sectors.
/** A cache operation on sectors [lba, lba+sectors): what the sector-level property tests drive. */
type SOp = [kind: "read" | "fill" | "write" | "through" | "destage" | "land", lba: number, sectors: number];

/** Up to `maxLength` operations of 1–20 sectors starting at sectors 0..`maxLba`. */
function sectorOpsUpTo(maxLba: number, maxLength: number): fc.Arbitrary<SOp[]> {
  return fc.array(
    fc.tuple(
      fc.constantFrom("read", "fill", "write", "through", "destage", "land"),
      fc.integer({ min: 0, max: maxLba }),
      fc.integer({ min: 1, max: 20 }),
    ),
    { maxLength },
  ) as fc.Arbitrary<SOp[]>;
}

describe("array cache directory", () => {
  it("a read fill that runs out of room does not evict its own pages for the rest of it", () => {
    const c = new CacheDirectory(2, 16, 1 << 20);
    c.write(160, 16); // page 10 dirty: not evictable
    c.insertClean(16, 16); // page 1 clean
    // A fill of pages 0-2: no room for page 0 (page 1 is the fill's own); page 1 stays, page 2 is not cached.
    c.insertClean(0, 48);
    expect([c.readHit(0, 16), c.readHit(16, 16), c.readHit(32, 16)]).toEqual([false, true, false]);
  });

  it("an evicted page's destage landing number does not stay with its slot: the page that reuses it is not reported when evicted", () => {
    const c = new CacheDirectory(1, 16, 1 << 20);
    const raced: number[] = [];
    c.racedEviction = (page) => raced.push(page);
    c.raceFloor = 0; // a read miss is out, issued before landing 1
    c.write(0, 16);
    expect(c.takeDestageRun(1)).toBe(true);
    c.destaged(0, 1, 1);
    c.insertClean(16, 16); // evicts page 0 (destaged after the miss was issued): reported
    c.insertClean(32, 16); // evicts page 1, read in, never destaged: not reported
    expect(raced).toEqual([0]);
  });

  it("destage takes the oldest dirty page with its dirty neighbours, within an aligned window", () => {
    const c = new CacheDirectory(64, 8);
    c.write(8 * 10, 8 * 3); // pages 10, 11, 12
    c.write(8 * 3, 8); // page 3
    c.write(8 * 9, 8); // page 9 (joins 10–12)
    expect(c.dirty).toBe(5);
    expect(c.takeDestageRun(16)).toBe(true);
    // Oldest is page 10; run extends back to 9 and forward to 12 inside window [0, 16).
    expect([c.runStart, c.runPages]).toEqual([9, 4]);
    expect(c.takeDestageRun(16)).toBe(true);
    expect([c.runStart, c.runPages]).toEqual([3, 1]);
    expect(c.takeDestageRun(16)).toBe(false);
    expect(c.dirty).toBe(0);
  });

  it("a page rewritten while being destaged stays dirty and is destaged again", () => {
    const c = new CacheDirectory(16, 8);
    c.write(0, 8);
    expect(c.takeDestageRun(4)).toBe(true);
    c.write(0, 8); // rewrite during destage
    c.destaged(0, 1);
    expect(c.dirty).toBe(1);
    expect(c.takeDestageRun(4)).toBe(true);
    c.destaged(0, 1);
    expect(c.dirty).toBe(0);
    expect(c.clean).toBe(1);
    expect(c.readHit(0, 8)).toBe(true);
  });

  it("a write around the cache supersedes the dirty pages it covers whole, even one being destaged", () => {
    const c = new CacheDirectory(16, 8);
    c.write(0, 24); // pages 0, 1, 2 dirty
    c.write(40, 8); // page 5 dirty, then out for destage and rewritten meanwhile
    c.takeDestageRun(1); // page 0
    expect(c.takeDestageRun(1)).toBe(true); // page 1
    c.takeDestageRun(1); // page 2
    expect(c.takeDestageRun(1)).toBe(true); // page 5
    c.write(40, 8);
    c.destaged(0, 1);
    c.write(0, 8); // page 0 dirty again
    // Sectors 4..47: pages 1–4 and page 5 whole, page 0 only in part.
    c.writeThrough(4, 44);
    c.destaged(1, 2);
    c.destaged(5, 1);
    expect(c.dirty).toBe(1); // page 0 alone: its sectors 0–3 are newer than the disk
    expect(c.clean).toBe(3);
    expect(c.takeDestageRun(1)).toBe(true);
    expect(c.runStart).toBe(0);
    expect(c.takeDestageRun(1)).toBe(false);
  });

  it("evicts only clean pages, least recently used first; dirty pages block writes when the cache is full", () => {
    const c = new CacheDirectory(4, 8);
    c.insertClean(0, 8 * 4); // pages 0–3 clean
    expect(c.readHit(0, 8)).toBe(true); // page 0 becomes most recent
    c.insertClean(8 * 10, 8); // evicts page 1 (LRU)
    expect(c.readHit(8, 8)).toBe(false);
    expect(c.readHit(0, 8)).toBe(true);
    expect(c.writeFits(8 * 20, 8 * 4)).toBe(true); // all 4 slots are clean: evictable
    c.write(8 * 20, 8 * 4);
    expect(c.dirty).toBe(4);
    expect(c.clean).toBe(0);
    expect(c.writeFits(8 * 30, 8)).toBe(false);
    expect(c.writeFits(8 * 20, 8)).toBe(true); // overwriting a dirty page needs no room
    expect(c.readHit(8 * 20, 8 * 4)).toBe(true);
  });

  it("a write does not count its own clean pages as room: writeFits never promises what write cannot do", () => {
    const c = new CacheDirectory(2, 8);
    c.insertClean(8, 8); // page 1 clean
    c.write(40, 8); // page 5 dirty: no free slot left, one clean page (page 1)
    // Pages 0 and 1: page 0 needs a slot, and the only evictable page is page 1 — which this write dirties.
    expect(c.writeFits(0, 16)).toBe(false);
    expect(c.writeFits(16, 8)).toBe(true); // page 2 alone may evict page 1
    c.write(16, 8);
    expect(c.dirty).toBe(2);
  });

  it("a read is a hit only if every page is present", () => {
    const c = new CacheDirectory(8, 8);
    c.insertClean(0, 16);
    expect(c.readHit(0, 16)).toBe(true);
    expect(c.readHit(4, 16)).toBe(false); // straddles into page 2
  });

  it("a read is a hit only if every sector it asks for is valid: a 512 B write does not make its page a hit", () => {
    const c = new CacheDirectory(8, 8);
    c.write(3, 1); // sector 3 of page 0, not cached before
    expect(c.readHit(0, 8)).toBe(false);
    expect(c.readHit(3, 1)).toBe(true);
    expect(c.readHit(2, 2)).toBe(false);
    // The miss's data fills the page; the written sector stays the cache's (the page stays dirty).
    c.insertClean(0, 8);
    expect(c.readHit(0, 8)).toBe(true);
    expect([c.dirty, c.clean]).toEqual([1, 0]);
    // Across pages: the end pages need only the sectors asked for.
    c.write(13, 6); // sectors 13–18: page 1 in part, page 2 in part
    expect(c.readHit(13, 6)).toBe(true);
    expect(c.readHit(12, 6)).toBe(false);
    expect(c.readHit(13, 7)).toBe(false);
  });

  it("a destage run of pages held in part asks for its missing sectors first (first to last), then is whole", () => {
    const c = new CacheDirectory(16, 8);
    c.write(0, 4); // page 0: sectors 0–3
    c.write(12, 2); // page 1: sectors 12–13
    c.write(16, 8); // page 2 whole
    expect(c.takeDestageRun(4)).toBe(true);
    expect([c.runStart, c.runPages]).toEqual([0, 3]);
    // Missing: 4–7, 8–11 and 14–15; one read from the first to the last.
    expect([c.runFillLba, c.runFillSectors]).toEqual([4, 12]);
    expect(c.readHit(0, 24)).toBe(false);
    c.filled(0, 3);
    expect(c.readHit(0, 24)).toBe(true);
    c.destaged(0, 3);
    expect([c.dirty, c.clean]).toEqual([0, 3]);
    // A whole run needs no fill.
    c.write(32, 16);
    expect(c.takeDestageRun(4)).toBe(true);
    expect(c.runFillSectors).toBe(0);
  });

  it("pages of 32 sectors use the mask's every bit; larger pages are refused", () => {
    const c = new CacheDirectory(4, 32);
    c.write(0, 32);
    expect(c.readHit(0, 32)).toBe(true);
    c.write(64, 31); // page 2 but its last sector
    expect(c.readHit(64, 31)).toBe(true);
    expect(c.readHit(64, 32)).toBe(false);
    expect(c.readHit(95, 1)).toBe(false);
    expect(c.takeDestageRun(1)).toBe(true); // page 0: whole
    expect(c.runFillSectors).toBe(0);
    expect(c.takeDestageRun(1)).toBe(true); // page 2: sector 95 missing
    expect([c.runFillLba, c.runFillSectors]).toEqual([95, 1]);
    expect(thrownCode(() => new CacheDirectory(4, 33))).toBe("VMLAB_STORAGE_BAD_CONFIG");
  });

  it("a write through the cache makes the sectors it covers valid in the cached pages it covers in part", () => {
    const c = new CacheDirectory(8, 8);
    c.write(0, 1); // page 0: sector 0 dirty
    c.insertClean(23, 1); // page 2: sector 23 clean
    c.writeThrough(4, 16); // sectors 4–19: page 0 in part, page 1 (uncached) whole, page 2 in part
    expect(c.readHit(4, 4)).toBe(true);
    expect(c.readHit(16, 4)).toBe(true);
    expect(c.readHit(8, 8)).toBe(false); // not brought in
    expect(c.readHit(0, 8)).toBe(false); // sectors 1–3 still not held
    expect(c.dirty).toBe(1);
  });

  it("room for an IO's missing pages is never made by evicting the IO's own clean pages (and the sectors they hold)", () => {
    const c = new CacheDirectory(2, 8);
    c.insertClean(8, 8); // page 1 whole
    c.insertClean(40, 8); // page 5
    expect(c.readHit(40, 8)).toBe(true); // page 1 is now the least recently used
    // Sectors 4–11: page 0 (not cached) and part of page 1. Page 5 makes the room, not page 1.
    expect(c.writeFits(4, 8)).toBe(true);
    c.write(4, 8);
    expect(c.readHit(8, 8)).toBe(true); // page 1 still holds its sectors 12–15
    expect(c.readHit(40, 8)).toBe(false);
    expect([c.dirty, c.clean]).toEqual([2, 0]);
    // A read miss's fill likewise: page 3 (least recently used) stays and is refreshed, page 7 makes room.
    const d = new CacheDirectory(2, 8);
    d.insertClean(24, 8); // page 3 whole
    d.insertClean(56, 8); // page 7
    expect(d.readHit(56, 8)).toBe(true);
    d.insertClean(20, 8); // sectors 20–27: page 2 (new) and part of page 3
    expect(d.readHit(20, 12)).toBe(true);
    expect(d.readHit(56, 8)).toBe(false);
    d.insertClean(80, 8); // page 10 evicts page 2, inserted before page 3 was read again
    expect(d.readHit(24, 8)).toBe(true);
    expect(d.readHit(20, 4)).toBe(false);
  });

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
            c.writeThrough(lba, n);
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
            c.writeThrough(lba, n);
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

  it("restores a state saved before valid masks as whole pages, and refuses masks outside the page or empty", () => {
    const a = new CacheDirectory(16, 8);
    a.write(0, 2);
    a.insertClean(80, 3);
    const state = a.save();
    const { valid: _masks, ...old } = state;
    const b = new CacheDirectory(16, 8);
    b.restore(old);
    expect(b.readHit(0, 8)).toBe(true);
    expect(b.readHit(80, 8)).toBe(true);
    const blank = new CacheDirectory(16, 8).save();
    const c = new CacheDirectory(16, 8);
    const withMask = (slot: number, mask: number) => {
      const m = Buffer.from(state.valid as string, "base64");
      m.writeInt32LE(mask, 4 * slot);
      return { ...state, valid: m.toString("base64") };
    };
    expect(thrownCode(() => c.restore(withMask(0, 0)))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(thrownCode(() => c.restore(withMask(1, 0x1ff)))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(thrownCode(() => c.restore({ ...state, valid: "AAAA" }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(c.save()).toEqual(blank);
    c.restore(withMask(1, 0xff));
    expect(c.readHit(80, 8)).toBe(true);
    c.restore(state);
    expect(c.readHit(0, 2)).toBe(true);
    expect(c.readHit(0, 3)).toBe(false);
    expect(c.readHit(80, 3)).toBe(true);
    expect(c.readHit(80, 4)).toBe(false);
  });

  it("property: a restored copy behaves exactly as the original from the save point on", () => {
    fc.assert(
      fc.property(ops, ops, (before, after) => {
        const a = new CacheDirectory(24, 8);
        const landing: [number, number][] = [];
        for (const op of before) apply(a, op, landing);
        // The array saves only when idle: let every destage write land first.
        while (landing.length > 0) apply(a, ["land", 0, 0], landing);
        const state = a.save();
        const b = new CacheDirectory(24, 8);
        b.restore(JSON.parse(JSON.stringify(state)));
        expect(b.save()).toEqual(state);
        const la: [number, number][] = [];
        const lb: [number, number][] = [];
        for (const op of after) expect(apply(b, op, lb)).toBe(apply(a, op, la));
        expect([b.dirty, b.clean]).toEqual([a.dirty, a.clean]);
        while (la.length > 0) apply(a, ["land", 0, 0], la);
        while (lb.length > 0) apply(b, ["land", 0, 0], lb);
        expect(b.save()).toEqual(a.save());
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

  it("refuses a state from another cache or with slots that disagree, and is left as it was", () => {
    const a = new CacheDirectory(16, 8);
    a.write(0, 24);
    a.insertClean(80, 16);
    const state = a.save();
    const b = new CacheDirectory(16, 8);
    b.insertClean(200, 8);
    const blank = b.save();
    const refused = (s: unknown) => thrownCode(() => b.restore(s));
    expect(refused({ ...state, capacityPages: 32 })).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(refused({ ...state, dirty: state.dirty + 1 })).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(refused({ ...state, lpn: "not base64!" })).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(refused({ ...state, lruHead: 99 })).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(refused({ ...state, version: 2 })).toBe("VMLAB_STORAGE_BAD_STATE");
    // Two slots holding one page; a page out for destage (an idle array has none); a broken LRU list.
    const lpn = Buffer.from(state.lpn, "base64");
    lpn.writeInt32LE(lpn.readInt32LE(0), 4);
    expect(refused({ ...state, lpn: lpn.toString("base64") })).toBe("VMLAB_STORAGE_BAD_STATE");
    const st = Buffer.from(state.state, "base64");
    st.writeInt32LE(3, 0);
    expect(refused({ ...state, state: st.toString("base64"), dirty: state.dirty - 1 })).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(refused({ ...state, lruHead: state.lruTail })).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(b.save()).toEqual(blank);
    expect(refused(state)).toBe("no error");
    expect(b.readHit(0, 24)).toBe(true);
    expect(b.dirty).toBe(3);
  });

  it("refuses an LRU list whose back links or tail disagree with its forward links (evictions would unlink the wrong slots)", () => {
    const a = new CacheDirectory(16, 8);
    a.write(0, 24);
    a.insertClean(80, 16); // slots 3 and 4: the LRU list 3 -> 4
    const state = a.save();
    expect([state.lruHead, state.lruTail]).toEqual([3, 4]);
    const b = new CacheDirectory(16, 8);
    const blank = b.save();
    const prev = Buffer.from(state.prev, "base64");
    prev.writeInt32LE(-1, 4 * 4);
    expect(thrownCode(() => b.restore({ ...state, prev: prev.toString("base64") }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(thrownCode(() => b.restore({ ...state, lruTail: 3 }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(b.save()).toEqual(blank);
    b.restore(state);
    expect(b.clean).toBe(2);
  });

  it("refuses an empty LRU list with a tail (the next clean page was linked after it and no clean page could be evicted again)", () => {
    const a = new CacheDirectory(4, 8);
    a.write(0, 16); // two dirty pages, no clean one: the LRU list is empty
    const state = a.save();
    expect([state.lruHead, state.lruTail, state.clean]).toEqual([-1, -1, 0]);
    const b = new CacheDirectory(4, 8);
    const blank = b.save();
    expect(thrownCode(() => b.restore({ ...state, lruTail: 1 }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(b.save()).toEqual(blank);
    // Had it been accepted: page 0 destaged, the cache filled with clean reads — reads must still evict the oldest.
    b.restore(state);
    expect(b.takeDestageRun(1)).toBe(true);
    b.destaged(b.runStart, b.runPages);
    for (let p = 2; p < 10; p++) b.insertClean(p * 8, 8);
    expect(b.readHit(9 * 8, 8)).toBe(true);
    expect(() => new CacheDirectory(4, 8).restore(b.save())).not.toThrow();
  });

  it("refuses a destage order with a negative page, and more used slots than the cache has, leaving the cache as it was", () => {
    const a = new CacheDirectory(5, 8);
    for (let k = 0; k < 5; k++) a.write(k * 8, 8);
    const state = a.save();
    const b = new CacheDirectory(4, 8);
    b.write(80, 8);
    const before = b.save();
    // Every dirty page is in the order, and a page -1 besides (the page table's empty key).
    const order = Buffer.alloc(4 * 6);
    for (let k = 0; k < 5; k++) order.writeInt32LE(k, 4 * k);
    order.writeInt32LE(-1, 4 * 5);
    const five = new CacheDirectory(5, 8);
    expect(thrownCode(() => five.restore({ ...state, dirtyOrder: order.toString("base64"), dirtyOrderLength: 6 }))).toBe(
      "VMLAB_STORAGE_BAD_STATE",
    );
    // Five used slots, each valid, claimed to come from a four-page cache like b.
    expect(thrownCode(() => b.restore({ ...state, capacityPages: 4 }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(b.save()).toEqual(before);
  });

  it("refuses a state whose destage order leaves out a dirty page: that page would never be destaged", () => {
    const a = new CacheDirectory(4, 8);
    a.write(0, 8);
    a.write(80, 8);
    const state = a.save();
    const b = new CacheDirectory(4, 8);
    const blank = b.save();
    // The destage order holds page 0 only: page 10 is dirty but in no run that order can start.
    const order = Buffer.alloc(4);
    order.writeInt32LE(0, 0);
    expect(thrownCode(() => b.restore({ ...state, dirtyOrder: order.toString("base64"), dirtyOrderLength: 1 }))).toBe(
      "VMLAB_STORAGE_BAD_STATE",
    );
    expect(thrownCode(() => b.restore({ ...state, dirtyOrder: "", dirtyOrderLength: 0 }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(b.save()).toEqual(blank);
    // The saved order itself restores, and every dirty page can be destaged.
    b.restore(state);
    let destaged = 0;
    while (b.takeDestageRun(1)) destaged += b.runPages;
    expect(destaged).toBe(2);
  });

  it("restore refuses a page at or past the address space it caches (its last page is addressPages - 1)", () => {
    const saved = (page: number) => {
      const a = new CacheDirectory(4, 8);
      a.write(page * 8, 8);
      return a.save();
    };
    expect(thrownCode(() => new CacheDirectory(4, 8, 11).restore(saved(11)))).toBe("VMLAB_STORAGE_BAD_STATE");
    const b = new CacheDirectory(4, 8, 11);
    b.restore(saved(10));
    expect([b.dirty, b.readHit(80, 8)]).toEqual([1, true]);
  });
});
