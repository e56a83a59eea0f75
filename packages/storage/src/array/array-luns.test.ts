import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import { hddRaid5LunSectors } from "./hdd-raid5.js";
import { RaidGroup, type RaidLevel } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";
import { StorageArray } from "./storage-array.js";

/** An array of `luns` LUNs with no cache (every IO reaches the RAID group) over recording members. */
function carve(level: RaidLevel, n: number, chunk: number, memberCap: number, luns: number) {
  const sim = new Simulation();
  const members = Array.from({ length: n }, (_, i) => new RecordingMember(sim, memberCap, `lun-m${i}`));
  const raid = new RaidGroup(sim, members, { level, chunkSectors: chunk });
  const array = new StorageArray(sim, raid, { luns, cacheBytes: 0 });
  return { sim, members, raid, array };
}

describe("LUNs carved from a RAID group", () => {
  it("every LUN starts on a stripe boundary: a stripe-aligned full-stripe write to any LUN is a full-stripe write (no member reads)", () => {
    // RAID-5 over 5 members of 1,000 sectors, 16-sector chunks: 62 stripes of 64 sectors (3,968), in 3 LUNs.
    // Cut only to whole 16-sector pages, each LUN was 1,312 sectors and LUN 1 began 32 sectors into stripe 20.
    const g = carve(5, 5, 16, 1000, 3);
    const stripe = g.raid.stripeSectors;
    expect(stripe).toBe(64);
    const memberReads = [0, 1, 2].map((lun) => {
      const before = g.raid.memberReads;
      g.array.lun(lun).submit({ id: lun, vm: 0, lba: 0, sectors: stripe, isRead: false, issueTime: g.sim.now }, { complete: () => {} });
      g.sim.run();
      return g.raid.memberReads - before;
    });
    expect(memberReads).toEqual([0, 0, 0]);
    expect([0, 1, 2].map((l) => g.array.lun(l).offsetSectors % stripe)).toEqual([0, 0, 0]);
    // 3,968 / 3 is 1,322.7 sectors: 20 whole stripes each, and the LUNs stay equal and inside the group.
    expect([0, 1, 2].map((l) => g.array.lun(l).capacitySectors)).toEqual([1280, 1280, 1280]);
  });

  it("an odd RAID-10's LUNs start on its two-row stripes; one LUN keeps the whole group in pages, as before", () => {
    const g = carve(10, 3, 16, 1000, 2);
    expect(g.raid.stripeSectors).toBe(48);
    expect(g.array.lun(1).offsetSectors % 48).toBe(0);
    // One LUN starts at 0 whatever its size: still every whole page of the group (1,488 sectors: 93 chunks).
    expect(carve(10, 3, 16, 1000, 1).array.lun(0).capacitySectors).toBe(1488);
  });

  it("hddRaid5LunSectors states the LUN size the array builds, for several LUNs too", () => {
    const sim = new Simulation();
    for (const luns of [1, 3, 7]) {
      const opts = { disks: 5, array: { luns, cacheBytes: 0 } };
      const raid = new RaidGroup(
        sim,
        Array.from({ length: 5 }, () => ({ capacitySectors: CHEETAH_15K5.capacitySectors, submit: () => {} })),
        { level: 5, chunkSectors: 128 },
      );
      expect(hddRaid5LunSectors(opts)).toBe(new StorageArray(sim, raid, opts.array).lun(0).capacitySectors);
    }
  });
});
