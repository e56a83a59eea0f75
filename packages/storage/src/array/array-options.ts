import { z } from "zod";
import { CacheDirectoryStateSchema } from "./cache-directory.js";
import { stripePageUnit } from "./capacity.js";
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
