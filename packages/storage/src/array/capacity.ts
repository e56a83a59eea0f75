import type { RaidLevel } from "./raid.js";

/**
 * The arrays' capacity rules, apart from the models that follow them: `RaidGroup` and `StorageArray` size
 * themselves with these, and a scenario's help text states its storage's capacity with them without building
 * the drives (or allocating an array cache) to ask.
 */

/** Members whose chunks hold data in a row (the rest hold parity or copies). */
export function raidDataMembers(level: RaidLevel, members: number): number {
  return level === 0 ? members : level === 1 ? 1 : level === 5 ? members - 1 : members / 2;
}

/** Sectors of a RAID group of `members` drives of `memberSectors` (the smallest member's) at `chunkSectors` per chunk. */
export function raidCapacitySectors(level: RaidLevel, members: number, memberSectors: number, chunkSectors: number): number {
  if (level === 1) return memberSectors;
  const rows = Math.floor(memberSectors / chunkSectors);
  // RAID-10: md's raid10_size, floor(N × member chunks / 2) chunks (over an even N, rows × N/2 chunks).
  if (level === 10) return Math.floor((members * rows) / 2) * chunkSectors;
  return rows * chunkSectors * raidDataMembers(level, members);
}

/**
 * Data sectors in one stripe of a RAID group (`RaidGroup.stripeSectors`): a chunk on every data member; for a
 * RAID-10 over an odd N, whose rows end halfway through a chunk, two rows (N chunks).
 */
export function raidStripeSectors(level: RaidLevel, members: number, chunkSectors: number): number {
  return level === 10 && members % 2 !== 0 ? chunkSectors * members : chunkSectors * raidDataMembers(level, members);
}

/** The fewest sectors that are whole stripes of `stripeSectors` and whole cache pages of `pageSectors`: their lcm. */
export function stripePageUnit(stripeSectors: number, pageSectors: number): number {
  let a = stripeSectors;
  let b = pageSectors;
  while (b !== 0) [a, b] = [b, a % b];
  return (stripeSectors / a) * pageSectors;
}

/**
 * Sectors of each of `luns` equal LUNs carved one after another from `groupSectors` (stripes of
 * `stripeSectors`), whole cache pages of `pageSectors` each. With more than one LUN each is also whole
 * stripes, so every LUN starts on a stripe boundary as LUN 0 does, as arrays bind LUNs: an IO falls at the
 * same place in its stripe whichever LUN it is sent to — cut at pages alone, a LUN could start mid-chunk
 * (its aligned IOs split over two members) or mid-stripe (its full-stripe writes became read-modify-writes).
 */
export function lunSectors(groupSectors: number, luns: number, pageSectors: number, stripeSectors: number): number {
  const unit = luns === 1 ? pageSectors : stripePageUnit(stripeSectors, pageSectors);
  return Math.floor(groupSectors / luns / unit) * unit;
}
