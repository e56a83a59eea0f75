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
describe("array cache directory", () => {
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
});
