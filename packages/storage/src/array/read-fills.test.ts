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
});
