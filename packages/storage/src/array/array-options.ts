/**
 * How a `StorageArray` is set up: its options and their defaults, the checks that refuse options it cannot be built
 * from (one line naming the field, at construction), and its saved state's schema and the checks a restore makes of it.
 */
import { plural } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { SECTOR_BYTES } from "../io.js";
import { refuseUnknownOptions } from "../options-check.js";
import { CacheDirectoryStateSchema, MAX_CACHE_PAGE_SECTORS, MAX_CACHE_PAGES } from "./cache-directory.js";
import { lunSectors, stripePageUnit } from "./capacity.js";
import { PAGE_TABLE_KEYS } from "./page-table.js";
import { type RaidGroup, RaidGroupStateSchema } from "./raid.js";

/** A `StorageArray`'s controller, port and cache settings (`DEFAULT_ARRAY_OPTIONS` has each default); the constructor validates every field. */
export interface ArrayOptions {
  /** LUNs carved in equal parts from the RAID group, one after another; with more than one, each is whole stripes, so each starts on a stripe boundary. */
  luns: number;
  /** Commands the controller works on at once, over all LUNs (array-wide queue depth). */
  arrayQueueDepth: number;
  /** Controller processing per command, ns. */
  controllerLatencyNs: number;
  /** Host-facing port rate (FC), MB/s, in each direction: FC is full duplex, read data out and write data in each get all of it. */
  portMBps: number;
  /** Cache size, bytes (0 = no cache). */
  cacheBytes: number;
  /** Battery-backed write-back: acknowledge writes once in cache. Off = write-through. */
  writeBack: boolean;
  /**
   * Start destaging when the pages not yet on disk — dirty, or out for destage — exceed this fraction of the
   * cache (or a write waits for room). Below it an idle array keeps its dirty pages: it never destages on its own.
   */
  destageHighWater: number;
  /**
   * Stop destaging once the pages still dirty when the destage writes out land — dirty, or rewritten while out —
   * are at or below this fraction of the cache (and no write waits for room).
   */
  destageLowWater: number;
  /** Destage writes in flight at once. */
  destageOutstanding: number;
  /**
   * Largest destage write, sectors; runs never cross a multiple of it. Default (`defaultDestageSectors`):
   * whole stripes of the RAID group (`RaidGroup.stripeSectors`) that are also whole cache pages — for
   * RAID-5 one stripe (when a stripe is whole pages), so a full run writes parity without reads; for
   * the levels without parity at least 1,024 sectors. It must be a whole number of cache pages; a value
   * that is not a multiple of the stripe splits stripes.
   */
  destageMaxSectors?: number;
  /**
   * Cache page (block) size, sectors: the unit the cache directory tracks. CLARiiON arrays offer
   * 2, 4, 8 and 16 KB pages with 8 KB the default (EMC CLARiiON cache documentation); other
   * mid-range arrays also default to 8 KiB cache blocks. At most 32 (16 KiB): the cache tracks which
   * sectors of a page it holds in one 32-bit mask per page.
   */
  cachePageSectors: number;
}

/**
 * A mid-range array assumed in the spirit of PARDA's EMC CLARiiON CX3-40 (figures are assumptions):
 * 4 Gb/s FC, 2 GiB write-back cache, 100 µs per command, 512 commands.
 */
export const DEFAULT_ARRAY_OPTIONS: ArrayOptions = {
  luns: 1,
  arrayQueueDepth: 512,
  controllerLatencyNs: 100_000,
  portMBps: 400,
  cacheBytes: 2 * 1024 ** 3,
  writeBack: true,
  destageHighWater: 0.5,
  destageLowWater: 0.25,
  destageOutstanding: 32,
  cachePageSectors: 16,
};

const count = z.number().int().nonnegative();
/**
 * When a port direction is next free: a virtual time the simulation can reach (2^53 ns). Beyond it the next
 * command threw VMLAB_SIM_BAD_DELAY from the event queue, far from the restore that let it in.
 */
const bookedUntil = z.number().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** An array's saved state (taken when no command, destage write or stalled write is in the controller). */
export const StorageArrayStateSchema = z.object({
  version: z.literal(1),
  luns: z.number().int().positive(),
  rr: count,
  destageOn: z.boolean(),
  /** When the host port's direction to the host (read data) is free (ns). */
  portFree: bookedUntil,
  /** When its direction from the host (write data) is free (ns); absent in states saved before the port was full duplex. */
  portInFree: bookedUntil.default(0),
  readHits: count,
  readMisses: count,
  writesAbsorbed: count,
  destageWrites: count,
  /** `destageFillReads`; absent when 0 (states saved before it was counted, or with every destage run whole). */
  destageFillReads: count.optional(),
  cache: CacheDirectoryStateSchema.nullable(),
  raid: RaidGroupStateSchema,
});
/** A `StorageArray`'s saved state (when idle): controller counters, port times, cache directory, RAID group and member disks. */
export type StorageArrayState = z.infer<typeof StorageArrayStateSchema>;

/**
 * Refuses (`VMLAB_STORAGE_BAD_STATE`) a saved state `StorageArray.restore` cannot put into an array of `luns` LUNs,
 * with a cache or not (`hasCache`), write-back or not: the RAID group and the cache directory check their own parts.
 */
export function checkStateFits(s: StorageArrayState, luns: number, hasCache: boolean, writeBack: boolean): void {
  if (s.luns !== luns || s.rr >= s.luns || (s.cache === null) !== !hasCache)
    throw StorageErrors.badState("array", "saved from an array with other LUNs or cache; build the array as it was saved");
  // A write-through array never destages (only a write absorbed in the cache starts one): dirty pages would stay
  // in its cache for good, served to reads and never written to the disks.
  if (!writeBack && s.cache !== null && s.cache.dirty > 0)
    throw StorageErrors.badState(
      "array",
      `saved from a write-back array with ${s.cache.dirty} dirty cache pages, this one is write-through and would never destage them; build it with writeBack: true`,
    );
}

/**
 * The default largest destage write: the fewest whole stripes that hold a cache page — for RAID-5 —
 * or 1,024 sectors (levels without parity, where longer runs only save commands). Runs are whole
 * cache pages in windows aligned at multiples of this size, so it is also a whole number of pages:
 * a multiple of lcm(stripe, page) (24-sector stripes and 16-sector pages: 48 sectors, two stripes),
 * else the windows would cut stripes and every RAID-5 destage would be a read-modify-write.
 */
export function defaultDestageSectors(raid: RaidGroup, pageSectors: number): number {
  const unit = stripePageUnit(raid.stripeSectors, pageSectors);
  const atLeast = raid.options.level === 5 ? pageSectors : Math.max(1024, pageSectors);
  return Math.ceil(atLeast / unit) * unit;
}

/** An array's options checked and completed (`checkedArrayOptions`), with the LUN and cache sizes they give. */
export interface CheckedArrayOptions {
  options: Required<ArrayOptions>;
  /** Each LUN's size, sectors (whole cache pages; whole stripes when there are several). */
  lunSize: number;
  /** Cache pages (0 = no cache). */
  pages: number;
  /** Cache pages the LUNs' sectors span (the directory's page numbers). */
  addressPages: number;
}

/** The options a `StorageArray` takes (`destageMaxSectors` has no fixed default: it follows the RAID group). */
const ARRAY_OPTION_NAMES = [...Object.keys(DEFAULT_ARRAY_OPTIONS), "destageMaxSectors"];

/**
 * A `StorageArray`'s options over `raid` with the defaults filled in; refuses (`VMLAB_STORAGE_BAD_CONFIG`, one line
 * naming the field) an unknown option, a value out of range, and LUNs or a cache that do not fit the group or the
 * cache directory.
 */
export function checkedArrayOptions(raid: RaidGroup, options: Partial<ArrayOptions>): CheckedArrayOptions {
  // A misspelt option ("queueDepth" for arrayQueueDepth) was ignored, the default used without a word.
  refuseUnknownOptions("array", options, ARRAY_OPTION_NAMES);
  // A string ("false" from a config file) is truthy: the array ran write-back.
  if (options.writeBack !== undefined && typeof options.writeBack !== "boolean")
    throw StorageErrors.badConfig("array", `writeBack must be true or false, got ${JSON.stringify(options.writeBack)}`);
  // An option given as undefined (`{ writeBack: settings.writeBack }`) takes its default: spread over the defaults,
  // the undefined replaced it, and writeBack undefined (falsy) ran the array write-through without a word.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<ArrayOptions>;
  const merged = { ...DEFAULT_ARRAY_OPTIONS, ...given };
  const o: Required<ArrayOptions> = {
    ...merged,
    destageMaxSectors: given.destageMaxSectors ?? defaultDestageSectors(raid, merged.cachePageSectors),
  };
  if (!(Number.isInteger(o.luns) && o.luns >= 1 && Number.isInteger(o.arrayQueueDepth) && o.arrayQueueDepth >= 1))
    throw StorageErrors.badConfig("array", "luns and arrayQueueDepth must be integers >= 1");
  if (!(o.destageLowWater >= 0 && o.destageLowWater < o.destageHighWater && o.destageHighWater <= 1))
    throw StorageErrors.badConfig("array", "need 0 <= destageLowWater < destageHighWater <= 1");
  const page = o.cachePageSectors;
  if (!(Number.isInteger(page) && page >= 1 && page <= MAX_CACHE_PAGE_SECTORS))
    throw StorageErrors.badConfig("array", `cachePageSectors must be an integer from 1 to ${MAX_CACHE_PAGE_SECTORS}, got ${page}`);
  // An infinite cache reached the directory as Infinity pages and was refused as "array cache: needs at least one cache page".
  if (!(o.cacheBytes >= 0 && Number.isFinite(o.cacheBytes)))
    throw StorageErrors.badConfig("array", `cacheBytes must be a finite number of bytes >= 0 (0 = no cache), got ${o.cacheBytes}`);
  // An infinite port rate is an ideal port (no transfer time); an infinite latency would never complete anything.
  if (
    !(
      o.portMBps > 0 &&
      o.controllerLatencyNs >= 0 &&
      Number.isFinite(o.controllerLatencyNs) &&
      Number.isInteger(o.destageOutstanding) &&
      o.destageOutstanding >= 1
    )
  )
    throw StorageErrors.badConfig(
      "array",
      `need portMBps > 0 (got ${o.portMBps}), a finite controllerLatencyNs >= 0 (got ${o.controllerLatencyNs}) and destageOutstanding an integer >= 1 (got ${o.destageOutstanding})`,
    );
  // Runs are whole pages in windows aligned at multiples of destageMaxSectors: only whole pages keep them inside.
  if (!(o.destageMaxSectors >= page && o.destageMaxSectors % page === 0))
    throw StorageErrors.badConfig(
      "array",
      `destageMaxSectors (${o.destageMaxSectors}) must hold at least one cache page (${page} sectors) and be a whole number of pages`,
    );
  const lunSize = lunSectors(raid.capacitySectors, o.luns, page, raid.stripeSectors);
  if (lunSize === 0)
    throw StorageErrors.badConfig(
      "array",
      `${plural(o.luns, "LUN")} of whole ${page}-sector cache pages${o.luns === 1 ? "" : ` and whole ${raid.stripeSectors}-sector stripes`} ${o.luns === 1 ? "does" : "do"} not fit the RAID group's ${raid.capacitySectors} sectors`,
    );
  const pages = Math.floor(o.cacheBytes / (page * SECTOR_BYTES));
  // A cache smaller than one page ran as no cache without a word (`cacheBytes: 2048`, the scenarios' MiB taken for bytes).
  if (o.cacheBytes > 0 && pages === 0)
    throw StorageErrors.badConfig(
      "array",
      `cacheBytes (${o.cacheBytes}) holds no ${page * SECTOR_BYTES}-byte cache page (cachePageSectors ${page}); cacheBytes is in bytes (2 GiB = 2147483648), or 0 for no cache`,
    );
  if (pages > MAX_CACHE_PAGES)
    throw StorageErrors.badConfig(
      "array",
      `cacheBytes (${o.cacheBytes}) is ${pages} cache pages of ${page * SECTOR_BYTES} bytes, over the ${MAX_CACHE_PAGES} the cache directory holds; use larger cachePageSectors or a smaller cache`,
    );
  // It caches the LUNs' sectors: whole pages from sector 0, numbered as the page table's uint32 keys.
  const addressPages = (o.luns * lunSize) / page;
  if (pages > 0 && addressPages > PAGE_TABLE_KEYS)
    throw StorageErrors.badConfig(
      "array",
      `the LUNs' ${o.luns * lunSize} sectors are ${addressPages} cache pages of ${page} sectors, over the ${PAGE_TABLE_KEYS} the cache directory numbers; use larger cachePageSectors`,
    );
  return { options: o, lunSize, pages, addressPages };
}
