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
