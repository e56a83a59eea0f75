import { describe, expect, it } from "vitest";
import { HddCache } from "./hdd-cache.js";

describe("HddCache", () => {
  it("refuses a platter revolution that is not a finite number of ns > 0, naming it", () => {
    // With none, a head that stopped reading ahead would read on at once when a hit slides the window.
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, undefined as unknown as number])
      expect(() => new HddCache(16, 2048, 1024, bad)).toThrow(
        expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: expect.stringContaining("revolutionNs") }),
      );
    expect(new HddCache(16, 2048, 1024, 4_000_000).revolutionNs).toBe(4_000_000);
  });
});
