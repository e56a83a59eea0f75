import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { runMeasured } from "../workload/measure.js";
import { RaidGroup } from "./raid.js";
import { StorageArray } from "./storage-array.js";
import { build, drive, loggedRaid0, SlowMember } from "./storage-array.test-support.js";

describe("array controller: write-back cache and destage", () => {
  it("write-back cache acknowledges writes at controller speed and destages in the background", () => {
    // 4 KiB cache pages for 4 KiB writes: the cache holds every write whole (see the page-size test below).
    const { sim, array, raid } = build({ cacheBytes: 16 * 1024 ** 2, cachePageSectors: 8 });
    const w = drive(
      sim,
      array,
      { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4, regionSectors: 2_000_000, alignmentBytes: 4096 },
      0,
    );
    runMeasured(sim, [w], 1e7, 1e8);
    // ~100 µs controller + port transfer, versus ~6 ms for a disk write.
    expect(w.stats.latencyUs.mean).toBeLessThan(200);
    expect(array.writesAbsorbed).toBeGreaterThan(1000);
    expect(array.destageWrites).toBeGreaterThan(0);
    expect(raid.memberWrites).toBeGreaterThan(0);
  });

  it("destage runs line up with the RAID group's stripes by default: sequential writes destage with no reads", () => {
    for (const disks of [5, 10]) {
      const sim = new Simulation();
      const members = Array.from({ length: disks }, (_, i) => new Hdd(sim, undefined, `d${i}`));
      const raid = new RaidGroup(sim, members, { level: 5, chunkSectors: 128 });
      const array = new StorageArray(sim, raid, { cacheBytes: 64 * 1024 ** 2 });
      expect(array.options.destageMaxSectors).toBe(128 * (disks - 1));
      const w = drive(sim, array, { ioSizeBytes: 65536, readPercent: 0, randomPercent: 0, outstandingIos: 8 }, 0);
      sim.run({ until: 3e9 });
      expect(array.destageWrites).toBeGreaterThan(100);
      // Whole stripes: parity from the new data alone (a 1,024-sector window on 10 disks split every stripe).
      expect(raid.memberReads).toBe(0);
      expect(w.stats.completed).toBeGreaterThan(0);
    }
  });

  it("with stripes that are not whole cache pages, the default destage run is the fewest whole stripes of whole pages", () => {
    // 4 KiB chunks on 4 disks: 24-sector stripes, 16-sector pages; 48 sectors = 2 stripes = 3 pages.
    for (const [disks, chunk, run] of [
      [4, 8, 48],
      [8, 8, 112],
    ]) {
      const sim = new Simulation();
      const members = Array.from({ length: disks }, (_, i) => new Hdd(sim, undefined, `d${i}`));
      const raid = new RaidGroup(sim, members, { level: 5, chunkSectors: chunk });
      const array = new StorageArray(sim, raid, { cacheBytes: 64 * 1024 ** 2 });
      expect(array.options.destageMaxSectors).toBe(run);
      const w = drive(sim, array, { ioSizeBytes: 65536, readPercent: 0, randomPercent: 0, outstandingIos: 8 }, 0);
      sim.run({ until: 1e9 });
      expect(array.destageWrites).toBeGreaterThan(100);
      // Sequential writes destage as whole stripes: no read-modify-write.
      expect(raid.memberReads).toBe(0);
      expect(w.stats.completed).toBeGreaterThan(0);
    }
  });

  it("the default destage run: one RAID-5 stripe (at least a cache page); 1,024 sectors of whole stripes for the other levels", () => {
    const sim = new Simulation();
    const disks = (n: number) => Array.from({ length: n }, (_, i) => new Hdd(sim, undefined, `x${i}`));
    const run = (level: 0 | 1 | 5 | 10, n: number, chunkSectors: number) =>
      new StorageArray(sim, new RaidGroup(sim, disks(n), { level, chunkSectors })).options.destageMaxSectors;
    expect(run(5, 8, 128)).toBe(896);
    expect(run(5, 3, 4)).toBe(16); // an 8-sector stripe is smaller than a 16-sector page: two stripes
    expect(run(1, 2, 128)).toBe(1024);
    expect(run(1, 2, 8)).toBe(1024);
    expect(run(10, 4, 128)).toBe(1024);
    expect(run(0, 3, 128)).toBe(1152);
    expect(() => new StorageArray(sim, new RaidGroup(sim, disks(4), { level: 5, chunkSectors: 128 }), { destageMaxSectors: 8 })).toThrow(
      /destageMaxSectors \(8\) must hold at least one cache page \(16 sectors\)/,
    );
  });

  it("a write smaller than a cache page dirties the whole page: 4 KiB writes fill 8 KiB pages twice as fast", () => {
    const dirtyAfterWrites = (cachePageSectors: number) => {
      const { sim, array } = build({ cacheBytes: 64 * 1024 ** 2, cachePageSectors, destageHighWater: 0.99, destageLowWater: 0.98 });
      // 4 KiB-aligned: each write within one page (unaligned, half of them would dirty two).
      const w = drive(sim, array, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4, alignmentBytes: 4096 }, 0);
      sim.run({ until: 2e8 });
      const cache = array.cache as NonNullable<typeof array.cache>;
      return { bytes: cache.dirty * cachePageSectors * 512, writes: w.stats.completed };
    };
    const small = dirtyAfterWrites(8);
    const large = dirtyAfterWrites(16);
    expect(small.writes).toBe(large.writes); // nothing destaged or stalled yet: both absorbed every write
    expect(small.bytes).toBeGreaterThan(0.99 * small.writes * 4096);
    expect(large.bytes).toBeGreaterThan(1.98 * small.bytes);
    expect(() => build({ cachePageSectors: 0 })).toThrow(/cachePageSectors/);
  });

  it("destage starts above the high watermark, runs down to the low one, and keeps at most destageOutstanding writes out", () => {
    // RAID-0 over one member: a destage run is one member write. 64 cache pages; watermarks 50% and 25%.
    const sim = new Simulation();
    const member = new SlowMember(sim);
    const raid = new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, { cacheBytes: 64 * 16 * 512, destageOutstanding: 4 });
    const cache = array.cache as NonNullable<typeof array.cache>;
    const lun = array.lun(0);
    // Pages far apart (each its own destage run), one write each.
    const write = (k: number) =>
      lun.submit({ id: k, vm: 0, lba: k * 160, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    for (let k = 0; k < 32; k++) write(k);
    sim.run();
    // At the high watermark (32 of 64 pages), not above it: nothing destaged.
    expect([array.destageWrites, cache.dirty]).toEqual([0, 32]);
    write(32);
    sim.run();
    // Above it: destage down to the low watermark (16 pages), then stop.
    expect([array.destageWrites, cache.dirty]).toEqual([17, 16]);
    expect(member.most).toBe(4);
  });

  it("a read of sectors the cache does not hold is a miss: a 512 B write does not make its 8 KiB page a hit", () => {
    const { log, sim, raid } = loggedRaid0();
    const array = new StorageArray(sim, raid, { cacheBytes: 1 << 20, destageHighWater: 0.99, destageLowWater: 0.98 });
    const lun = array.lun(0);
    const io = (id: number, lba: number, sectors: number, isRead: boolean) => {
      lun.submit({ id, vm: 0, lba, sectors, isRead, issueTime: sim.now }, { complete: () => {} });
      sim.run();
    };
    io(1, 0, 1, false); // 512 B into page 0, not cached before
    io(2, 0, 1, true); // the sector written: a hit
    expect([array.readHits, array.readMisses, log]).toEqual([1, 0, []]);
    io(3, 0, 16, true); // the whole page: 7.5 KiB of it only the disks hold
    expect([array.readHits, array.readMisses, log]).toEqual([1, 1, ["R 0+16"]]);
    io(4, 0, 16, true); // the miss filled the page
    expect([array.readHits, array.readMisses, log.length]).toEqual([2, 1, 1]);
  });

  it("without write-back, a write through to the disks updates the sectors it covers of the pages the cache holds", () => {
    const { log, sim, raid } = loggedRaid0();
    const array = new StorageArray(sim, raid, { cacheBytes: 1 << 20, writeBack: false });
    const lun = array.lun(0);
    const io = (id: number, lba: number, sectors: number, isRead: boolean) => {
      lun.submit({ id, vm: 0, lba, sectors, isRead, issueTime: sim.now }, { complete: () => {} });
      sim.run();
    };
    io(1, 0, 4, true); // a miss: page 0 holds sectors 0-3
    io(2, 0, 16, false); // written through: the disks now hold the write's data for sectors 0-15
    expect([array.readMisses, array.writesAbsorbed, log]).toEqual([1, 0, ["R 0+4", "W 0+16"]]);
    // The cache holds the write's data for the sectors of page 0 it covers: all of them hit, none from before the write.
    io(3, 0, 16, true);
    expect([array.readHits, array.readMisses, log.length]).toEqual([1, 1, 2]);
    // A page the cache does not hold is not brought in by a write through.
    io(4, 16, 16, false);
    io(5, 16, 16, true);
    expect([array.readHits, array.readMisses, log.slice(2)]).toEqual([1, 2, ["W 16+16", "R 16+16"]]);
  });

  it("a destage of pages the cache holds in part reads their missing sectors first, then writes them whole", () => {
    const { log, sim, raid } = loggedRaid0();
    // 128 pages of 16 sectors; destage once more than one page is dirty.
    const array = new StorageArray(sim, raid, { cacheBytes: 1 << 20, destageMaxSectors: 32, destageHighWater: 0.01, destageLowWater: 0 });
    const lun = array.lun(0);
    lun.submit({ id: 1, vm: 0, lba: 0, sectors: 4, isRead: false, issueTime: 0 }, { complete: () => {} });
    lun.submit({ id: 2, vm: 0, lba: 16, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    // Page 0 holds sectors 0–3 only: 4–15 come from the disks before pages 0–1 go out whole.
    expect(log).toEqual(["R 4+12", "W 0+32"]);
    expect([array.destageWrites, array.cache?.dirty, array.idle]).toEqual([1, 0, true]);
    lun.submit({ id: 3, vm: 0, lba: 0, sectors: 32, isRead: true, issueTime: sim.now }, { complete: () => {} });
    sim.run();
    expect([array.readHits, log.length]).toEqual([1, 2]);
  });

  it("a destage write made whole by a fill read is issued to the disks when the fill lands, and says so in its issueTime", () => {
    // One member taking 1 ms per command, recording when each command reached it and the issueTime it carried.
    const sim = new Simulation();
    const log: string[] = [];
    const kind = sim.on("issued", (_n, o) => {
      const [req, sink] = o as [IoRequest, IoSink];
      sink.complete(req);
    });
    const member: BlockTarget = {
      capacitySectors: 1_000_000,
      submit(req: IoRequest, sink: IoSink) {
        log.push(`${req.isRead ? "R" : "W"} at ${sim.now} issued ${req.issueTime}`);
        sim.schedule(1_000_000, kind, 0, [req, sink]);
      },
    };
    const raid = new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, { cacheBytes: 1 << 20, destageMaxSectors: 16, destageHighWater: 0.001, destageLowWater: 0 });
    array.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 4, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    expect(array.destageFillReads).toBe(1);
    const [read, write] = log;
    expect(read).toMatch(/^R at (\d+) issued \1$/);
    const t = Number(/^R at (\d+)/.exec(read)?.[1]);
    expect(write).toBe(`W at ${t + 1_000_000} issued ${t + 1_000_000}`);
  });

  it("a read miss answers after the controller's time and its data crossing the port, as a hit does", () => {
    const { sim, raid } = loggedRaid0(); // the disks answer at once
    const array = new StorageArray(sim, raid, { cacheBytes: 1 << 20 });
    let at = -1;
    array.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 16, isRead: true, issueTime: 0 }, { complete: () => (at = sim.now) });
    sim.run();
    expect(array.readMisses).toBe(1);
    // 100 µs of controller time, then 8 KiB at 400 MB/s.
    expect(at).toBeCloseTo(100_000 + ((16 * 512) / 400e6) * 1e9, 0);
  });

  it("destage stops as soon as the dirty pages are down to the low watermark, even with destage slots still free", () => {
    // RAID-0 over one 1 ms member; 64 pages, watermarks 50% and 45% (28.8 pages), 8 destage writes at once.
    const sim = new Simulation();
    const raid = new RaidGroup(sim, [new SlowMember(sim)], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, {
      cacheBytes: 64 * 16 * 512,
      destageOutstanding: 8,
      destageHighWater: 0.5,
      destageLowWater: 0.45,
    });
    for (let k = 0; k < 33; k++)
      array.lun(0).submit({ id: k, vm: 0, lba: k * 160, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    // 33 pages dirty: five one-page runs bring it to 28, at the low watermark; not eight.
    expect([array.destageWrites, array.cache?.dirty]).toEqual([5, 28]);
  });

  it("destage stops at the low watermark when the dirty pages land exactly on it (at or below: ArrayOptions.destageLowWater)", () => {
    // RAID-0 over one 1 ms member; 64 pages, watermarks 50% and 25% (16 pages exactly), 32 destage writes at once.
    const sim = new Simulation();
    const raid = new RaidGroup(sim, [new SlowMember(sim)], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, {
      cacheBytes: 64 * 16 * 512,
      destageOutstanding: 32,
      destageHighWater: 0.5,
      destageLowWater: 0.25,
    });
    for (let k = 0; k < 33; k++)
      array.lun(0).submit({ id: k, vm: 0, lba: k * 160, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    // 33 dirty: seventeen one-page runs, all out at once, bring it to 16 = 25% of the cache; not one more.
    expect([array.destageWrites, array.cache?.dirty]).toEqual([17, 16]);
  });

  it("destage stops when a write through cleans the dirty pages down to the low watermark while a destage is out", () => {
    // RAID-0 over one 1 ms member; 8 pages of 16 sectors, watermarks 50% and 25% (2 pages), one destage write at a time.
    const sim = new Simulation();
    const raid = new RaidGroup(sim, [new SlowMember(sim)], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, {
      cacheBytes: 8 * 16 * 512,
      destageOutstanding: 1,
      destageMaxSectors: 16,
      destageHighWater: 0.5,
      destageLowWater: 0.25,
    });
    const lun = array.lun(0);
    const write = (id: number, page: number, pages = 1) =>
      lun.submit({ id, vm: 0, lba: page * 16, sectors: pages * 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    // Five dirty pages (above 50%): one destage run goes out (page 40, the oldest dirty), leaving 4 dirty.
    for (const [id, page] of [40, 20, 21, 0, 1].entries()) write(id, page);
    // Ten pages, more than the whole cache: written through, cleaning pages 0 and 1 — 2 dirty, at the low watermark.
    write(5, 0, 10);
    sim.run();
    // When the run lands the dirty pages are at the low watermark: destage stops there (pages 20 and 21 stay dirty).
    expect([array.destageWrites, array.cache?.dirty]).toEqual([1, 2]);
  });
});
