import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";

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
    const held = c.writeThrough(4, 44);
    // Page 5's rewrite (a completed write) is on no disk until the write lands: its page is held till then.
    expect(held).toEqual([5]);
    c.destaged(1, 2);
    c.destaged(5, 1);
    expect([c.dirty, c.clean]).toEqual([1, 2]);
    c.throughLanded(held as number[]);
    expect(c.dirty).toBe(1); // page 0 alone: its sectors 0–3 are newer than the disk
    expect(c.clean).toBe(3);
    expect(c.takeDestageRun(1)).toBe(true);
    expect(c.runStart).toBe(0);
    expect(c.takeDestageRun(1)).toBe(false);
  });

  it("a dirty page a write around the cache covers is held, not evicted, until that write lands", () => {
    const c = new CacheDirectory(2, 8);
    c.write(0, 8); // page 0 dirty: a completed write, on no disk yet
    const held = c.writeThrough(0, 8); // a newer write around the cache, on its way to the disks
    expect(held).toEqual([0]);
    expect([c.dirty, c.clean]).toEqual([0, 0]); // neither dirty (no destage) nor clean (not evictable)
    expect(c.takeDestageRun(1)).toBe(false);
    expect(thrownCode(() => c.save())).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    // Two fills of two pages: they take the free slot, never page 0's (a read of it evicted would reach the disks,
    // which hold data older than the completed write).
    c.insertClean(8, 8);
    c.insertClean(16, 8);
    expect([c.readHit(0, 8), c.readHit(8, 8), c.readHit(16, 8)]).toEqual([true, false, true]);
    c.throughLanded(held as number[]);
    expect([c.dirty, c.clean]).toEqual([0, 2]);
    // Page 0 is evictable now, the most recently used (as a page whose destage landed): two fills evict page 2, then it.
    c.insertClean(24, 8);
    c.insertClean(32, 8);
    expect([c.readHit(0, 8), c.readHit(16, 8), c.readHit(24, 8), c.readHit(32, 8)]).toEqual([false, false, true, true]);
  });

  it("a held page rewritten before its write-through lands stays dirty; two write-throughs hold a page until both land", () => {
    const c = new CacheDirectory(4, 8);
    c.write(0, 16); // pages 0, 1 dirty
    const first = c.writeThrough(0, 16) as number[];
    const second = c.writeThrough(8, 8) as number[]; // page 1 again, while the first is on its way
    expect([first, second]).toEqual([[0, 1], [1]]);
    c.write(0, 8); // page 0 rewritten: dirty, and so it stays when the write-through lands
    c.throughLanded(first);
    expect([c.dirty, c.clean]).toEqual([1, 0]); // page 1 still held by the second
    c.throughLanded(second);
    expect([c.dirty, c.clean]).toEqual([1, 1]);
    expect(c.takeDestageRun(1)).toBe(true);
    expect(c.runStart).toBe(0);
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
});
