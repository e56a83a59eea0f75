import { Simulation } from "@vmlab/core-vm";
import { expect } from "vitest";
import { RaidGroup } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";

/** A member IO as the RAID-5 write tests compare it: [lba, sectors, read?, time issued (ns)]. */
export type MemberIo = readonly [number, number, boolean, number];

/**
 * One write of [lba, +sectors) to a RAID-5 group of `n` recording members (100,000 sectors each) with `chunk`-sector
 * chunks, run to completion (checked: it completes once and the group's pool drains): per member, its IOs, and the
 * group's member read and write counts. Test support only (not published: package.json `files`).
 */
export function raid5Write(n: number, chunk: number, lba: number, sectors: number) {
  const sim = new Simulation();
  const members = Array.from({ length: n }, (_, i) => new RecordingMember(sim, 100_000, String(i)));
  const raid = new RaidGroup(sim, members, { level: 5, chunkSectors: chunk });
  let done = 0;
  raid.submit({ id: 1, vm: 0, lba, sectors, isRead: false, issueTime: 0 }, { complete: () => done++ });
  sim.run();
  expect(done).toBe(1);
  expect((raid as unknown as { pool: { inUse: number } }).pool.inUse).toBe(0);
  const ios = members.map((m) => m.log.map((x, i): MemberIo => [x.lba, x.sectors, x.isRead, m.times[i]]));
  return { ios, reads: raid.memberReads, writes: raid.memberWrites };
}

/**
 * A member's IOs in a partial-stripe write: [lba, +sectors) read at 0, then [writeLba, +writeSectors) written when
 * the reads are in (1 µs) — the same sectors in a read-modify-write, others in a reconstruct-write (the rows read
 * are those it does not write).
 */
export function readThenWrite(lba: number, sectors: number, writeLba = lba, writeSectors = sectors): MemberIo[] {
  return [
    [lba, sectors, true, 0],
    [writeLba, writeSectors, false, 1000],
  ];
}
