/**
 * How a drive is set up, and the checks that refuse a spec or options it cannot be built from (a researcher's own
 * datasheet figures and mode-page settings): each refusal is one line naming the field, at construction.
 */
import { plural } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { SECTOR_BYTES } from "../io.js";
import { refuseUnknownOptions } from "../options-check.js";
import type { HddGeometry } from "./hdd-geometry.js";
import type { HddSpec } from "./hdd-spec.js";
import { MAX_DEVICE_STEP_NS, MIN_RATE_MBPS } from "./step-limit.js";

/** How a drive is set up (mode-page settings, not spec-sheet figures). */
export interface HddOptions {
  /**
   * Write cache enabled (SCSI WCE): a write completes once its data is in the drive's buffer (buffered
   * writes' data crosses the interface one write after another, at `spec.busMBps`), and the
   * drive writes it to the media in the background (a write that continues data not yet written back joins its
   * media write, however streams interleave; a rewrite of data not yet written back replaces it in the buffer).
   * Default off, as arrays set their member disks and as assumed for SCSI drives.
   */
  writeCache?: boolean;
  /**
   * Buffer space for written data not yet on the media, sectors. Default: half the drive's cache (an
   * assumption). It is taken from the drive's cache, in whole segments: the read cache keeps the segments it
   * leaves (`spec.cacheSegments` less as many as the buffer needs). A write waits (inside the drive, holding its tag) until its data fits; a write larger
   * than the whole buffer goes to the media before it completes. The drive tracks at most
   * `spec.queueDepth` write-backs at once (an assumption), a sequential stream joining one.
   */
  writeCacheSectors?: number;
}

/**
 * The write cache's size in sectors (`HddOptions.writeCacheSectors`, by default half the drive's cache; 0 with the
 * write cache off), refusing a size without the write cache on, or one that is not a whole number of sectors >= 1.
 */
export function writeCacheSectorsOf(spec: HddSpec, options: HddOptions, what: string): number {
  refuseUnknownOptions(what, options, ["writeCache", "writeCacheSectors"]);
  // A string ("false" from a config file) is truthy: the drive ran with its write cache on, completed writes not durable.
  if (options.writeCache !== undefined && typeof options.writeCache !== "boolean")
    throw StorageErrors.badConfig(what, `writeCache must be true or false, got ${JSON.stringify(options.writeCache)}`);
  if (options.writeCacheSectors !== undefined && !options.writeCache)
    throw StorageErrors.badConfig(what, "writeCacheSectors sizes the write cache: set writeCache: true as well");
  const wcs = options.writeCache ? (options.writeCacheSectors ?? Math.floor(spec.cacheBytes / 2 / SECTOR_BYTES)) : 0;
  if (options.writeCache && !(Number.isInteger(wcs) && wcs >= 1))
    throw StorageErrors.badConfig(
      what,
      options.writeCacheSectors === undefined
        ? `the default write cache (half the ${spec.cacheBytes}-byte drive cache) holds no sector; set writeCacheSectors`
        : `writeCacheSectors must be an integer >= 1, got ${wcs}`,
    );
  return wcs;
}

/**
 * How the drive's cache is shared: the sectors of a segment, and the segments the read cache keeps once a write
 * cache of `wcs` sectors has taken its own (refused if none is left).
 */
export function readCacheSegmentsOf(spec: HddSpec, wcs: number, what: string): { segSectors: number; readSegments: number } {
  // The write buffer is part of the drive's cache: it takes whole segments, and the read cache keeps the ones
  // it leaves (16 MB with the default 8 MiB buffer: 8 read segments of 1 MiB, not 16 on top of the buffer).
  const segSectors = Math.floor(spec.cacheBytes / Math.max(1, spec.cacheSegments) / SECTOR_BYTES);
  // Segments of no sectors (no cache bytes) hold nothing either way: the buffer must then fit the cache as a whole.
  const bySegments = spec.cacheSegments > 0 && segSectors > 0;
  const readSegments = bySegments
    ? Math.min(spec.cacheSegments, Math.floor((spec.cacheBytes / SECTOR_BYTES - wcs) / segSectors))
    : spec.cacheSegments;
  if (bySegments ? readSegments < 1 : wcs > spec.cacheBytes / SECTOR_BYTES)
    throw StorageErrors.badConfig(
      what,
      `writeCacheSectors (${wcs}) must leave ${bySegments ? `at least one ${segSectors}-sector read cache segment` : "room"} in the ${spec.cacheBytes}-byte drive cache it is part of`,
    );
  return { segSectors, readSegments };
}

/**
 * Refuses a spec whose capacity the zoned layout cannot hold as the spec says. Every zone has the same whole number of
 * cylinders, enough for the capacity; when a cylinder per zone is a large part of the capacity (a small disk, or many
 * zones or heads), the capacity ends zones before the innermost and the disk never reaches `innerMBps` (a 2,000,000-sector
 * Cheetah ran at 75.3 MB/s at its end; with 10,000,000 zones, at 124.7 MB/s throughout, its seeks fitted to cylinders that
 * held nothing), and a tiny capacity was reported as seek figures no curve meets.
 */
export function checkLayout(spec: HddSpec, g: HddGeometry, what: string): void {
  const zones = g.zoneSpt.length;
  const empty = zones - 1 - g.zoneOf(spec.capacitySectors - 1);
  if (empty > 0) {
    const perZone = g.cylinders / zones;
    throw StorageErrors.badConfig(
      what,
      `capacitySectors (${spec.capacitySectors}) leaves the innermost ${empty} of ${zones} zones empty: each zone has whole cylinders of ` +
        `heads (${spec.heads}) × its sectors per track (${g.zoneSpt[zones - 1]}–${g.zoneSpt[0]}, from outerMBps and innerMBps at ${spec.rpm} rpm), ` +
        `${perZone} per zone to hold the capacity, so the disk would never reach innerMBps (${spec.innerMBps}); use fewer zones or a larger capacitySectors`,
    );
  }
  if (g.cylinders < 16)
    throw StorageErrors.badConfig(
      what,
      `capacitySectors (${spec.capacitySectors}) fills ${plural(g.cylinders, "cylinder")} of ${spec.heads} heads: ` +
        "the seek curve needs at least 16; use a larger capacitySectors or fewer heads",
    );
}

/**
 * Checks every field of a drive's spec (a researcher's own datasheet figures): a missing field, a fraction of
 * a head or zone, or a negative or non-finite time was accepted and gave wrong results without a word — a
 * spec without `cacheBytes` ran with no read cache, one without `commandOverheadNs` failed with a TypeError
 * deep in the queue, a negative overhead made commands faster than the mechanism.
 */
export function checkHddSpec(spec: HddSpec, what: string): void {
  if (typeof spec !== "object" || spec === null) throw StorageErrors.badConfig(what, "the spec must be an HddSpec object");
  for (const k of ["capacitySectors", "heads", "zones", "queueDepth"] as const)
    if (!(Number.isInteger(spec[k]) && spec[k] >= 1))
      throw StorageErrors.badConfig(what, `${k} must be a whole number >= 1, got ${spec[k]}`);
  for (const k of ["cacheBytes", "cacheSegments", "readAheadSectors"] as const)
    if (!(Number.isInteger(spec[k]) && spec[k] >= 0))
      throw StorageErrors.badConfig(what, `${k} must be a whole number >= 0, got ${spec[k]}`);
  if (spec.minPrefetchSectors !== undefined && !(Number.isInteger(spec.minPrefetchSectors) && spec.minPrefetchSectors >= 0))
    throw StorageErrors.badConfig(what, `minPrefetchSectors must be a whole number >= 0 (or absent: none), got ${spec.minPrefetchSectors}`);
  // A cache too small for its segments read nothing and ran silently as a drive without one (`cacheBytes: 16`, the
  // datasheet's "16 MB" taken for bytes; or no segments at all); a huge segment count also allocated one entry each.
  // No segments and no read-ahead is the read cache disabled (SCSI RCD) on a drive whose buffer still holds written
  // data with its write cache on (its default size is half of `cacheBytes`).
  const readCacheOff = spec.cacheSegments === 0 && spec.readAheadSectors === 0;
  if (
    spec.cacheBytes > 0 &&
    !readCacheOff &&
    (spec.cacheSegments === 0 || Math.floor(spec.cacheBytes / spec.cacheSegments / SECTOR_BYTES) < 1)
  )
    throw StorageErrors.badConfig(
      what,
      spec.cacheSegments === 0
        ? `cacheSegments must be >= 1 for a read cache of ${spec.cacheBytes} bytes with read-ahead (no read cache: cacheSegments 0 and readAheadSectors 0, or cacheBytes 0 for no buffer at all)`
        : `cacheBytes (${spec.cacheBytes}) over cacheSegments (${spec.cacheSegments}) leaves each segment less than one ${SECTOR_BYTES}-byte sector: the cache would hold nothing; cacheBytes is in bytes (16 MB = 16777216), or set 0 for no read cache`,
    );
  if (!(Number.isFinite(spec.rpm) && spec.rpm > 0)) throw StorageErrors.badConfig(what, `rpm must be a finite number > 0, got ${spec.rpm}`);
  for (const k of ["outerMBps", "innerMBps", "busMBps"] as const)
    if (!(Number.isFinite(spec[k]) && spec[k] >= MIN_RATE_MBPS))
      throw StorageErrors.badConfig(what, `${k} must be a finite rate >= ${MIN_RATE_MBPS} MB/s, got ${spec[k]}`);
  if (!(Number.isFinite(spec.commandOverheadNs) && spec.commandOverheadNs >= 0 && spec.commandOverheadNs <= MAX_DEVICE_STEP_NS))
    throw StorageErrors.badConfig(
      what,
      `commandOverheadNs must be a time from 0 to 1e9 ns (1 s; in ns: the Cheetah 15K.5's is 50000), got ${spec.commandOverheadNs}`,
    );
  // Infinity is allowed: no starvation bound.
  if (!(spec.maxCommandAgeNs > 0)) throw StorageErrors.badConfig(what, `maxCommandAgeNs must be > 0 ns, got ${spec.maxCommandAgeNs}`);
  if (spec.outerMBps < spec.innerMBps)
    throw StorageErrors.badConfig(what, `outerMBps (${spec.outerMBps}) must be >= innerMBps (${spec.innerMBps}): zones run outer to inner`);
  for (const k of ["readSeek", "writeSeek"] as const) {
    const f = spec[k];
    if (typeof f !== "object" || f === null)
      throw StorageErrors.badConfig(what, `${k} must give trackToTrackMs, averageMs and fullStrokeMs, got ${f}`);
    for (const m of ["trackToTrackMs", "averageMs", "fullStrokeMs"] as const)
      if (!(Number.isFinite(f[m]) && f[m] > 0 && f[m] * 1e6 <= MAX_DEVICE_STEP_NS))
        throw StorageErrors.badConfig(what, `${k}.${m} must be a time > 0 ms and at most 1000 ms, got ${f[m]}`);
  }
}
