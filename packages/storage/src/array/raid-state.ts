/**
 * A RAID group's saved state (`RaidGroup.save`, `RaidGroup.restore`): its schema, the members' saved states a save
 * collects, and the checks a restore makes of an untrusted state against the group it restores into.
 */
import { describeIssues, isVmlabError } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { type BlockTarget, isSavable } from "../iostack/target.js";
import type { RaidLevel } from "./raid-options.js";

/** A RAID group's saved state: its counters and each member's own state. */
export const RaidGroupStateSchema = z.object({
  version: z.literal(1),
  level: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(10)]),
  /**
   * The stripe unit (chunk) per member, sectors: another chunk maps every LBA to other member sectors, so a
   * state restores only into a group with the same one (RAID-1 does not stripe: into a mirror of any chunk size).
   * Absent in states saved before it was recorded: those restore into a group of any chunk size, unchecked, as
   * they always did (nothing in them says which it was).
   */
  chunkSectors: z.number().int().positive().optional(),
  memberReads: z.number().int().nonnegative(),
  memberWrites: z.number().int().nonnegative(),
  members: z.array(z.unknown()),
  /**
   * Where mirrored reads go next (`RaidGroup.readCopy`), per member: the sector after the last IO it
   * completed (its head) and after the last read sent to it. Absent (saved before they were kept): all 0,
   * as in a new group.
   */
  readBalance: z
    .object({
      headSectors: z.array(z.number().int().nonnegative()),
      nextReadSectors: z.array(z.number().int().nonnegative()),
    })
    .optional(),
});
/** A `RaidGroup`'s saved state: level, chunk and counters (the members save their own). */
export type RaidGroupState = z.infer<typeof RaidGroupStateSchema>;

/** Each member's saved state, for `RaidGroup.save`; every member must save itself. */
export function savedMembers(members: readonly BlockTarget[]): unknown[] {
  // Every member is asked: a refusal for data in write caches reports what all of them hold (a mirror's
  // copies each wait to be written), not the first member's share; any other refusal goes on as it is.
  let dirty = 0;
  const states = members.map((m, i) => {
    if (!isSavable(m)) throw StorageErrors.notSavable("raid group", `member ${i} has no saved form`);
    try {
      return m.save();
    } catch (e) {
      const d = isVmlabError(e) && e.code === "VMLAB_STORAGE_NOT_QUIESCENT" && e.details.inFlight === 0 ? e.details.dirtySectors : 0;
      if (typeof d !== "number" || !(d > 0)) throw e;
      dirty += d;
      return null;
    }
  });
  if (dirty > 0) throw StorageErrors.dirtyWriteCache("raid group", dirty);
  return states;
}

/**
 * A saved state checked against the group it restores into (`RaidGroup.restore`): its level, member count,
 * chunk and read-balance positions must be the group's; the members' own states are checked by the members.
 */
export function checkRaidGroupState(state: unknown, level: RaidLevel, chunk: number, members: readonly BlockTarget[]): RaidGroupState {
  const n = members.length;
  const p = RaidGroupStateSchema.safeParse(state);
  if (!p.success) throw StorageErrors.badState("raid group", describeIssues(p.error));
  const s = p.data;
  if (s.level !== level || s.members.length !== n)
    throw StorageErrors.badState(
      "raid group",
      `saved from RAID-${s.level} over ${s.members.length} members, this is RAID-${level} over ${n}`,
    );
  // A RAID-1 mirror does not stripe: every LBA is the same sector of each copy, whatever the chunk size.
  if (level !== 1 && s.chunkSectors !== undefined && s.chunkSectors !== chunk)
    throw StorageErrors.badState(
      "raid group",
      `saved from a group with ${s.chunkSectors}-sector chunks, this one has ${chunk}-sector chunks (every LBA would map to other member sectors); build the group with chunkSectors: ${s.chunkSectors}`,
    );
  const rb = s.readBalance;
  if (rb !== undefined)
    for (const [field, at] of [
      ["headSectors", rb.headSectors],
      ["nextReadSectors", rb.nextReadSectors],
    ] as const) {
      if (at.length !== n)
        throw StorageErrors.badState("raid group", `readBalance.${field} has ${at.length} entries, the group has ${n} members`);
      for (let i = 0; i < n; i++)
        if (at[i] > members[i].capacitySectors)
          throw StorageErrors.badState(
            "raid group",
            `readBalance.${field}[${i}] = ${at[i]} is past the end of member ${i} (${members[i].capacitySectors} sectors)`,
          );
    }
  return s;
}
