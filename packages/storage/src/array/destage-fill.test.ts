import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { IometerWorkload } from "../workload/iometer.js";
import { hddRaid5Array } from "./hdd-raid5.js";
import { RaidGroup, type RaidLevel } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";
import { StorageArray } from "./storage-array.js";

/** An array of 4 recording members at `level`, 64 KiB chunks, 8 KiB cache pages, destaging at once (runs of `destageMaxSectors`). */
function array(level: RaidLevel, destageMaxSectors?: number, destageHighWater = 0.0001) {
  const sim = new Simulation();
  const members = Array.from({ length: 4 }, (_, i) => new RecordingMember(sim, 1 << 20, `m${i}`));
  const raid = new RaidGroup(sim, members, { level, chunkSectors: 128 });
  const arr = new StorageArray(sim, raid, {
    cacheBytes: 1 << 20,
    cachePageSectors: 16,
    destageHighWater,
    destageLowWater: 0,
    ...(destageMaxSectors === undefined ? {} : { destageMaxSectors }),
  });
  const write = (lba: number, sectors: number) => {
    arr.lun(0).submit({ id: lba, vm: 0, lba, sectors, isRead: false, issueTime: sim.now }, { complete: () => {} });
    sim.run();
  };
  const reads = () => members.flatMap((m) => m.log.filter((x) => x.isRead));
  return { sim, raid, arr, write, reads };
}

/**
 * A destage run whose pages the cache holds only in part reads what they lack, then writes them whole. On RAID-5 a
 * read-modify-write reads the old data of every sector it writes, the lacking ones among them: a fill read before
 * it read them twice (3 member reads for a 4 KiB write into an 8 KiB page), and sustained 4 KiB random writes ran
 * 18% below what the disks take once the cache was full.
 */
describe("a destage run's fill of the sectors its pages lack", () => {
  it("RAID-5 read-modify-write: its old-data read brings them in; no fill read goes before it (2 reads, 2 writes)", () => {
    const { raid, arr, write, reads } = array(5);
    write(8, 8); // 4 KiB: the second half of page 0
    expect([arr.destageWrites, arr.destageFillReads, raid.memberReads, raid.memberWrites]).toEqual([1, 0, 2, 2]);
    // The old data read is the whole page, the half the cache lacked included; and the old parity.
    expect(reads().map((r) => [r.lba, r.sectors])).toEqual([
      [0, 16],
      [0, 16],
    ]);
    // The page is whole once the write lands: an 8 KiB read of it is a hit.
    const before = arr.readHits;
    arr.lun(0).submit({ id: 99, vm: 0, lba: 0, sectors: 16, isRead: true, issueTime: 0 }, { complete: () => {} });
    expect(arr.readHits).toBe(before + 1);
  });

  it("a RAID-5 full-stripe write reads no old data: the fill read still goes first", () => {
    const { arr, write, reads } = array(5);
    // The whole stripe (3 data chunks of 64 KiB) but its first 4 KiB, which a later 4 KiB write of page 0 covers in part.
    write(8, 3 * 128 - 8);
    expect(arr.destageFillReads).toBe(1);
    expect(reads().map((r) => [r.lba, r.sectors])).toEqual([[0, 8]]);
  });

  it("a run over two stripes: no fill read only if every stripe holding the lacking sectors goes read-modify-write", () => {
    // Runs of two stripes (768 sectors: 48 pages); destage starts past 19% of the cache's 128 pages, so only once the
    // second write is in (24 pages, then 25): the two stripes' pages go as one run.
    const lun = (a: ReturnType<typeof array>, writes: [number, number][]) => {
      for (const [lba, sectors] of writes)
        a.arr.lun(0).submit({ id: lba, vm: 0, lba, sectors, isRead: false, issueTime: 0 }, { complete: () => {} });
      a.sim.run();
      return a;
    };
    // Stripe 0 whole, stripe 1 a 4 KiB write into its first page: only stripe 1 lacks sectors, and it goes read-modify-write.
    const rmwOnly = lun(array(5, 768, 0.19), [
      [0, 384],
      [392, 8],
    ]);
    expect([rmwOnly.arr.destageWrites, rmwOnly.arr.destageFillReads, rmwOnly.raid.memberReads]).toEqual([1, 0, 2]);
    // Stripe 0 lacking its first 8 sectors (a full-stripe write: no old data read), stripe 1 read-modify-write: the fill goes.
    const fullStripe = lun(array(5, 768, 0.19), [
      [8, 376],
      [384, 16],
    ]);
    expect([fullStripe.arr.destageWrites, fullStripe.arr.destageFillReads]).toEqual([1, 1]);
    expect(fullStripe.reads().map((r) => [r.lba, r.sectors])[0]).toEqual([0, 8]);
  });

  it.each([0, 1, 10] as const)("RAID-%s writes read nothing: the fill read still goes first", (level) => {
    const { raid, arr, write } = array(level);
    write(8, 8);
    expect([arr.destageFillReads, raid.memberReads]).toEqual([1, 1]);
  });

  it("once the cache is full, sustained 4 KiB random writes run at the disks' rate, as 8 KiB (whole-page) writes do", () => {
    // 8 Cheetahs in RAID-5 behind a 32 MiB cache, random writes over 16 GiB, measured from 5 to 15 s (the cache full).
    const rate = (ioSizeBytes: number) => {
      const sim = new Simulation();
      const { array } = hddRaid5Array(sim, { disks: 8, array: { cacheBytes: 32 * 2 ** 20 } });
      // Aligned to their size: a 4 KiB write is half of one page (the case the fill skip is for), never across two.
      const w = new IometerWorkload({
        ioSizeBytes,
        readPercent: 0,
        randomPercent: 100,
        outstandingIos: 64,
        regionSectors: 2 ** 25,
        alignmentBytes: ioSizeBytes,
      });
      w.start({ sim, target: array.lun(0), rng: new RngStreams(5).get("w"), vm: 0 });
      sim.run({ until: 5e9 });
      const [c0, r0] = [w.stats.completed, array.raid.memberReads];
      sim.run({ until: 15e9 });
      const ios = w.stats.completed - c0;
      return { iops: ios / 10, readsPerWrite: (array.raid.memberReads - r0) / ios };
    };
    const [small, whole] = [rate(4096), rate(8192)];
    // Measured: 1,393 and 1,397 IOPS, 1.99 member reads per write each (with the fill read: 1,168 and 2.98).
    expect(small.readsPerWrite).toBeLessThan(2.1);
    expect(small.iops / whole.iops).toBeGreaterThan(0.95);
  });
});
