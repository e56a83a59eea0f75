/**
 * A disk's saved state (`Hdd.save`, `Hdd.restore`): its schema, the record a save builds, the checks a restore makes
 * of an untrusted state against the drive it restores into, and the read-ahead stream's times counted from the
 * platter's revolution.
 */
import { describeIssues, plural } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import type { Hdd } from "./hdd.js";
import type { HddCache } from "./hdd-cache.js";
import { type HddCacheState, HddCacheStateSchema } from "./hdd-cache-state.js";
import type { HddGeometry } from "./hdd-geometry.js";
import type { HddSpec } from "./hdd-spec.js";

/** A disk's saved state (taken when no command is queued or in service). */
export const HddStateSchema = z.object({
  version: z.literal(1),
  model: z.string(),
  /**
   * The drive's spec but its model, as JSON holds it (an infinite `maxCommandAgeNs` is null). A state restores only
   * into a drive of the same spec: one of a variant built as `{ ...CHEETAH_15K5, cacheSegments: 32 }` (the same model
   * name) was refused for a wrong cause, its write cache, or restored without a word. Absent in states saved before.
   */
  spec: z.record(z.string(), z.unknown()).optional(),
  headCylinder: z.number().int().nonnegative(),
  /**
   * The sector after the last one the head transferred, on `headCylinder` (a command starting there continues the
   * transfer: no seek). Absent before the head transferred any, and in states saved before it was recorded.
   */
  headLba: z.number().int().positive().optional(),
  cache: HddCacheStateSchema,
  mediaOps: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  busyNs: z.number().nonnegative(),
  /** `writesBuffered`; absent when 0 (a disk with its write cache off saves what it always saved). */
  writesBuffered: z.number().int().nonnegative().optional(),
  /** `readsFromBuffer`; absent when 0. */
  readsFromBuffer: z.number().int().nonnegative().optional(),
  /** `flushes`; absent when 0. */
  flushes: z.number().int().nonnegative().optional(),
  /**
   * How far past the save time the interface and the controller were still busy (ns; absent when 0). Saved idle,
   * this is what rounding left: completions fall on whole ns, up to half a ns before a fractional transfer end.
   */
  busAheadNs: z.number().nonnegative().lt(1).optional(),
  controllerAheadNs: z.number().nonnegative().lt(1).optional(),
  /**
   * The read-ahead stream's base time (`cache.raBaseTime`) counts from the start of the platter's revolution the save
   * fell in (the save time less the platter's phase then, whole ns), and restores counting from the start of the
   * restore's: the state restores into a simulation at any time with the stream where it was relative to the clock
   * (its base is then usually before the save: negative) and in step with the platter (whose angle is a function of
   * the clock), its head over the sector the platter has under it. Restored at another angle, the drive is as it was
   * less than a revolution before or after the save (its head that much behind or ahead in the stream). Absent in
   * states saved before: their cache times are the saving simulation's, and restore as they are.
   */
  cacheTimesFromRevolution: z.literal(true).optional(),
  /**
   * The fraction of a ns of the read-ahead's base time (absent when 0): `cache.raBaseTime` counts whole ns from the
   * start of the save's revolution, so a drive restored at the time it was saved has its stream exactly where it was.
   */
  raBaseFractionNs: z.number().nonnegative().lt(1).optional(),
});
/** An `Hdd`'s saved state (when idle): its model, head position, drive cache and counters. */
export type HddState = z.infer<typeof HddStateSchema>;

/**
 * The state `Hdd.save` returns: the drive's counters, its head cylinder, its cache's state (`cache`, the read-ahead's
 * base in the simulation's time), the start of the platter's revolution at the save (`revolution`,
 * `revolutionStart`) and how far past the save the interface and the controller were busy.
 */
export function savedHddState(
  drive: Pick<Hdd, "spec" | "mediaOps" | "completed" | "busyNs" | "writesBuffered" | "readsFromBuffer" | "flushes">,
  headCylinder: number,
  headLba: number,
  cache: HddCacheState,
  revolution: number,
  busAhead: number,
  controllerAhead: number,
): HddState {
  // Whole ns from the save's revolution and the fraction apart: `base - now` rounds (to 2^-21 ns 3 s in), and the
  // stream of a drive restored at the save time was then that much off.
  const base = Math.floor(cache.raBaseTime);
  const baseFraction = cache.raBaseTime - base;
  return {
    version: 1,
    model: drive.spec.model,
    spec: specFields(drive.spec),
    headCylinder,
    ...(headLba > 0 ? { headLba } : {}),
    cache: { ...cache, raBaseTime: base - revolution },
    cacheTimesFromRevolution: true,
    ...(baseFraction > 0 ? { raBaseFractionNs: baseFraction } : {}),
    mediaOps: drive.mediaOps,
    completed: drive.completed,
    busyNs: drive.busyNs,
    ...(drive.writesBuffered > 0 ? { writesBuffered: drive.writesBuffered } : {}),
    ...(drive.readsFromBuffer > 0 ? { readsFromBuffer: drive.readsFromBuffer } : {}),
    ...(drive.flushes > 0 ? { flushes: drive.flushes } : {}),
    ...(busAhead > 0 ? { busAheadNs: busAhead } : {}),
    ...(controllerAhead > 0 ? { controllerAheadNs: controllerAhead } : {}),
  };
}

/**
 * Checks a saved state (untrusted) against the drive it restores into (same drive model, cylinder in range, write-cache
 * counters only into a drive with its write cache on: `writeCacheSectors` > 0, the read cache's segments as this drive
 * shares its cache) and returns it parsed; throws, naming what differs, if it is invalid.
 */
export function checkHddState(state: unknown, spec: HddSpec, g: HddGeometry, cache: HddCache, writeCacheSectors: number): HddState {
  const p = HddStateSchema.safeParse(state);
  if (!p.success) throw StorageErrors.badState("hdd", describeIssues(p.error));
  const s = p.data;
  if (s.model !== spec.model) throw StorageErrors.badState("hdd", `saved from a "${s.model}", this disk is a "${spec.model}"`);
  if (s.spec !== undefined) {
    const mine = specFields(spec);
    const keys = [...new Set([...Object.keys(s.spec), ...Object.keys(mine)])];
    const differ = keys.filter((k) => canonical(s.spec?.[k]) !== canonical(mine[k]));
    if (differ.length > 0)
      throw StorageErrors.badState(
        "hdd",
        `saved from a "${s.model}" of another spec (${differ
          .map((k) => `${k} ${JSON.stringify(s.spec?.[k]) ?? "absent"}, this one's ${JSON.stringify(mine[k]) ?? "absent"}`)
          .join("; ")}); build it with the spec it was saved from`,
      );
  }
  if (s.headCylinder >= g.cylinders) throw StorageErrors.badState("hdd", `head cylinder ${s.headCylinder} is past the last cylinder`);
  if (s.headLba !== undefined) {
    const last = s.headLba - 1;
    if (!(s.headLba <= spec.capacitySectors && g.cylinderOf(last, g.zoneOf(last)) === s.headCylinder))
      throw StorageErrors.badState("hdd", `headLba ${s.headLba} does not follow a sector on head cylinder ${s.headCylinder} of this disk`);
  }
  // Only a write cache buffers writes or serves reads from written data (a flush is taken either way).
  if (writeCacheSectors === 0 && (s.writesBuffered || s.readsFromBuffer))
    throw StorageErrors.badState(
      "hdd",
      `saved from a drive with its write cache on (writesBuffered ${s.writesBuffered ?? 0}, readsFromBuffer ${s.readsFromBuffer ?? 0}), this one has it off; build it with writeCache: true`,
    );
  // Buffered writes and reads from the buffer are completed commands, and a read is served from written data only once a
  // write was buffered: counters otherwise (a hand-edited or corrupt state) were restored, and reported, as they were.
  const wrote = s.writesBuffered ?? 0;
  const readBack = s.readsFromBuffer ?? 0;
  if (wrote + readBack > s.completed)
    throw StorageErrors.badState(
      "hdd",
      `writesBuffered (${wrote}) and readsFromBuffer (${readBack}) count more commands than completed (${s.completed})`,
    );
  if (readBack > 0 && wrote === 0)
    throw StorageErrors.badState("hdd", `readsFromBuffer (${readBack}) with no write buffered: a read is served from written data only`);
  // A write cache takes whole segments of the drive's cache: a state from a drive built otherwise (or saved by a
  // version whose write-cached drive kept its read cache whole) was refused as "expected 8 segments", naming no cause.
  const total = spec.cacheSegments;
  const segs = cache.segments;
  const savedSegs = s.cache.segStart.length;
  if (segs >= 1 && savedSegs !== segs && savedSegs >= 1 && savedSegs <= total) {
    const build =
      savedSegs === total
        ? "with its write cache off (writeCache: false); a write-cached drive's state saved by an older vmlab, whose read cache kept all its segments, cannot be restored: warm the drive up again"
        : `with writeCache: true and writeCacheSectors: ${(total - savedSegs) * cache.segmentSectors} (leaving ${plural(savedSegs, "segment")})`;
    throw StorageErrors.badState(
      "hdd",
      `saved from a drive whose read cache has ${savedSegs} of the drive's ${total} cache segments, this one expected ${plural(segs, "segment")} (${writeCacheSectors > 0 ? `its ${writeCacheSectors}-sector write cache takes the others` : "its write cache is off"}); build it ${build}`,
    );
  }
  return s;
}

/** JSON with objects' keys in order: a seek curve written with its fields in another order is the same curve. */
function canonical(v: unknown): string | undefined {
  return JSON.stringify(v, (_key, x: unknown) =>
    x !== null && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** A spec's fields but its model, as a state holds them (through JSON: what a state saved to a file gives back). */
function specFields(spec: HddSpec): Record<string, unknown> {
  const { model: _model, ...fields } = spec;
  return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
}

/**
 * The read-ahead stream's base time in a simulation restored at `now`: a state's that counts from the save's revolution
 * counts on from `now`'s (`revolutionStart`); one saved before is the saving simulation's, and restores as it is.
 */
export function restoredRaBaseTime(s: HddState, g: HddGeometry, now: number): number {
  // Kept as the saving simulation's times, a stream restored into a simulation at another time (a drive saved after
  // 3 s of sequential reads, into a new one at 0) had the head read ahead until the old clock's 3 s, and the first
  // read waited for it. Counted from the save itself, a stream restored at another platter angle than the save's was
  // out of step with the platter by the difference (up to a revolution: 4 ms at 15,000 rpm): a read the stream
  // served completed when the platter had its sectors elsewhere, later or sooner than the head could read them.
  return s.cacheTimesFromRevolution ? s.cache.raBaseTime + revolutionStart(g, now) + (s.raBaseFractionNs ?? 0) : s.cache.raBaseTime;
}

/**
 * When the platter's revolution under way at `t` started (whole ns for a whole `t`): the stream's saved times count
 * from it, so that a stream restored at any time keeps its angle.
 */
export function revolutionStart(g: HddGeometry, t: number): number {
  return t - Math.floor(g.phaseOf(t));
}
