import { Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { Hdd, type HddOptions } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { io, measure, type Spec } from "./hdd-write-cache.test-support.js";

describe("Hdd with its write cache on (WCE)", () => {
  it("small sequential writes at QD1 complete from the buffer and reach the media in long runs", () => {
    const seq4k: Spec = { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 };
    const off = measure(seq4k, {});
    const on = measure(seq4k, { writeCache: true });
    // Off: one write per revolution (~250/s). On: command overhead + interface transfer (~64 µs) per write.
    expect(off.iops).toBeLessThan(300);
    expect(on.iops).toBeGreaterThan(12_000);
    expect(on.latencyUs).toBeLessThan(80);
    expect(on.hdd.writesBuffered).toBeGreaterThan(12_000);
    // Contiguous buffered writes join one write-back: far fewer media writes than host writes.
    expect(on.hdd.mediaOps).toBeLessThan(on.hdd.completed / 10);
  });

  it("a write stream faster than the media fills the buffer, then runs at the media rate", () => {
    const r = measure({ ioSizeBytes: 65536, readPercent: 0, randomPercent: 0, outstandingIos: 16 }, { writeCache: true }, 2e9);
    // The buffer (8 MiB) absorbs the first ~50 ms at the interface rate; after that the outer zone's 125 MB/s.
    expect(r.mbps).toBeGreaterThan(0.9 * 125);
    expect(r.mbps).toBeLessThan(1.1 * 125);
  });

  it("random writes at QD1: the buffer's write-backs give the drive a deep queue to reorder", () => {
    const spec: Spec = { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 1 };
    const off = measure(spec, {});
    const on = measure(spec, { writeCache: true });
    const deep = measure({ ...spec, outstandingIos: CHEETAH_15K5.queueDepth }, {});
    // Once the drive holds its most write-backs (queueDepth), each write waits for one to end: SPTF over
    // that many commands, about what a host gets by queueing as many itself with the cache off.
    expect(on.iops).toBeGreaterThan(2 * off.iops);
    expect(Math.abs(on.iops - deep.iops) / deep.iops).toBeLessThan(0.15);
  });

  it("a burst smaller than the buffer completes at the interface rate; the drive writes it back afterwards", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done: number[] = [];
    const sink = { complete: () => done.push(sim.now) };
    for (let i = 0; i < 32; i++) hdd.submit(io(i, (i * 7_919_993) % 500_000_000, 8, false), sink);
    // The controller processes the 32 commands one after another (50 µs each): 1.6 ms.
    sim.run({ until: 32 * CHEETAH_15K5.commandOverheadNs + 20_000 });
    expect(done).toHaveLength(32); // all 32 in the buffer within 1.62 ms…
    expect(hdd.mediaOps).toBeLessThan(2); // …while the mechanism has written at most one of them
    sim.run();
    expect(hdd.mediaOps).toBe(32);
    expect(hdd.dirtySectors).toBe(0);
  });

  it("buffered writes share the drive's interface: a burst that fits the buffer is taken in at the bus rate, no faster", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    let last = 0;
    const sink = { complete: () => (last = sim.now) };
    // 32 × 256 KiB = 8 MiB, the whole buffer: all of it crosses the 300 MB/s bus before the last write completes.
    for (let i = 0; i < 32; i++) hdd.submit(io(i, 2_000_000 + i * 512, 512, false), sink);
    sim.run({ until: 100_000_000 });
    expect(hdd.writesBuffered).toBe(32);
    const busNs = (8 * 1024 * 1024 * 1e9) / (CHEETAH_15K5.busMBps * 1e6);
    expect(last).toBeGreaterThanOrEqual(CHEETAH_15K5.commandOverheadNs + busNs - 1);
    expect(last).toBeLessThan(CHEETAH_15K5.commandOverheadNs + busNs + 1_000);
  });

  it("a write-back does not reach the media before its data has crossed the interface", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    // 31 × 256 KiB: their data holds the interface for ~27 ms. Then 4 KiB right after the first of them, whose
    // data crosses after theirs: when the first write-back ends, its write-back is the nearest, with no data yet.
    const submitAll = (disk: Hdd, s: { complete: (r: IoRequest) => void }) => {
      for (let i = 0; i < 31; i++) disk.submit(io(i, 400_000_000 + i * 1_000_000, 512, false), s);
      disk.submit(io(31, 400_000_512, 8, false), s);
    };
    submitAll(hdd, sink);
    sim.run({ until: 100_000_000 });
    const arrived = done.get(31) as number;
    expect(arrived).toBeGreaterThan(25_000_000);
    const again = new Simulation();
    const replay = new Hdd(again, CHEETAH_15K5, "hdd", { writeCache: true });
    submitAll(replay, { complete: () => {} });
    again.run({ until: arrived - 1 });
    // Just before the small write completes (its data in the buffer at last), its 8 sectors are still to be written back.
    expect(replay.dirtySectors % 512).toBe(8);
    sim.run();
    expect(hdd.dirtySectors).toBe(0);
  });

  it("a write larger than the whole buffer goes to the media before it completes", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 64 });
    let at = -1;
    hdd.submit(io(0, 1_000_000, 128, false), { complete: () => (at = sim.now) });
    sim.run();
    expect(hdd.writesBuffered).toBe(0);
    expect(at).toBeGreaterThan(1_000_000); // a seek and a rotation, not 50 µs + the interface transfer
    expect(hdd.mediaOps).toBe(1);
  });

  it("a read of written data still in the buffer is served from it, without the mechanism", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    // Two adjacent writes (one write-back) far from the head, then a read spanning both.
    hdd.submit(io(0, 300_000_000, 8, false), sink);
    hdd.submit(io(1, 300_000_008, 8, false), sink);
    hdd.submit(io(2, 300_000_004, 8, true), sink);
    hdd.submit(io(3, 300_000_012, 8, true), sink); // half of it was never written: from the media
    sim.run();
    // The third command the controller processes (50 µs each), then 4 KiB over the interface.
    expect(done.get(2)).toBeCloseTo(3 * CHEETAH_15K5.commandOverheadNs + ((8 * 512) / 300e6) * 1e9, -1);
    expect(done.get(3)).toBeGreaterThan(1_000_000);
    expect(hdd.dirtySectors).toBe(0);
    // Counted as a read from the buffer, not as a read-cache miss (only read 3 missed).
    expect(hdd.readsFromBuffer).toBe(1);
    expect(hdd.cache.misses).toBe(1);
  });

  it("refuses a buffer that is not a whole number of sectors >= 1", () => {
    for (const writeCacheSectors of [0, -8, 2.5]) {
      const make = () => new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors });
      expect(thrownCode(make)).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect(make).toThrow(new RegExp(`writeCacheSectors must be an integer >= 1, got ${writeCacheSectors}`));
    }
    // A size without the cache switched on is a mistake, not something to ignore.
    expect(() => new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCacheSectors: 64 })).toThrow(/set writeCache: true/);
    // A drive cache too small for the default half to hold a sector (one segment: a read cache of one sector is valid).
    expect(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, cacheBytes: 512, cacheSegments: 1 }, "hdd", { writeCache: true })).toThrow(
      /holds no sector; set writeCacheSectors/,
    );
  });

  it("the write buffer is part of the drive's 16 MB cache: it takes whole 1 MiB segments from the read cache", () => {
    // 8-sector reads at `places` places far apart, one after another, then the first place again: its segment
    // still holds it while no more other places than read segments were read after it (least recently used goes).
    const rereadUs = (places: number, options: HddOptions) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", options);
      let k = 0;
      let issued = 0;
      const next = () => {
        issued = sim.now;
        hdd.submit(io(k, (k % places) * 20_000_000, 8, true), { complete: k++ < places ? next : () => {} });
      };
      next();
      sim.run();
      return (sim.now - issued) / 1000;
    };
    // A hit: 50 µs command overhead + 4 KiB at 300 MB/s. A miss: a seek and rotation, milliseconds.
    expect(rereadUs(16, {})).toBeLessThan(100);
    expect(rereadUs(17, {})).toBeGreaterThan(1000);
    // The default buffer, half the cache, leaves 8 segments.
    expect(rereadUs(8, { writeCache: true })).toBeLessThan(100);
    expect(rereadUs(9, { writeCache: true })).toBeGreaterThan(1000);
    // A 64-sector buffer takes one segment: 15 left.
    expect(rereadUs(15, { writeCache: true, writeCacheSectors: 64 })).toBeLessThan(100);
    expect(rereadUs(16, { writeCache: true, writeCacheSectors: 64 })).toBeGreaterThan(1000);
  });

  it("refuses a write buffer that leaves no read cache segment in the drive's cache", () => {
    const sectors = CHEETAH_15K5.cacheBytes / 512;
    const make = (writeCacheSectors: number, spec = CHEETAH_15K5) =>
      new Hdd(new Simulation(), spec, "hdd", { writeCache: true, writeCacheSectors });
    expect(() => make(sectors - 2047)).toThrow(
      /writeCacheSectors \(30721\) must leave at least one 2048-sector read cache segment in the 16777216-byte drive cache/,
    );
    expect(() => make(sectors - 2048)).not.toThrow();
    // With the read cache off the buffer may have the whole cache, and no more.
    const noReadCache = { ...CHEETAH_15K5, cacheSegments: 0, readAheadSectors: 0 };
    expect(() => make(sectors, noReadCache)).not.toThrow();
    expect(() => make(sectors + 1, noReadCache)).toThrow(/writeCacheSectors \(32769\) must leave room in the 16777216-byte drive cache/);
    // No cache bytes at all: 16 segments of no sectors (not NaN segments); a buffer does not fit.
    const noBytes = { ...CHEETAH_15K5, cacheBytes: 0 };
    expect(new Hdd(new Simulation(), noBytes, "hdd").save().cache.segStart).toHaveLength(16);
    expect(() => make(8, noBytes)).toThrow(/writeCacheSectors \(8\) must leave room in the 0-byte drive cache/);
  });
});
