import type { Simulation } from "@vmlab/core-vm";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5, type HddSpec } from "../devices/hdd-spec.js";
import { StorageErrors } from "../errors.js";
import { refuseUnknownOptions } from "../options-check.js";
import { DEFAULT_ARRAY_OPTIONS } from "./array-options.js";
import { lunSectors, raidCapacitySectors, raidStripeSectors } from "./capacity.js";
import { RaidGroup } from "./raid.js";
import { type ArrayOptions, StorageArray } from "./storage-array.js";

/** Options of `hddRaid5Array`: a RAID-5 `StorageArray` over N identical `Hdd`s (default the Cheetah 15K.5). */
export interface HddRaid5Options {
  /** Member disks (>= 3). */
  disks: number;
  /** Stripe unit per member, sectors (default `HDD_RAID5_CHUNK_SECTORS`). */
  chunkSectors?: number;
  /** The member drive (default the Cheetah 15K.5). */
  spec?: HddSpec;
  /** Member names are this prefix and the index (error messages). */
  namePrefix?: string;
  /** The controller's options (destage runs default to one full stripe). */
  array?: Partial<ArrayOptions>;
}

/** The default stripe unit per member: 128 sectors, 64 KiB. */
const HDD_RAID5_CHUNK_SECTORS = 128;

/**
 * `disks` as a count of member disks: 3.5 built 3 disks without a word (`Array.from` drops the fraction), and
 * 2.9 was refused as "RAID-5 needs at least 3 members, got 2", a count nobody asked for.
 */
function checkDisks(disks: number): void {
  if (!(Number.isInteger(disks) && disks >= 3))
    throw StorageErrors.badConfig("raid", `disks must be a whole number of disks >= 3 (RAID-5), got ${disks}`);
}

/** `HddRaid5Options`' names (the array's own options go in `array`: `{ array: { cacheBytes } }`). */
const HDD_RAID5_OPTIONS = ["disks", "chunkSectors", "spec", "namePrefix", "array"];

/** The array the scenarios, the drive models and PARDA's storage mode share: RAID-5 over N identical HDDs behind a `StorageArray`. */
export function hddRaid5Array(sim: Simulation, o: HddRaid5Options): { array: StorageArray; disks: Hdd[] } {
  refuseUnknownOptions("hddRaid5Array", o, HDD_RAID5_OPTIONS);
  checkDisks(o.disks);
  const disks = Array.from({ length: o.disks }, (_, i) => new Hdd(sim, o.spec ?? CHEETAH_15K5, `${o.namePrefix ?? "member"}${i}`));
  const raid = new RaidGroup(sim, disks, { level: 5, chunkSectors: o.chunkSectors ?? HDD_RAID5_CHUNK_SECTORS });
  return { array: new StorageArray(sim, raid, o.array ?? {}), disks };
}

/** Sectors of each LUN `hddRaid5Array(sim, o)` builds, by the models' capacity rules, without building the drives or the cache. */
export function hddRaid5LunSectors(o: Pick<HddRaid5Options, "disks" | "chunkSectors" | "spec" | "array">): number {
  refuseUnknownOptions("hddRaid5Array", o, HDD_RAID5_OPTIONS);
  checkDisks(o.disks);
  const options = { ...DEFAULT_ARRAY_OPTIONS, ...o.array };
  const chunk = o.chunkSectors ?? HDD_RAID5_CHUNK_SECTORS;
  const group = raidCapacitySectors(5, o.disks, (o.spec ?? CHEETAH_15K5).capacitySectors, chunk);
  return lunSectors(group, options.luns, options.cachePageSectors, raidStripeSectors(5, o.disks, chunk));
}
