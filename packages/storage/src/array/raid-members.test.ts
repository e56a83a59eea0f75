import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { hddRaid5Array, hddRaid5LunSectors } from "./hdd-raid5.js";
import { RaidGroup, type RaidLevel } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";

describe("RAID group members", () => {
  it("refuses a member listed twice (Array(n).fill(disk)): its copies or parity would share the data's disk", () => {
    const sim = new Simulation();
    const disk = new RecordingMember(sim, 1000, "twice");
    const other = new RecordingMember(sim, 1000, "other");
    for (const level of [0, 1, 5, 10] as RaidLevel[])
      expect(() => new RaidGroup(sim, [other, disk, disk], { level, chunkSectors: 8 })).toThrow(
        /^raid: member 2 is member 1 again \(the same target\): each member must be a device of its own/,
      );
    // What such a mirror did: a write landed twice on the one disk, and a read found "both copies" there.
    expect(() => new RaidGroup(sim, Array(2).fill(new Hdd(sim, undefined, "one")), { level: 1, chunkSectors: 8 })).toThrow(
      /member 1 is member 0 again/,
    );
  });

  it("hddRaid5Array and hddRaid5LunSectors refuse a disk count that is not a whole number >= 3, naming disks", () => {
    for (const disks of [3.5, 2, 2.9, Number.NaN]) {
      // 3.5 built 3 disks without a word; 2.9 said "RAID-5 needs at least 3 members, got 2".
      expect(() => hddRaid5Array(new Simulation(), { disks })).toThrow(
        /^raid: disks must be a whole number of disks >= 3 \(RAID-5\), got /,
      );
      expect(() => hddRaid5LunSectors({ disks })).toThrow(/^raid: disks must be a whole number of disks >= 3/);
    }
    expect(hddRaid5Array(new Simulation(), { disks: 3 }).disks.length).toBe(3);
  });
});
