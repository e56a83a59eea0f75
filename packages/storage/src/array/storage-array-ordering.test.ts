import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { runMeasured } from "../workload/measure.js";
import { RaidGroup } from "./raid.js";
import { StorageArray } from "./storage-array.js";
import { arrayOverReorderingMember, build, drive, SlowMember } from "./storage-array.test-support.js";

describe("array controller: a full cache, and writes through it in order with destages", () => {
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
  function orderingArray(latencyNs: (req: IoRequest) => number, writeBack = true) {
    const { sim, log, array } = arrayOverReorderingMember(
      latencyNs,
      { cacheBytes: 64 * 1024, destageMaxSectors: 16, destageHighWater: 0.001, destageLowWater: 0, writeBack },
      1024,
      (req) => (req.isRead ? null : `${req.lba}+${req.sectors}`),
    );
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

  it("a write-through never overtakes an older write-through of its sectors that waits for a destage", () => {
    // Small commands are slow (5 ms), large ones quick (1 ms), as above.
    const { sim, log, done, submit } = orderingArray((req) => (req.sectors <= 16 ? 5_000_000 : 1_000_000));
    submit(1, 16, 16); // page 1, absorbed, destaged at once
    submit(2, 0, 256); // written through: waits for page 1's destage to land
    submit(3, 128, 256); // written through, newer, over the second half of write 2 but not page 1: it waits for write 2
    sim.run();
    expect(done.sort()).toEqual(["done 1", "done 2", "done 3"]);
    // Sent at once, write 3 landed at 1 ms and write 2 after it: the disk ended with the older data for sectors 128-255.
    expect(log).toEqual(["issued 16+16", "landed 16+16", "issued 0+256", "landed 0+256", "issued 128+256", "landed 128+256"]);
  });

  it("a completed write a write-through covers stays readable from the cache until the write-through lands", () => {
    // One member: reads 10 us, writes 20 ms. Sixteen 8 KiB pages; one destage out at a time, at once.
    const { sim, log, array } = arrayOverReorderingMember(
      (req) => (req.isRead ? 10_000 : 20_000_000),
      { cacheBytes: 16 * 16 * 512, destageOutstanding: 1, destageHighWater: 0.001, destageLowWater: 0 },
      128,
    );
    const done: number[] = [];
    const submit = (id: number, lba: number, sectors: number, isRead: boolean) =>
      array.lun(0).submit({ id, vm: 0, lba, sectors, isRead, issueTime: sim.now }, { complete: () => void done.push(id) });
    submit(1, 1024, 16, false); // page 64: absorbed, out for destage at once (20 ms)
    sim.run({ until: 100_000 });
    submit(2, 1008, 16, false); // page 63: absorbed, dirty
    sim.run({ until: 1_000_000 });
    expect(done).toEqual([1, 2]);
    submit(3, 1008, 512, false); // 32 pages, more than the cache: written through, held until page 64's destage lands
    sim.run({ until: 2_000_000 });
    submit(4, 100_000, 256, true); // 16 pages read in: a fill that takes every evictable page
    sim.run({ until: 3_000_000 });
    const hits = array.readHits;
    submit(5, 1008, 16, true); // write 2's sectors: write 3 is not on the disks yet, so the disks hold older data
    sim.run();
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
    // Page 63 turned clean under write 3 and the fill evicted it: the read went to the disks and read data older
    // than write 2, which had completed. Held until write 3 landed, it is served from the cache.
    expect(array.readHits - hits).toBe(1);
    expect(log).not.toContain("issued read 1008+16");
    expect(array.idle).toBe(true);
  });

  it("a write-through array sends a write of sectors an older write is still writing only once that one has landed", () => {
    // Small commands are slow (5 ms), large ones quick (1 ms): the newer, larger write would land first.
    const { sim, array, log, done, submit } = orderingArray((req) => (req.sectors <= 16 ? 5_000_000 : 1_000_000), false);
    array.prewarm(0, 0, 48); // pages 0-2 cached: each write's data goes into them as it goes through
    submit(1, 16, 16);
    submit(2, 8, 40); // newer, over all of write 1
    sim.run();
    expect(done.sort()).toEqual(["done 1", "done 2"]);
    // The cache took write 2's data last and holds it clean, so the disk must land it last too: sent at once, it
    // landed first, and the disk kept write 1's sectors 16-31 under a clean cached copy of write 2's.
    expect(log).toEqual(["issued 16+16", "landed 16+16", "issued 8+40", "landed 8+40"]);
    const cache = array.cache as NonNullable<typeof array.cache>;
    expect([cache.readHit(16, 16), cache.dirty, array.idle]).toEqual([true, 0, true]);
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
      const { sim, log, array } = arrayOverReorderingMember((req) => req.sectors * (req.isRead ? 400_000 : 20_000), {
        cacheBytes: 64 * 1024,
        writeBack,
      });
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
      const { sim, log, array } = arrayOverReorderingMember((req) => (!req.isRead ? 4_000_000 : req.lba === 0 ? 10_000_000 : 1_000_000), {
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
    const { sim, array } = arrayOverReorderingMember(
      (req) => (req.isRead && req.lba === 1000 ? 100_000_000 : 1_000_000),
      { cacheBytes: 1 << 20, writeBack: false },
      1024,
      () => null,
    );
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
});
