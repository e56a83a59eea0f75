import { describe, expect, it } from "vitest";
import { HddCache } from "./hdd-cache.js";
import { HddGeometry } from "./hdd-geometry.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

describe("HddCache", () => {
  it("refuses a platter revolution that is not a finite number of ns > 0, naming it", () => {
    // With none, a head that stopped reading ahead would read on at once when a hit slides the window.
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, undefined as unknown as number])
      expect(() => new HddCache(16, 2048, 1024, bad)).toThrow(
        expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: expect.stringContaining("revolutionNs") }),
      );
    expect(new HddCache(16, 2048, 1024, 4_000_000).revolutionNs).toBe(4_000_000);
  });

  it("saved mid-stream (a stopped stream restarted, its restart still to come) and restored, it serves the same reads at the same times", () => {
    const g = new HddGeometry(CHEETAH_15K5);
    const rev = g.revolutionNs;
    const sectorNs = g.zoneSectorNs[0];
    const make = () => new HddCache(16, 2048, 1024, rev);
    const a = make();
    a.startReadAhead(0, 8, 1_000_000, sectorNs, g.zoneLba[1]);
    const stoppedAt = 1_000_000 + 1024 * sectorNs;
    const t = stoppedAt + 10 * rev + 1000; // the head stopped at 1,032 ten revolutions ago
    expect(a.lookupRead(1000, 32, t)).toBe(t); // in the buffer; the head reads on from 1,032 a revolution on
    const saved = a.save();
    expect(saved.raBaseTime).toBe(stoppedAt + 11 * rev);
    const b = make();
    b.restore(structuredClone(saved), g, CHEETAH_15K5.capacitySectors);
    expect(b.save()).toEqual(saved);
    // The same reads: from the segment past the window, in the unread part, at its end, then a head needed elsewhere.
    const reads: [number, number][] = [
      [1020, 1100],
      [2100, 64],
      [3000, 8],
      [3100, 8],
    ];
    const serve = (c: HddCache) => [...reads.map(([lba, n]) => c.lookupRead(lba, n, t + 100)), c.stopReadAhead(t + 200), c.freeAt];
    const fromA = serve(a);
    expect(serve(b)).toEqual(fromA);
    expect(b.save()).toEqual(a.save());
    expect(fromA[0]).toBe(stoppedAt + 11 * rev + (2120 - 1032) * sectorNs);
  });

  it("a stream hit's transfer starts so that no sector crosses before the head has read it, whether the interface is faster or slower than the media", () => {
    const sectorNs = 4000;
    // From 4 sectors of the media read (then 100 read ahead, 496 still to read), or from sectors still to read.
    for (const [lba, n] of [
      [4, 600],
      [200, 600],
    ])
      for (const busNs of [1700, 4000, 9000]) {
        const c = new HddCache(16, 2048, 1024, 4_000_000);
        c.startReadAhead(0, 8, 1_000_000, sectorNs, 10_000_000);
        const now = 1_000_000 + 100 * sectorNs; // the head has read up to sector 108
        const ready = c.lookupRead(lba, n, now);
        expect(ready).toBe(1_000_000 + (lba + n - 8) * sectorNs);
        const start = c.transferStart(lba, n, ready, busNs, now);
        expect(start).toBeGreaterThanOrEqual(now);
        let tight = Number.POSITIVE_INFINITY;
        for (let j = 0; j < n; j++) {
          const read = lba + j < 8 ? 0 : 1_000_000 + (lba + j + 1 - 8) * sectorNs;
          const slack = start + j * busNs - read;
          expect(slack).toBeGreaterThanOrEqual(-1e-6);
          tight = Math.min(tight, slack);
        }
        // No later than that: unless it starts at once, some sector crosses as soon as the head has read it.
        if (start > now) expect(tight).toBeCloseTo(0, 6);
      }
  });
});
