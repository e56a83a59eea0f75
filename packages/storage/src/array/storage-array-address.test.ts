import { Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";
import { hddRaid5Array } from "./hdd-raid5.js";
import { RaidGroup } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";
import { StorageArray } from "./storage-array.js";

/** A RAID-0 of `n` recording members of `memberSectors` each (chunk 1,024 sectors) behind an array with `pageSectors` pages. */
function wide(n: number, memberSectors: number, pageSectors = 16) {
  const sim = new Simulation();
  const members = Array.from({ length: n }, (_, i) => new RecordingMember(sim, memberSectors, `wide-m${i}`));
  const raid = new RaidGroup(sim, members, { level: 0, chunkSectors: 1024 });
  // Four pages; any dirty page is destaged at once, one page per destage write.
  const array = new StorageArray(sim, raid, {
    cacheBytes: 4 * pageSectors * 512,
    cachePageSectors: pageSectors,
    destageHighWater: 0.001,
    destageLowWater: 0,
    destageMaxSectors: pageSectors,
  });
  return { sim, members, array };
}

describe("array cache over LUNs of more than 2^31 cache pages", () => {
  it("the scenarios' largest array (64 disks, 8 KiB pages: 2.3 G pages) hits on its last pages once they are cached", () => {
    // esx-disk-perf's arrayDisks and the qos scenarios' disks go up to 64. Page numbers were kept as int32: from page
    // 2^31 on they wrapped negative, so a cached page was never found again (every re-read missed, each miss cached
    // another copy) and its destage went to a negative address.
    const sim = new Simulation();
    const { array } = hddRaid5Array(sim, { disks: 64 });
    const lun = array.lun(0);
    expect(lun.capacitySectors / 16).toBeGreaterThan(2 ** 31);
    const last = lun.capacitySectors - 1024;
    array.prewarm(0, last, 1024);
    lun.submit({ id: 1, vm: 0, lba: last, sectors: 1024, isRead: true, issueTime: 0 }, { complete: () => {} });
    sim.run();
    expect([array.readHits, array.readMisses]).toEqual([1, 0]);
  });

  it("a page past 2^31 is cached, re-read from the cache and destaged where it was written", () => {
    // 3 members of 2^34 sectors: 3 · 2^30 pages of 16 sectors.
    const { sim, members, array } = wide(3, 2 ** 34);
    const lun = array.lun(0);
    const page = 3 * 2 ** 30 - 5;
    const lba = page * 16;
    const io = (id: number, isRead: boolean) =>
      lun.submit({ id, vm: 0, lba, sectors: 16, isRead, issueTime: sim.now }, { complete: () => {} });
    io(1, false);
    sim.run();
    // RAID-0, 1,024-sector chunks over 3 members: the chunk's member and the place in it.
    const chunk = Math.floor(lba / 1024);
    const member = members[chunk % 3];
    expect(member.log).toEqual([{ lba: Math.floor(chunk / 3) * 1024 + (lba % 1024), sectors: 16, isRead: false }]);
    expect(array.destageWrites).toBe(1);
    io(2, true);
    sim.run();
    expect([array.readHits, array.readMisses, array.cache?.clean]).toEqual([1, 0, 1]);
    const other = lba - 64;
    lun.submit({ id: 3, vm: 0, lba: other, sectors: 16, isRead: true, issueTime: sim.now }, { complete: () => {} });
    sim.run();
    lun.submit({ id: 4, vm: 0, lba: other, sectors: 16, isRead: true, issueTime: sim.now }, { complete: () => {} });
    sim.run();
    expect([array.readHits, array.readMisses, array.cache?.clean]).toEqual([2, 1, 2]);
    // Saved (a page from 2^31 on is a negative int32 there) and restored, a directory holds the same pages.
    const cache = array.cache as CacheDirectory;
    const copy = new CacheDirectory(cache.capacityPages, 16, cache.addressPages);
    copy.restore(JSON.parse(JSON.stringify(cache.save())));
    expect([copy.readHit(lba, 16), copy.readHit(other, 16), copy.readHit(lba + 16, 16)]).toEqual([true, true, false]);
  });

  it("refuses LUNs of more cache pages than the directory numbers (2^32 − 1), naming cachePageSectors", () => {
    // 2^33 sectors in 1-sector pages: page numbers from 2^32 on would have wrapped onto the LUN's first pages.
    const err = thrownCode(() => wide(1, 2 ** 33, 1));
    expect(err).toBe("VMLAB_STORAGE_BAD_CONFIG");
    expect(() => wide(1, 2 ** 33, 1)).toThrow(/cachePageSectors/);
    // The same LUNs in 2-sector pages are 2^32 pages, still one too many; 4-sector pages fit.
    expect(() => wide(1, 2 ** 33, 2)).toThrow(/cachePageSectors/);
    expect(wide(1, 2 ** 33, 4).array.cache?.addressPages).toBe(2 ** 31);
  });
});
