import { Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { int32ToBase64 } from "../devices/typed-b64.js";
import { RaidGroup } from "./raid.js";
import { StorageArray } from "./storage-array.js";
import { build, drive } from "./storage-array.test-support.js";

describe("array controller: save, restore and prewarm", () => {
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
});
