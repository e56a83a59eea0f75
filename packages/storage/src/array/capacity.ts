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

/** Sectors of each of `luns` equal LUNs carved from `groupSectors`, whole cache pages of `pageSectors` each. */
export function lunSectors(groupSectors: number, luns: number, pageSectors: number): number {
  return Math.floor(groupSectors / luns / pageSectors) * pageSectors;
}
