import { Simulation } from "@vmlab/core-vm";
import { RaidGroup, type RaidLevel } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";

/** A RAID group of `n` recording members (`memberCap` sectors each). */
export function group(level: RaidLevel, n: number, chunk = 16, memberCap = 100_000) {
  const sim = new Simulation();
  const members = Array.from({ length: n }, (_, i) => new RecordingMember(sim, memberCap, String(i)));
  const raid = new RaidGroup(sim, members, { level, chunkSectors: chunk });
  return { sim, members, raid };
}

/** One IO to a fresh group: how often it completed and the members' reads and writes. */
export function one(level: RaidLevel, n: number, lba: number, sectors: number, isRead: boolean) {
  const g = group(level, n);
  let done = 0;
  g.raid.submit({ id: 1, vm: 0, lba, sectors, isRead, issueTime: 0 }, { complete: () => done++ });
  g.sim.run();
  const all = g.members.flatMap((m) => m.log);
  return { done, reads: all.filter((x) => x.isRead), writes: all.filter((x) => !x.isRead), g };
}
