/**
 * How a RAID group is laid out (level and chunk), and the checks that refuse a layout or a member list it cannot
 * be built from: each refusal is one line naming the field, at construction.
 */
import { StorageErrors } from "../errors.js";
import type { BlockTarget } from "../iostack/target.js";
import { refuseUnknownOptions } from "../options-check.js";

/** RAID level of a `RaidGroup`: 0, 1, 5 or 10 (Linux md's near-2 layout). */
export type RaidLevel = 0 | 1 | 5 | 10;

/** How a `RaidGroup` lays data over its members: RAID level and stripe unit (chunk). */
export interface RaidOptions {
  level: RaidLevel;
  /** Stripe unit (chunk) per member, sectors. */
  chunkSectors: number;
}

/**
 * Refuses (`VMLAB_STORAGE_BAD_CONFIG`) a level, chunk or member list a `RaidGroup` cannot be built from; returns
 * the smallest member's capacity, sectors (every member contributes that much).
 */
export function checkRaidLayout(members: readonly BlockTarget[], options: RaidOptions): number {
  refuseUnknownOptions("raid", options, ["level", "chunkSectors"]);
  const n = members.length;
  const { level, chunkSectors } = options;
  // Any other value (6, the string "5" from a config file) was built as a RAID-10 without a word.
  if (level !== 0 && level !== 1 && level !== 5 && level !== 10)
    throw StorageErrors.badConfig("raid", `level must be 0, 1, 5 or 10 (a number), got ${JSON.stringify(level)}`);
  if (!Number.isInteger(chunkSectors) || chunkSectors < 1)
    throw StorageErrors.badConfig("raid", `chunkSectors must be a whole number of sectors >= 1, got ${chunkSectors}`);
  // RAID-10 is md's near-2 layout, which takes any number of members from 2 (odd ones too).
  const need = level === 0 ? 1 : level === 5 ? 3 : 2;
  if (n < need) throw StorageErrors.badConfig("raid", `RAID-${level} needs at least ${need} members, got ${n}`);
  // The same target twice (`Array(n).fill(disk)`) ran as if it were two: a mirror's copies, a stripe's chunks
  // (different addresses on the same sectors) or its parity and data on one disk — numbers of no array that exists.
  for (let i = 1; i < n; i++) {
    const first = members.indexOf(members[i]);
    if (first < i)
      throw StorageErrors.badConfig(
        "raid",
        `member ${i} is member ${first} again (the same target): each member must be a device of its own (build one per member, not Array(n).fill(disk))`,
      );
  }
  const memberCap = Math.min(...members.map((m) => m.capacitySectors));
  // A chunk past the smallest member left a striped group of 0 sectors, refused later (if at all) without naming the chunk.
  if (level !== 1 && memberCap < chunkSectors)
    throw StorageErrors.badConfig("raid", `chunk (${chunkSectors} sectors) must fit the smallest member (${memberCap} sectors)`);
  return memberCap;
}
