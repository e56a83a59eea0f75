import { describe, expect, it } from "vitest";
import { StackIo } from "../iostack/stack-io.js";
import { CacheDirectory } from "./cache-directory.js";
import { ReadFills } from "./read-fills.js";

function io(lba: number, sectors: number): StackIo {
  const x = new StackIo();
  x.lba = lba;
  x.sectors = sectors;
  return x;
}

describe("read fills", () => {
  it("forgets a landed write-through once every miss that was out when it landed has landed, though misses are always out", () => {
    const cache = new CacheDirectory(64, 16, 1 << 20);
    const fills = new ReadFills(cache);
    let out = io(0, 16);
    fills.missIssued(out);
    for (let k = 1; k <= 100; k++) {
      // A write-through lands while a miss is out; a new miss goes out; the older one lands.
      const w = io(100_000 + 16 * k, 16);
      fills.throughTaken(w);
      fills.writeLanded(w);
      const next = io(16 * k, 16);
      fills.missIssued(next);
      fills.missLanded(out);
      out = next;
      expect(fills.tracked).toBe(0);
    }
    // Misses that raced no write-through were cached (the last 64: the cache holds 64 pages).
    expect(cache.clean).toBe(64);
  });

  it("keeps a landed write-through while a miss that was out when it landed is still out", () => {
    const cache = new CacheDirectory(64, 16, 1 << 20);
    const fills = new ReadFills(cache);
    const a = io(0, 32);
    const b = io(64, 16);
    fills.missIssued(a);
    fills.missIssued(b);
    const w = io(16, 16);
    fills.throughTaken(w);
    fills.writeLanded(w);
    fills.missLanded(b);
    expect(fills.tracked).toBe(1);
    fills.missLanded(a);
    expect(fills.tracked).toBe(0);
    // Miss `a` raced the write of page 1: only page 0 is cached from it (and page 4 from `b`).
    expect([cache.readHit(0, 16), cache.readHit(16, 16), cache.readHit(64, 16)]).toEqual([true, false, true]);
  });

  it("a miss does not cache a page destaged after it was issued and evicted before it landed; a page in the same filter bucket is cached", () => {
    // Two 16-sector pages. Misses of pages 0 and 1024 (the same bucket of the evicted pages' filter) go out.
    const cache = new CacheDirectory(2, 16, 1 << 20);
    const fills = new ReadFills(cache);
    const m0 = io(0, 16);
    const m1024 = io(1024 * 16, 16);
    fills.missIssued(m0);
    fills.missIssued(m1024);
    // Page 0 is written, destaged (landing while the misses are out) and evicted by two other pages.
    cache.write(0, 16);
    expect(cache.takeDestageRun(1)).toBe(true);
    for (let k = 0; k < 200; k++) fills.destageLanded(); // landings the ring of misses out must span
    cache.destaged(0, 1, fills.destageLanded());
    cache.insertClean(32, 16);
    cache.insertClean(48, 16);
    expect(fills.tracked).toBe(1);
    // A miss issued now (after the destage landed) read the destage's data: it may cache page 0.
    const late = io(0, 16);
    fills.missIssued(late);
    fills.missLanded(m1024);
    expect(cache.readHit(1024 * 16, 16)).toBe(true);
    fills.missLanded(m0);
    expect(cache.readHit(0, 16)).toBe(false);
    // Every miss out now was issued after that destage landed: the evicted page is forgotten.
    expect(fills.tracked).toBe(0);
    fills.missLanded(late);
    expect(cache.readHit(0, 16)).toBe(true);
  });

  it("a destage that lands while no miss is out numbers nothing: no page of it is tracked when evicted", () => {
    const cache = new CacheDirectory(1, 16, 1 << 20);
    const fills = new ReadFills(cache);
    cache.write(0, 16);
    cache.takeDestageRun(1);
    cache.destaged(0, 1, fills.destageLanded());
    const m = io(0, 16);
    fills.missIssued(m);
    cache.insertClean(16, 16); // evicts page 0
    expect(fills.tracked).toBe(0);
    fills.missLanded(m);
    expect(cache.readHit(0, 16)).toBe(true);
  });

  it("a miss issued after a write-through landed caches its sectors, though an older miss out keeps that write tracked", () => {
    const cache = new CacheDirectory(64, 16, 1 << 20);
    const fills = new ReadFills(cache);
    const older = io(1000, 16);
    fills.missIssued(older);
    const w = io(0, 16);
    fills.throughTaken(w);
    fills.writeLanded(w);
    // Issued after the write landed: the disks gave it the write's data.
    const late = io(0, 16);
    fills.missIssued(late);
    fills.missLanded(late);
    expect(fills.tracked).toBe(1);
    expect(cache.readHit(0, 16)).toBe(true);
    fills.missLanded(older);
  });

  it("growing the ring of misses out keeps the newest issue number's misses: a write they raced stays tracked", () => {
    const cache = new CacheDirectory(256, 16, 1 << 20);
    const fills = new ReadFills(cache);
    const misses: StackIo[] = [];
    // Misses issued at t0 = 0..64 (the 65th outgrows the ring of 64), a write-through landing between each.
    for (let k = 0; k <= 64; k++) {
      const m = io(16 * k, 16);
      fills.missIssued(m);
      misses.push(m);
      if (k === 64) break;
      // The write landing after the miss of t0 = 63 was issued is of that miss's page.
      const w = io(k === 63 ? 16 * 63 : 100_000 + 16 * k, 16);
      fills.throughTaken(w);
      fills.writeLanded(w);
    }
    for (let k = 0; k <= 62; k++) fills.missLanded(misses[k]);
    fills.missLanded(misses[63]);
    // The miss of t0 = 63 may have read its page before that write reached the disks: not cached.
    expect(cache.readHit(16 * 63, 16)).toBe(false);
    fills.missLanded(misses[64]);
    expect(cache.readHit(16 * 62, 16)).toBe(true);
    expect(fills.tracked).toBe(0);
  });
});
