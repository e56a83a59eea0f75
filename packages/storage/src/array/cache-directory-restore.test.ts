import { thrownCode } from "@vmlab/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";
import { apply, ops } from "./cache-directory.test-support.js";

describe("array cache directory: restore, and the states it refuses", () => {
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
