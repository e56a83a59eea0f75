import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { runMeasured } from "../workload/measure.js";
import { RaidGroup } from "./raid.js";
import { type ArrayOptions, StorageArray } from "./storage-array.js";
import { build, drive } from "./storage-array.test-support.js";

describe("array controller: the host port, the queue and refusals", () => {
  it("a cache hit or an absorbed write answers after the controller's time, its data crossing the host port one after another", () => {
    const { sim, array } = build({ cacheBytes: 64 * 1024 ** 2 });
    array.prewarm(0, 0, 4096);
    const lun = array.lun(0);
    const done = new Map<number, number>();
    const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
    // 100 µs of controller time, then 256 KiB at the port's 400 MB/s (655 µs) each, in turn.
    const portNs = ((512 * 512) / 400e6) * 1e9;
    // Four 256 KiB reads of cached data, all at once.
    for (let i = 0; i < 4; i++) lun.submit({ id: i, vm: 0, lba: i * 512, sectors: 512, isRead: true, issueTime: 0 }, sink);
    sim.run({ until: 10_000_000 });
    expect(array.readHits).toBe(4);
    for (let i = 0; i < 4; i++) expect(done.get(i)).toBeCloseTo(100_000 + (i + 1) * portNs, -1);
    // A 256 KiB write the cache absorbs, alone.
    lun.submit({ id: 4, vm: 0, lba: 100_000, sectors: 512, isRead: false, issueTime: sim.now }, sink);
    sim.run({ until: 20_000_000 });
    expect(array.writesAbsorbed).toBe(1);
    expect(done.get(4)).toBeCloseTo(10_000_000 + 100_000 + portNs, -1);
  });

  it("the host port is full duplex (Fibre Channel): read data out and write data in each get the port's rate", () => {
    /** MB/s of 256 KiB IOs the cache serves (reads of prewarmed data, absorbed writes) at 32 outstanding. */
    const mbps = (readPercent: number) => {
      const { sim, array } = build({ cacheBytes: 2 * 1024 ** 3 });
      array.prewarm(0, 0, 1 << 20);
      const w = drive(
        sim,
        array,
        { ioSizeBytes: 256 * 1024, readPercent, randomPercent: 100, outstandingIos: 32, regionSectors: 1 << 20 },
        0,
      );
      runMeasured(sim, [w], 1e7, 2e8);
      expect(array.readMisses).toBe(0);
      return w.stats.mbPerSec(sim.now);
    };
    // 400 MB/s each way: all reads or all writes fill one direction, a 50/50 mix both.
    expect(mbps(100)).toBeCloseTo(400, -1);
    expect(mbps(0)).toBeCloseTo(400, -1);
    expect(mbps(50)).toBeGreaterThan(740);
  });

  it("a write's data crosses the port into the array before the cache absorbs it or the disks write it", () => {
    const { sim, array, raid } = build({ cacheBytes: 64 * 1024 ** 2 });
    const { sim: throughSim, array: through, raid: throughRaid } = build({ cacheBytes: 0 });
    const portNs = ((512 * 512) / 400e6) * 1e9;
    const lun = array.lun(0);
    const done = new Map<number, number>();
    const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
    lun.submit({ id: 0, vm: 0, lba: 0, sectors: 512, isRead: false, issueTime: 0 }, sink);
    // After the controller's time the data streams in; the cache holds nothing of it until it is all in.
    sim.run({ until: 100_000 + portNs - 1000 });
    expect(array.cache?.dirty).toBe(0);
    expect(array.writesAbsorbed).toBe(0);
    sim.run({ until: 100_000 + portNs + 1 });
    expect(array.writesAbsorbed).toBe(1);
    expect(done.get(0)).toBeCloseTo(100_000 + portNs, -1);
    expect(raid.memberWrites).toBe(0);
    // The direction's time is saved; a state saved before the port had two directions restores with it free.
    const saved = array.save();
    expect(saved.portInFree).toBeCloseTo(100_000 + portNs, -1);
    const { portInFree: _, ...older } = saved;
    array.restore(older);
    expect(array.save().portInFree).toBe(0);
    // Without a cache the disks get the write only once its data is in.
    through.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 512, isRead: false, issueTime: 0 }, sink);
    throughSim.run({ until: 100_000 + portNs - 1000 });
    expect(throughRaid.memberReads + throughRaid.memberWrites).toBe(0);
    throughSim.run({ until: 100_000 + portNs + 1 });
    expect(throughRaid.memberReads + throughRaid.memberWrites).toBeGreaterThan(0);
  });

  it("prewarm refuses a range that does not start inside the LUN instead of caching another LUN's sectors or none", () => {
    const { array } = build({ luns: 2, cacheBytes: 64 * 1024 ** 2 });
    const cap = array.lun(1).capacitySectors;
    expect(() => array.prewarm(1, -32, 16)).toThrow(/prewarm.*LUN 1/);
    expect(() => array.prewarm(1, cap, 16)).toThrow(/prewarm.*LUN 1/);
    expect(() => array.prewarm(1, 0, -16)).toThrow(/prewarm.*LUN 1/);
    expect(array.cache?.clean).toBe(0);
    // A range running past the end is cut at it (a test file filling the LUN).
    array.prewarm(1, cap - 16, 64);
    expect(array.cache?.clean).toBe(1);
  });

  it("re-read data hits the cache", () => {
    const { sim, array } = build({ cacheBytes: 256 * 1024 ** 2 });
    const w = drive(sim, array, { ioSizeBytes: 8192, readPercent: 100, randomPercent: 100, outstandingIos: 8, regionSectors: 20_000 }, 0);
    runMeasured(sim, [w], 5e8, 2e8);
    expect(array.readHits).toBeGreaterThan(array.readMisses);
    expect(w.stats.latencyUs.mean).toBeLessThan(500);
  });

  it("never has more than arrayQueueDepth commands in the controller; LUNs share it", () => {
    const { sim, array } = build({ arrayQueueDepth: 6, luns: 2, cacheBytes: 0 });
    const a = drive(sim, array, { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 16 }, 0, 0);
    const b = drive(sim, array, { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 16 }, 0, 1);
    let max = 0;
    for (let i = 0; i < 2000; i++) {
      sim.run({ until: sim.now + 200_000 });
      max = Math.max(max, array.inService);
    }
    expect(max).toBe(6);
    // Round-robin between LUN queues: both get about half.
    const ratio = a.stats.completed / b.stats.completed;
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });

  it("rejects IOs past the end of a LUN and bad options", () => {
    const { array } = build({ luns: 2, cacheBytes: 0 });
    const lun = array.lun(1);
    expect(() =>
      lun.submit({ id: 0, vm: 0, lba: lun.capacitySectors, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} }),
    ).toThrow(/outside LUN 1/);
    expect(() => build({ destageLowWater: 0.9, destageHighWater: 0.5 })).toThrow(/destageLowWater/);
    // 1.5 destage writes at once would silently run 2.
    expect(() => build({ destageOutstanding: 1.5 })).toThrow(/destageOutstanding an integer/);
    expect(() => array.lun(5)).toThrow(/no LUN 5/);
  });

  it("refuses an option it does not know and a writeBack that is not a boolean, instead of running on defaults", () => {
    // A variable of a wider type (options read from a file) escapes TypeScript's check of literals.
    const misspelt: Partial<ArrayOptions> = JSON.parse('{"queueDepth": 64}');
    expect(() => build(misspelt)).toThrow(/array: unknown option "queueDepth"; the options are .*arrayQueueDepth/);
    // A name every object inherits is not an option either: `in` took it and ran on defaults.
    for (const inherited of ['{"toString": 1}', '{"constructor": 1}', '{"hasOwnProperty": 1}'])
      expect(() => build(JSON.parse(inherited)), inherited).toThrow(
        /^array: unknown option "(toString|constructor|hasOwnProperty)"; the options are /,
      );
    const asString: Partial<ArrayOptions> = JSON.parse('{"writeBack": "false"}');
    expect(() => build(asString)).toThrow(/writeBack must be true or false, got "false"/); // was run write-back
    expect(build({ writeBack: false, destageMaxSectors: 384 }).array.options.writeBack).toBe(false);
  });

  it("refuses an infinite controller latency (nothing would ever complete) and takes an infinite port rate as an ideal port", () => {
    // It used to be built and failed at the first IO, inside the kernel: an event at an infinite time.
    expect(() => build({ controllerLatencyNs: Number.POSITIVE_INFINITY })).toThrow(/finite controllerLatencyNs >= 0 \(got Infinity\)/);
    expect(() => build({ portMBps: 0 })).toThrow(/portMBps > 0 \(got 0\)/);
    const { sim, array } = build({ portMBps: Number.POSITIVE_INFINITY, cacheBytes: 0 });
    let done = -1;
    array.lun(0).submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => (done = sim.now) });
    sim.run();
    expect(done).toBeGreaterThan(0);
    expect(Number.isFinite(done)).toBe(true);
  });

  it("refuses a cache size that is not a number of bytes >= 0 and LUNs smaller than a cache page, instead of running without them", () => {
    expect(() => build({ cacheBytes: -1 })).toThrow(/cacheBytes/);
    expect(() => build({ cacheBytes: Number.NaN })).toThrow(/cacheBytes/);
    // An infinite cache was refused by the directory as "array cache: needs at least one cache page".
    expect(() => build({ cacheBytes: Number.POSITIVE_INFINITY })).toThrow(
      /^array: cacheBytes must be a finite number of bytes >= 0 .*got Infinity/,
    );
    // 10 TB (2.4e9 pages of 4 KiB) ended in a bare "RangeError: Invalid typed array length" from the directory.
    expect(() => build({ cacheBytes: 1e13, cachePageSectors: 8 })).toThrow(
      /^array: cacheBytes \(10000000000000\) is 2441406250 cache pages of 4096 bytes, over the 1073741824/,
    );
    // One page over the limit is refused too (checked before anything is allocated; a cache at the limit takes tens of GB).
    const over = (2 ** 30 + 1) * 4096;
    expect(() => build({ cacheBytes: over, cachePageSectors: 8 })).toThrow(
      new RegExp(`^array: cacheBytes \\(${over}\\) is 1073741825 cache pages of 4096 bytes, over the 1073741824 the cache directory holds`),
    );
    expect(build({ cacheBytes: 0 }).array.cache).toBeNull();
    // Less than one page (2048: MiB taken for bytes) ran as an array with no cache.
    expect(() => build({ cacheBytes: 2048 })).toThrow(/array: cacheBytes \(2048\) holds no 8192-byte cache page \(cachePageSectors 16\)/);
    expect(build({ cacheBytes: 8192 }).array.cache).not.toBeNull();
    const sim = new Simulation();
    const member = (): BlockTarget => ({ capacitySectors: 64, submit: () => {} });
    const raid = new RaidGroup(sim, [member(), member()], { level: 0, chunkSectors: 8 });
    // 128 sectors over 16 LUNs of whole 16-sector pages: none would hold a sector.
    expect(() => new StorageArray(sim, raid, { luns: 16 })).toThrow(/LUN/);
    expect(new StorageArray(sim, raid, { luns: 8 }).lun(7).capacitySectors).toBe(16);
    // One LUN is named in the singular ("1 LUNs … do not fit").
    const tiny = new RaidGroup(
      sim,
      [
        { capacitySectors: 8, submit: () => {} },
        { capacitySectors: 8, submit: () => {} },
      ],
      { level: 0, chunkSectors: 8 },
    );
    expect(() => new StorageArray(sim, tiny, { luns: 1, cachePageSectors: 32 })).toThrow(
      /^array: 1 LUN of whole 32-sector cache pages does not fit the RAID group's 16 sectors/,
    );
  });

  it("refuses a destage size that is not whole cache pages: its runs would cross the multiples it promises they never cross", () => {
    /** A member that records where each write lands. */
    const writes: [number, number][] = [];
    const sim = new Simulation();
    const member = (): BlockTarget => ({
      capacitySectors: 1_000_000,
      submit(req: IoRequest, sink: IoSink) {
        if (!req.isRead) writes.push([req.lba, req.sectors]);
        sink.complete(req);
      },
    });
    const raid = new RaidGroup(sim, [member(), member()], { level: 0, chunkSectors: 1024 });
    // 24 sectors over 16-sector pages: a run of whole pages would cross a multiple of 24 (page 1 is [16, 32)).
    expect(() => new StorageArray(sim, raid, { cachePageSectors: 16, destageMaxSectors: 24 })).toThrow(/destageMaxSectors \(24\).*16/);
    // Whole pages are kept to: every destage write stays inside one aligned 32-sector window.
    const array = new StorageArray(sim, raid, {
      cacheBytes: 1 << 20,
      cachePageSectors: 16,
      destageMaxSectors: 32,
      destageHighWater: 0.01,
      destageLowWater: 0,
    });
    array.lun(0).submit({ id: 0, vm: 0, lba: 0, sectors: 128, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    expect(writes.length).toBeGreaterThan(0);
    for (const [lba, sectors] of writes) expect(Math.floor(lba / 32)).toBe(Math.floor((lba + sectors - 1) / 32));
  });
});
