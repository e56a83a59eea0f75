import { RngStreams, Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { int32ToBase64 } from "../devices/typed-b64.js";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { RaidGroup } from "./raid.js";
import { type ArrayOptions, StorageArray } from "./storage-array.js";

function build(options: Partial<ArrayOptions>, disks = 4) {
  const sim = new Simulation();
  const members = Array.from({ length: disks }, (_, i) => new Hdd(sim, undefined, `d${i}`));
  const raid = new RaidGroup(sim, members, { level: 5, chunkSectors: 128 });
  const array = new StorageArray(sim, raid, { destageMaxSectors: 128 * (disks - 1), ...options });
  return { sim, raid, array };
}

/** A one-member RAID-0 over a disk that completes at once and logs each command ("R lba+sectors"). */
function loggedRaid0() {
  const log: string[] = [];
  const sim = new Simulation();
  const member: BlockTarget = {
    capacitySectors: 1_000_000,
    submit(req: IoRequest, sink: IoSink) {
      log.push(`${req.isRead ? "R" : "W"} ${req.lba}+${req.sectors}`);
      sink.complete(req);
    },
  };
  return { log, sim, raid: new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 }) };
}

function drive(sim: Simulation, target: StorageArray, spec: ConstructorParameters<typeof IometerWorkload>[0], _ms: number, lun = 0) {
  const w = new IometerWorkload(spec);
  w.start({ sim, target: target.lun(lun), rng: new RngStreams(lun + 1).get("w"), vm: lun });
  return w;
}

let members = 0;

/** A command as the reordering member logs it. */
const commandName = (req: IoRequest) => `${req.isRead ? "read" : "write"} ${req.lba}+${req.sectors}`;

/**
 * A member disk that takes `latencyNs(req)` per command, any number at once (so it reorders them, as a disk's
 * command queueing does), logging "issued …" when a command reaches it and "landed …" when it completes, as
 * `name` names it (null: not logged).
 */
function reorderingMember(
  sim: Simulation,
  log: string[],
  latencyNs: (req: IoRequest) => number,
  name: (req: IoRequest) => string | null = commandName,
): BlockTarget {
  const kind = sim.on(`order.${members++}`, (_n, o) => {
    const [req, sink] = o as [IoRequest, IoSink];
    const n = name(req);
    if (n !== null) log.push(`landed ${n}`);
    sink.complete(req);
  });
  return {
    capacitySectors: 1_000_000,
    submit(req: IoRequest, sink: IoSink) {
      const n = name(req);
      if (n !== null) log.push(`issued ${n}`);
      sim.schedule(latencyNs(req), kind, 0, [req, sink]);
    },
  };
}

/** A member disk that serves every IO in 1 ms, any number at once, and records the most it held at once. */
class SlowMember implements BlockTarget {
  readonly capacitySectors = 10_000_000;
  inFlight = 0;
  most = 0;
  private readonly kind: number;
  constructor(private readonly sim: Simulation) {
    this.kind = sim.on(`slow.${members++}`, (_n, o) => {
      const [req, sink] = o as [IoRequest, IoSink];
      this.inFlight--;
      sink.complete(req);
    });
  }
  submit(req: IoRequest, sink: IoSink): void {
    this.most = Math.max(this.most, ++this.inFlight);
    this.sim.schedule(1_000_000, this.kind, 0, [req, sink]);
  }
}

describe("array controller", () => {
  it("write-back cache acknowledges writes at controller speed and destages in the background", () => {
    // 4 KiB cache pages for 4 KiB writes: the cache holds every write whole (see the page-size test below).
    const { sim, array, raid } = build({ cacheBytes: 16 * 1024 ** 2, cachePageSectors: 8 });
    const w = drive(sim, array, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4, regionSectors: 2_000_000 }, 0);
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
      const w = drive(sim, array, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4 }, 0);
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
    const kind = sim.on(`issued.${members++}`, (_n, o) => {
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

  it("save refuses while a command is in the controller with nothing at the disks or out for destage", () => {
    const { sim, array } = build({ cacheBytes: 1 << 20 });
    array.prewarm(0, 0, 16);
    array.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 16, isRead: true, issueTime: 0 }, { complete: () => {} });
    sim.run({ until: 50_000 }); // a hit, in its controller time
    expect(thrownCode(() => array.save())).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    sim.run();
    expect(array.save().readHits).toBe(1);
  });

  it("restore refuses a round-robin position that is not one of the array's LUNs", () => {
    const { array } = build({ cacheBytes: 1 << 20, luns: 2 });
    const saved = array.save();
    expect(thrownCode(() => array.restore({ ...saved, rr: 2 }))).toBe("VMLAB_STORAGE_BAD_STATE");
    array.restore({ ...saved, rr: 1 });
  });

  it("counts destage fill reads, saves the count, and restores a state saved before it was counted as 0", () => {
    const make = () => {
      const sim = new Simulation();
      const raid = new RaidGroup(sim, [new Hdd(sim, undefined, "d0")], { level: 0, chunkSectors: 1024 });
      return {
        sim,
        raid,
        array: new StorageArray(sim, raid, { cacheBytes: 1 << 20, destageMaxSectors: 16, destageHighWater: 0.001, destageLowWater: 0 }),
      };
    };
    const { sim, raid, array } = make();
    const write = (id: number, lba: number, sectors: number) => {
      array.lun(0).submit({ id, vm: 0, lba, sectors, isRead: false, issueTime: sim.now }, { complete: () => {} });
      sim.run();
    };
    // Nothing destaged yet: the count is 0 and not saved (states from before it was counted look the same).
    expect([array.destageFillReads, "destageFillReads" in array.save()]).toEqual([0, false]);
    write(1, 0, 4); // page 0 in part
    write(2, 16, 16); // page 1 whole: its run needs no fill
    write(3, 40, 2); // page 2 in part
    expect([array.destageWrites, array.destageFillReads, raid.memberReads, array.cache?.dirty]).toEqual([3, 2, 2, 0]);
    const saved = array.save();
    expect(saved.destageFillReads).toBe(2);
    const copy = make().array;
    copy.restore(saved);
    expect([copy.destageFillReads, copy.destageWrites]).toEqual([2, 3]);
    const { destageFillReads: _, ...older } = saved;
    copy.restore(older);
    expect(copy.destageFillReads).toBe(0);
  });

  it("an array of two LUNs restored elsewhere is the array saved (read hits, the LUN served next) and goes on identically", () => {
    // With readHits or the round-robin position left out of the restore, every test still passed.
    const opts = { cacheBytes: 4 << 20, luns: 2 };
    const a = build(opts);
    const spec = { ioSizeBytes: 4096, readPercent: 70, randomPercent: 100, outstandingIos: 4, regionSectors: 2048 };
    const run = (x: typeof a, ns: number) => {
      const ws = [0, 1].map((lun) => drive(x.sim, x.array, spec, 0, lun));
      x.sim.run({ until: x.sim.now + ns });
      for (const w of ws) w.stop();
      x.sim.run();
      return ws.map((w) => w.stats.latencyUs.summary());
    };
    run(a, 2e7);
    const saved = JSON.parse(JSON.stringify(a.array.save()));
    expect(saved.readHits).toBeGreaterThan(0);
    // The LUN whose queue is served next, restored as saved (a fresh array's is 0).
    const other = build(opts);
    other.array.restore({ ...saved, rr: 1 - saved.rr });
    expect(other.array.save().rr).toBe(1 - saved.rr);
    const b = build(opts);
    b.sim.restore(a.sim.save());
    b.array.restore(saved);
    expect(b.array.save()).toEqual(saved);
    expect(run(b, 2e7)).toEqual(run(a, 2e7));
    expect(b.array.save()).toEqual(a.array.save());
  });

  it("a warmed array restored into a new simulation (at 0) answers its first read hit at once, as the original goes on", () => {
    const { sim, array } = build({ cacheBytes: 1 << 20 });
    const timed = (s: Simulation, a: StorageArray, lba: number, isRead: boolean) => {
      let at = -1;
      const t0 = s.now;
      a.lun(0).submit({ id: 1, vm: 0, lba, sectors: 16, isRead, issueTime: t0 }, { complete: () => (at = s.now) });
      s.run();
      return at - t0;
    };
    timed(sim, array, 0, false);
    sim.run({ until: 5e9 }); // idle for seconds: both port directions were last used long before the save
    timed(sim, array, 0, true);
    const saved = array.save();
    const hit = timed(sim, array, 0, true);
    const write = timed(sim, array, 64, false);
    const copy = build({ cacheBytes: 1 << 20 });
    copy.array.restore(saved);
    // The port was free at the save: kept at the old simulation's times, it held the first hit ~5 s.
    expect(timed(copy.sim, copy.array, 0, true)).toBe(hit);
    expect(timed(copy.sim, copy.array, 64, false)).toBe(write);
  });

  it("restore refuses dirty cache pages in a write-through array (it never destages them), changing nothing; clean ones restore", () => {
    const a = build({ cacheBytes: 1 << 20 });
    for (let i = 0; i < 100; i++)
      a.array.lun(0).submit({ id: i, vm: 0, lba: i * 16, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    a.sim.run();
    const saved = JSON.parse(JSON.stringify(a.array.save()));
    // Destage stops at the low water mark: the idle array still holds dirty pages.
    expect(saved.cache.dirty).toBeGreaterThan(0);
    const through = build({ cacheBytes: 1 << 20, writeBack: false }).array;
    const before = JSON.stringify(through.save());
    expect(thrownCode(() => through.restore(saved))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(() => through.restore(saved)).toThrow(/write-back array with \d+ dirty cache pages, this one is write-through/);
    expect(JSON.stringify(through.save())).toBe(before);
    // A write-through array's own state (clean pages only) restores into one.
    const t = build({ cacheBytes: 1 << 20, writeBack: false });
    for (let i = 0; i < 10; i++)
      t.array.lun(0).submit({ id: i, vm: 0, lba: i * 16, sectors: 16, isRead: i % 2 === 0, issueTime: 0 }, { complete: () => {} });
    t.sim.run();
    const clean = JSON.parse(JSON.stringify(t.array.save()));
    expect(clean.cache.used).toBeGreaterThan(0);
    through.restore(clean);
    // Restored at 0, before the save's time: the port, free by the save, is free from now on.
    expect(JSON.parse(JSON.stringify(through.save()))).toEqual({ ...clean, portFree: 0, portInFree: 0 });
  });

  it("restore refuses a write-through array a state with a single dirty cache page", () => {
    const a = build({ cacheBytes: 1 << 20, destageHighWater: 0.99, destageLowWater: 0.98 });
    a.array.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    a.sim.run();
    const saved = JSON.parse(JSON.stringify(a.array.save()));
    expect(saved.cache.dirty).toBe(1);
    const through = build({ cacheBytes: 1 << 20, writeBack: false }).array;
    expect(() => through.restore(saved)).toThrow(/write-back array with 1 dirty cache pages, this one is write-through/);
  });

  it("restore refuses a cached page beyond the array's LUNs: destaging it would send a write outside the RAID group", () => {
    const make = () => {
      const sim = new Simulation();
      const raid = new RaidGroup(sim, [new Hdd(sim, undefined, "d0")], { level: 0, chunkSectors: 1024 });
      return { sim, array: new StorageArray(sim, raid, { cacheBytes: 1 << 20, destageMaxSectors: 16 }) };
    };
    const { sim, array } = make();
    array.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    const saved = array.save();
    const cache = saved.cache as NonNullable<typeof saved.cache>;
    expect([cache.used, cache.dirty]).toEqual([1, 1]);
    const beyond = Math.ceil(array.lun(0).capacitySectors / 16) + 5;
    const moved = {
      ...saved,
      cache: { ...cache, lpn: int32ToBase64(Int32Array.of(beyond)), dirtyOrder: int32ToBase64(Int32Array.of(beyond)) },
    };
    const copy = make().array;
    expect(() => copy.restore(moved)).toThrow(/holds page \d+, beyond the \d+ pages cached/);
    // Unchanged by the refused restore; the saved state itself restores.
    expect(copy.cache?.dirty).toBe(0);
    copy.restore(saved);
    expect(copy.cache?.dirty).toBe(1);
  });

  it("restore refuses a port booked past the simulation's 2^53 ns (the next command threw VMLAB_SIM_BAD_DELAY from the queue)", () => {
    const { sim, array } = build({ cacheBytes: 1 << 20 });
    array.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    sim.run();
    const saved = array.save();
    const copy = build({ cacheBytes: 1 << 20 });
    const before = copy.array.save();
    for (const bad of [{ portFree: 1e300 }, { portInFree: 2 ** 60 }])
      expect(thrownCode(() => copy.array.restore({ ...saved, ...bad }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(copy.array.save()).toEqual(before);
    copy.array.restore(saved);
    let done = 0;
    copy.array.lun(0).submit({ id: 2, vm: 0, lba: 64, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => done++ });
    copy.sim.run();
    expect(done).toBe(1);
  });

  it("prewarm: a range past the end is cut at it, and one starting before sector 0 caches nothing (no page -1, the page table's empty key)", () => {
    const { array } = build({ cacheBytes: 1 << 20, luns: 2 });
    const cache = array.cache as NonNullable<typeof array.cache>;
    const end0 = array.lun(0).capacitySectors;
    expect(() => array.prewarm(1, -32, 32)).toThrow(/prewarm \[-32, \+32\) must start inside LUN 1/);
    expect(() => array.prewarm(0, -16, 32)).toThrow(/must start inside LUN 0/);
    expect(() => array.prewarm(0, end0 + 16, 16)).toThrow(/must start inside LUN 0/);
    expect(() => array.prewarm(0, 0, -1)).toThrow(/must start inside LUN 0/);
    expect(cache.clean).toBe(0);
    // A range past the end is cut at it: LUN 1's first page stays cold.
    array.prewarm(0, end0 - 16, 32);
    expect([cache.clean, cache.readHit(end0 - 16, 16), cache.readHit(end0, 16)]).toEqual([1, true, false]);
    expect(() => array.save()).not.toThrow();
  });

  it("refuses cache pages of more than 32 sectors: one 32-bit mask holds a page's valid sectors", () => {
    expect(() => build({ cachePageSectors: 64 })).toThrow(/cachePageSectors must be an integer from 1 to 32, got 64/);
    expect(build({ cachePageSectors: 32, destageMaxSectors: 384 }).array.options.cachePageSectors).toBe(32);
  });

  it("when dirty data fills the cache, writes run at the disks' destage rate", () => {
    const { sim, array } = build({ cacheBytes: 4 * 1024 ** 2 });
    const w = drive(sim, array, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 16 }, 0);
    runMeasured(sim, [w], 2e9, 2e9);
    // Four disks doing RAID-5 read-modify-writes: a few hundred IOPS, not the cache's tens of thousands.
    expect(w.stats.iops(sim.now)).toBeLessThan(1500);
    expect(w.stats.latencyUs.mean).toBeGreaterThan(2000);
  });

  it("a write larger than the whole cache goes through to the disks instead of waiting forever for room", () => {
    // 64 KiB of cache (eight 8 KiB pages) and a 128 KiB write: it can never fit, so it is written through.
    const { sim, array, raid } = build({ cacheBytes: 64 * 1024 });
    const done: number[] = [];
    const lun = array.lun(0);
    lun.submit({ id: 1, vm: 0, lba: 0, sectors: 256, isRead: false, issueTime: 0 }, { complete: () => done.push(1) });
    // A small write behind it is still absorbed by the cache.
    lun.submit({ id: 2, vm: 0, lba: 10_000, sectors: 8, isRead: false, issueTime: 0 }, { complete: () => done.push(2) });
    sim.run();
    expect(done.sort()).toEqual([1, 2]);
    expect(array.writesAbsorbed).toBe(1);
    expect(raid.memberWrites).toBeGreaterThan(0);
    expect(array.idle).toBe(true);
  });

  it("a write through the cache leaves no stale dirty copy to destage over it", () => {
    // Eight 8 KiB pages; two absorbed 8 KiB writes stay dirty (below the high-water mark), then a
    // 128 KiB write covering both goes through: their cached copies are superseded, not destaged.
    const { sim, array, raid } = build({ cacheBytes: 64 * 1024, destageHighWater: 0.5, destageLowWater: 0.25 });
    const lun = array.lun(0);
    const done: number[] = [];
    const sink = { complete: (r: { id: number }) => done.push(r.id) };
    lun.submit({ id: 1, vm: 0, lba: 16, sectors: 16, isRead: false, issueTime: 0 }, sink);
    lun.submit({ id: 2, vm: 0, lba: 48, sectors: 16, isRead: false, issueTime: 0 }, sink);
    // Page 0: dirty sectors 0–7 the big write (sectors 8–263) does not cover, so it stays dirty.
    lun.submit({ id: 3, vm: 0, lba: 0, sectors: 8, isRead: false, issueTime: 0 }, sink);
    lun.submit({ id: 4, vm: 0, lba: 8, sectors: 256, isRead: false, issueTime: 0 }, sink);
    sim.run();
    expect(done.sort()).toEqual([1, 2, 3, 4]);
    expect(array.writesAbsorbed).toBe(3);
    const cache = array.cache as NonNullable<typeof array.cache>;
    // Pages 1 and 3 are clean copies of what went to disk; page 0 still holds write 3's dirty sectors.
    expect(cache.dirty).toBe(1);
    expect(cache.clean).toBe(2);
    expect(array.destageWrites).toBe(0);
    expect(raid.memberWrites).toBeGreaterThan(0);
  });

  /**
   * RAID-0 over one member that takes `latencyNs(req)` per command, any number at once (so it reorders
   * them, as a disk's command queueing does), logging when each write reaches it and when it lands.
   * Eight 8 KiB cache pages; destage at once, one page per run.
   */
  function orderingArray(latencyNs: (req: IoRequest) => number) {
    const sim = new Simulation();
    const log: string[] = [];
    const member = reorderingMember(sim, log, latencyNs, (req) => (req.isRead ? null : `${req.lba}+${req.sectors}`));
    const raid = new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, {
      cacheBytes: 64 * 1024,
      destageMaxSectors: 16,
      destageHighWater: 0.001,
      destageLowWater: 0,
    });
    const done: string[] = [];
    const submit = (id: number, lba: number, sectors: number) =>
      array.lun(0).submit({ id, vm: 0, lba, sectors, isRead: false, issueTime: sim.now }, { complete: () => done.push(`done ${id}`) });
    return { sim, array, log, done, submit };
  }

  it("a write through the cache never reaches the disks before an older destage of its sectors lands (the disks reorder)", () => {
    // Small commands are slow here (5 ms), large ones quick (1 ms): an older destage lands after a newer write-through.
    const { sim, array, log, done, submit } = orderingArray((req) => (req.sectors <= 16 ? 5_000_000 : 1_000_000));
    submit(1, 16, 16); // page 1, absorbed, destaged at once (older data)
    submit(2, 0, 256); // 32 pages: more than the whole cache, written through (newer data for page 1 too)
    sim.run();
    expect(done.sort()).toEqual(["done 1", "done 2"]);
    // The destage of page 1 lands before the write-through of the same sectors is issued: the disk ends with the newer data.
    expect(log).toEqual(["issued 16+16", "landed 16+16", "issued 0+256", "landed 0+256"]);
    expect([array.cache?.dirty, array.cache?.clean, array.idle]).toEqual([0, 1, true]);
  });

  it("a destage never reaches the disks before an older write through of its sectors lands (the disks reorder)", () => {
    // Time proportional to size: a newer small destage would land before an older large write-through.
    const { sim, array, log, done, submit } = orderingArray((req) => req.sectors * 20_000);
    submit(1, 0, 256); // written through (older data for page 1)
    sim.run({ until: 1_000_000 }); // it is at the disks
    expect(log).toEqual(["issued 0+256"]);
    submit(2, 16, 16); // page 1 again, absorbed: newer, destaged at once
    sim.run();
    expect(done.sort()).toEqual(["done 1", "done 2"]);
    expect(log).toEqual(["issued 0+256", "landed 0+256", "issued 16+16", "landed 16+16"]);
    expect([array.cache?.dirty, array.cache?.clean, array.idle]).toEqual([0, 1, true]);
  });

  it("a destage next to (not over) an older write-through at the disks does not wait for it", () => {
    const { sim, log, done, submit } = orderingArray((req) => req.sectors * 20_000);
    submit(1, 16, 256); // written through: sectors [16, 272) at the disks for 5.12 ms
    sim.run({ until: 1_000_000 });
    submit(2, 0, 16); // page 0, just before it: absorbed and destaged at once
    submit(3, 272, 16); // page 17, just after it: the same
    sim.run();
    expect(done.sort()).toEqual(["done 1", "done 2", "done 3"]);
    expect(log.slice(0, 3)).toEqual(["issued 16+256", "issued 0+16", "issued 272+16"]);
    expect(log.at(-1)).toBe("landed 16+256");
  });

  it("a destage of data written after a waiting write-through reaches the disks only once that write-through has landed", () => {
    // Small commands are slow (5 ms), large ones quick (1 ms), as in the test above.
    const { sim, array, log, done, submit } = orderingArray((req) => (req.sectors <= 16 ? 5_000_000 : 1_000_000));
    submit(1, 16, 16); // page 1, absorbed, destaged at once
    submit(2, 0, 256); // written through: waits for page 1's destage to land
    sim.run({ until: 1_000_000 });
    expect(log).toEqual(["issued 16+16"]);
    submit(3, 48, 16); // page 3, inside the waiting write-through and newer than it: absorbed, its destage must follow it
    sim.run();
    expect(done.sort()).toEqual(["done 1", "done 2", "done 3"]);
    // The disk ends with write 3's data for page 3, which the cache holds clean.
    expect(log).toEqual(["issued 16+16", "landed 16+16", "issued 0+256", "landed 0+256", "issued 48+16", "landed 48+16"]);
    expect([array.cache?.dirty, array.cache?.clean, array.idle]).toEqual([0, 2, true]);
  });

  it.each([
    ["a write-back array (a write larger than the cache)", true],
    ["a write-through array", false],
  ])(
    "%s: a read miss that a write-through of its sectors may have raced at the disks answers the host but is not cached",
    (_, writeBack) => {
      // One member taking `sectors * 20 µs` per command, any number at once (it reorders them).
      const sim = new Simulation();
      const log: string[] = [];
      const member = reorderingMember(sim, log, (req) => req.sectors * (req.isRead ? 400_000 : 20_000));
      const raid = new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 });
      const array = new StorageArray(sim, raid, { cacheBytes: 64 * 1024, writeBack });
      const done: number[] = [];
      const sink = { complete: (r: { id: number }) => done.push(r.id) };
      // A read miss of pages 1-2 (sectors 16-47; reads are slow here), then a write-through of sectors 32-287
      // (more than the whole cache): it covers page 2 of the read, not page 1.
      array.lun(0).submit({ id: 1, vm: 0, lba: 16, sectors: 32, isRead: true, issueTime: 0 }, sink);
      array.lun(0).submit({ id: 2, vm: 0, lba: 32, sectors: 256, isRead: false, issueTime: 0 }, sink);
      sim.run();
      expect(done.sort()).toEqual([1, 2]);
      // The disk took the write while it held the read and may have served the read either side of it.
      expect(log).toEqual(["issued read 16+32", "issued write 32+256", "landed write 32+256", "landed read 16+32"]);
      // Page 1 is cached from the read; page 2 is not (its data may predate the write).
      const cache = array.cache as NonNullable<typeof array.cache>;
      expect(cache.clean).toBe(1);
      expect(cache.readHit(16, 16)).toBe(true);
      expect(cache.readHit(32, 16)).toBe(false);
      // Read again now that the write has landed, page 2 is cached.
      array.lun(0).submit({ id: 3, vm: 0, lba: 32, sectors: 16, isRead: true, issueTime: sim.now }, sink);
      sim.run();
      expect([array.readMisses, cache.clean, cache.readHit(32, 16), array.idle]).toEqual([2, 2, true, true]);
    },
  );

  it.each([
    ["absorbed while the miss is out", false],
    ["out for destage when the miss was issued", true],
  ])(
    "a read miss whose page was written (%s), destaged and evicted before the miss landed is not cached: the disks may have served it before the destage",
    (_, writeFirst) => {
      // One member, any number of commands at once (it reorders them): reads of page 0 take 10 ms, other
      // reads 1 ms, writes 4 ms. Two 8 KiB cache pages; a dirty page is destaged at once.
      const sim = new Simulation();
      const log: string[] = [];
      const member = reorderingMember(sim, log, (req) => (!req.isRead ? 4_000_000 : req.lba === 0 ? 10_000_000 : 1_000_000));
      const raid = new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 });
      const array = new StorageArray(sim, raid, {
        cacheBytes: 2 * 16 * 512,
        destageMaxSectors: 16,
        destageHighWater: 0.001,
        destageLowWater: 0,
      });
      const cache = array.cache as NonNullable<typeof array.cache>;
      const done: number[] = [];
      const sink = { complete: (r: { id: number }) => done.push(r.id) };
      const submit = (id: number, lba: number, sectors: number, isRead: boolean) =>
        array.lun(0).submit({ id, vm: 0, lba, sectors, isRead, issueTime: sim.now }, sink);
      // Page 0 is written (absorbed, destaged at once) and read by a miss of pages 0-1, in either order.
      if (writeFirst) {
        submit(1, 0, 16, false);
        sim.run({ until: 1_000_000 });
        submit(2, 0, 32, true);
      } else {
        submit(2, 0, 32, true);
        submit(1, 0, 16, false);
      }
      // The destage lands (5 ms) while the miss is out; two reads of pages 2 and 3 then evict page 0 (clean).
      sim.run({ until: 6_000_000 });
      submit(3, 32, 16, true);
      submit(4, 48, 16, true);
      sim.run({ until: 8_000_000 });
      expect([cache.readHit(0, 16), cache.readHit(32, 32)]).toEqual([false, true]);
      sim.run();
      expect(done.sort()).toEqual([1, 2, 3, 4]);
      // The disk held the miss of page 0 when it took the destage of page 0, and may have served it first.
      expect(log.filter((l) => / 0\+/.test(l))).toEqual(
        writeFirst
          ? ["issued write 0+16", "issued read 0+32", "landed write 0+16", "landed read 0+32"]
          : ["issued read 0+32", "issued write 0+16", "landed write 0+16", "landed read 0+32"],
      );
      // So the miss's data of page 0 may be older than the write's: page 0 is not cached from it (page 1 is).
      expect([cache.readHit(0, 16), cache.readHit(16, 16)]).toEqual([false, true]);
      submit(5, 0, 16, true);
      sim.run();
      expect([array.readMisses, array.readHits, array.idle]).toEqual([4, 0, true]);
      // That miss raced no write: it is cached.
      expect(cache.readHit(0, 16)).toBe(true);
    },
  );

  it("a write-through that lands while a miss is out is tracked as itself, not as an older one whose pooled IO it reuses: its sectors are cached again once it lands", () => {
    // One member: reads of sector 1000 take 100 ms, everything else 1 ms. No write-back: every write goes through.
    const sim = new Simulation();
    const member = reorderingMember(
      sim,
      [],
      (req) => (req.isRead && req.lba === 1000 ? 100_000_000 : 1_000_000),
      () => null,
    );
    const raid = new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, { cacheBytes: 1 << 20, writeBack: false });
    const lun = array.lun(0);
    const io = (id: number, lba: number, sectors: number, isRead: boolean) =>
      lun.submit({ id, vm: 0, lba, sectors, isRead, issueTime: sim.now }, { complete: () => {} });
    io(1, 1000, 16, true); // a slow miss: out for 100 ms
    io(2, 0, 16, false); // lands at ~1 ms while the miss is out: tracked until it lands
    sim.run({ until: 10_000_000 });
    // The next write's command reuses the first write's pooled IO; it lands while the miss is still out.
    io(3, 32, 16, false);
    sim.run({ until: 20_000_000 });
    sim.run();
    // Every write has landed and no miss is out: no write is left that a miss may have raced.
    expect([array.idle, (array as unknown as { fills: { tracked: number } }).fills.tracked]).toEqual([true, 0]);
    io(4, 32, 16, true);
    sim.run();
    io(5, 32, 16, true);
    sim.run();
    expect([array.readMisses, array.readHits]).toEqual([2, 1]);
  });

  it("a write that fits goes in only after the writes already waiting for room: a small write never overtakes a stalled larger one", () => {
    // RAID-0 over one 1 ms member; four 16-sector pages, destaged one page at a time once all four are dirty.
    const sim = new Simulation();
    const raid = new RaidGroup(sim, [new SlowMember(sim)], { level: 0, chunkSectors: 1024 });
    const array = new StorageArray(sim, raid, {
      cacheBytes: 4 * 16 * 512,
      destageOutstanding: 1,
      destageMaxSectors: 16,
      destageHighWater: 0.9,
      destageLowWater: 0,
    });
    const done: number[] = [];
    const write = (id: number, lba: number, sectors: number) =>
      array.lun(0).submit({ id, vm: 0, lba, sectors, isRead: false, issueTime: sim.now }, { complete: () => done.push(id) });
    for (let k = 1; k <= 4; k++) write(k, k * 160, 16);
    write(5, 1600, 32); // two pages: waits until two destages have landed
    sim.run({ until: 1_500_000 }); // one destage has landed: one page of room, not two
    expect(done).toEqual([1, 2, 3, 4]);
    write(6, 3200, 16); // one page would fit now, but write 5 waits before it
    sim.run();
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("save refuses while a write waits for room, counting it once: one write waiting and one destage write out are 2 IOs", () => {
    // Two 16-sector pages: a 2-page write fills the cache and destages at once; the next write waits for room.
    const { sim, array } = build({ cacheBytes: 2 * 16 * 512, cachePageSectors: 16, destageHighWater: 0.9, destageLowWater: 0 });
    const lun = array.lun(0);
    lun.submit({ id: 1, vm: 0, lba: 0, sectors: 32, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run({ until: 1_000_000 });
    lun.submit({ id: 2, vm: 0, lba: 1000, sectors: 16, isRead: false, issueTime: sim.now }, { complete: () => {} });
    sim.run({ until: 2_000_000 });
    expect([array.inService, array.cache?.dirty, array.idle]).toEqual([1, 0, false]);
    expect(() => array.save()).toThrow(expect.objectContaining({ details: expect.objectContaining({ inFlight: 2 }) }));
    sim.run();
    expect(array.idle).toBe(true);
  });

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
