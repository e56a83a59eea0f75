import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";

describe("CacheDirectory.couldHold", () => {
  it("a write can be held if it spans no more pages than the whole cache, counting a partial page at either end", () => {
    const dir = new CacheDirectory(4, 8); // 4 pages of 8 sectors
    expect(dir.couldHold(0, 32)).toBe(true); // pages 0..3: exactly the cache
    expect(dir.couldHold(4, 24)).toBe(true); // sectors 4..27: pages 0..3
    expect(dir.couldHold(0, 33)).toBe(false); // one sector into a 5th page
    expect(dir.couldHold(4, 32)).toBe(false); // 32 sectors, but across pages 0..4
  });
});

describe("CacheDirectory.destagingIn", () => {
  it("counts a page rewritten while its destage is out: the destage has not landed, so a write around the cache must wait for it", () => {
    const dir = new CacheDirectory(4, 8);
    dir.write(0, 8);
    expect(dir.destagingIn(0, 8)).toBe(false);
    expect(dir.takeDestageRun(4)).toBe(true);
    expect(dir.destagingIn(0, 8)).toBe(true);
    dir.write(0, 8); // dirty again while its destage is out
    expect(dir.destagingIn(0, 8)).toBe(true);
    expect(dir.destagingIn(8, 8)).toBe(false);
    dir.destaged(0, 1);
    // Landed: dirty (for its next destage), not out.
    expect(dir.destagingIn(0, 8)).toBe(false);
    expect(dir.dirty).toBe(1);
  });
});

describe("CacheDirectory LRU order", () => {
  it("a read miss of a cached page's other sectors makes that page the most recently used, as a hit does", () => {
    const dir = new CacheDirectory(2, 16); // 2 pages of 16 sectors
    dir.insertClean(0, 8); // page 0, first half
    dir.insertClean(16, 16); // page 1
    // A read of page 0's second half missed (it is not held); its data comes in: page 0 was just used.
    dir.insertClean(8, 8);
    dir.insertClean(32, 16); // page 2 needs room: page 1 is the least recently used
    expect([dir.readHit(0, 16), dir.readHit(16, 16), dir.readHit(32, 16)]).toEqual([true, false, true]);
  });

  it("so does a miss of a page already whole (another miss of it landed first)", () => {
    const dir = new CacheDirectory(2, 16);
    dir.insertClean(0, 16); // page 0: the first of two misses of it lands
    dir.insertClean(16, 16); // page 1
    dir.insertClean(0, 16); // the second miss of page 0 lands
    dir.insertClean(32, 16);
    expect([dir.readHit(0, 16), dir.readHit(16, 16)]).toEqual([true, false]);
  });
});
