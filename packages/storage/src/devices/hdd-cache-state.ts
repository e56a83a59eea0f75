/**
 * A drive cache's saved state (`HddCache.save`, `HddCache.restore`): its schema and the checks a restore makes of an
 * untrusted state against the cache and the disk it restores into.
 */
import { describeIssues } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import type { HddGeometry } from "./hdd-geometry.js";

const num = z.number().nonnegative();
/** A sector number (LBA or end of a range). */
const lba = z.number().int().nonnegative();
/** A virtual time (ns) the simulation can still schedule at (within 2^53 ns). */
const time = num.max(Number.MAX_SAFE_INTEGER);

/** The drive cache's saved state: segments, LRU clock, the read-ahead stream. */
export const HddCacheStateSchema = z.object({
  version: z.literal(1),
  segStart: z.array(lba),
  segEnd: z.array(lba),
  segUse: z.array(num),
  useClock: num,
  ra: z.number().int().min(-1),
  raBaseLba: lba,
  /** Before 0 in a drive's state, where it counts from the save's revolution (`HddState.cacheTimesFromRevolution`). */
  raBaseTime: z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  raSectorNs: num,
  raLimit: lba,
  raPromised: lba,
  raBound: lba,
  freeAt: time,
  hits: num,
  misses: num,
});
/** An `HddCache`'s saved state: segments, their contents and the stream detector. */
export type HddCacheState = z.infer<typeof HddCacheStateSchema>;

/**
 * Checks a saved cache state (untrusted) against a cache of `slots` segment slots (one in a cache with no segments) on a
 * disk of `drive`'s zones and `capacitySectors`, and returns it parsed; throws, naming what is wrong, if it is invalid. A running read-ahead must be
 * one the drive can run: it reads on from the end of a read at its zone's sector time up to the end of that zone (or
 * the disk), and has promised and planned no further. (A stream at another rate, or past the disk, was accepted: a read
 * then waited hours for it.) The state returned has the stream's base time in this simulation (`baseTime` if given).
 */
export function checkHddCacheState(
  state: unknown,
  slots: number,
  drive: HddGeometry,
  capacitySectors: number,
  /** The stream's base time in this simulation, when the state's counts from the save's revolution (`HddState.cacheTimesFromRevolution`). */
  baseTime?: number,
): HddCacheState {
  const bad = (issue: string) => StorageErrors.badState("hdd cache", issue);
  const p = HddCacheStateSchema.safeParse(state);
  if (!p.success) throw bad(describeIssues(p.error));
  const s = p.data;
  if (s.segStart.length !== slots || s.segEnd.length !== slots || s.segUse.length !== slots || s.ra >= slots)
    throw bad(`expected ${slots} segments`);
  for (let i = 0; i < slots; i++) {
    // The stream's segment ends at its base until the head stops (`stopReadAhead`), while its start slides on with the
    // window: past the base once the stream has read more than its reach. Checked below, against what it promised
    // (a disk saved during a sequential stream longer than half the cache could not be restored).
    if (s.segEnd[i] < s.segStart[i] && i !== s.ra) throw bad(`segment ${i} ends before it starts`);
    if (s.segEnd[i] > capacitySectors) throw bad(`segment ${i} ends at sector ${s.segEnd[i]}, past the disk's ${capacitySectors}`);
  }
  if (s.ra >= 0) {
    if (!(s.raBaseLba >= 1 && s.raBaseLba <= s.raPromised && s.raPromised <= s.raLimit && s.raLimit <= s.raBound))
      throw bad(
        `the read-ahead's sectors are out of order: it starts at ${s.raBaseLba}, promised ${s.raPromised}, plans ${s.raLimit}, stops at ${s.raBound}`,
      );
    // The stream's segment ends where the read before it did and holds nothing past what it promised:
    // another segment named as the stream's was accepted, and stopping the stream then ended that segment before its start.
    if (s.segEnd[s.ra] !== s.raBaseLba || s.segStart[s.ra] > s.raPromised)
      throw bad(
        `the read-ahead's segment ${s.ra} holds [${s.segStart[s.ra]}, ${s.segEnd[s.ra]}), not the sectors before its stream from ${s.raBaseLba}`,
      );
    const zone = drive.zoneOf(s.raBaseLba - 1);
    const bound = Math.min(capacitySectors, drive.zoneLba[zone + 1]);
    if (s.raBound !== bound || s.raSectorNs !== drive.zoneSectorNs[zone])
      throw bad(
        `the read-ahead from sector ${s.raBaseLba} runs at ${s.raSectorNs} ns a sector up to ${s.raBound}; this disk's zone ${zone} reads at ${drive.zoneSectorNs[zone]} ns up to ${bound}`,
      );
  }
  const raBaseTime = baseTime ?? s.raBaseTime;
  if (!(raBaseTime <= Number.MAX_SAFE_INTEGER))
    throw bad(`the read-ahead's base time ${s.raBaseTime} ns from the save is past the simulation's 2^53 ns`);
  s.raBaseTime = raBaseTime;
  return s;
}
