import type { Simulation } from "@vmlab/core-vm";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5, type HddSpec } from "../devices/hdd-spec.js";
import { RaidGroup } from "./raid.js";
import { type ArrayOptions, StorageArray } from "./storage-array.js";

export interface HddRaid5Options {
  /** Member disks (>= 3). */
  disks: number;
  /** Stripe unit per member, sectors (default 128: 64 KiB). */
  chunkSectors?: number;
  /** The member drive (default the Cheetah 15K.5). */
  spec?: HddSpec;
  /** Member names are this prefix and the index (error messages). */
  namePrefix?: string;
  /** The controller's options (destage runs default to one full stripe). */
  array?: Partial<ArrayOptions>;
}

/** The array the scenarios, the drive models and PARDA's storage mode share: RAID-5 over N identical HDDs behind a `StorageArray`. */
export function hddRaid5Array(sim: Simulation, o: HddRaid5Options): { array: StorageArray; disks: Hdd[] } {
  const disks = Array.from({ length: o.disks }, (_, i) => new Hdd(sim, o.spec ?? CHEETAH_15K5, `${o.namePrefix ?? "member"}${i}`));
  const raid = new RaidGroup(sim, disks, { level: 5, chunkSectors: o.chunkSectors ?? 128 });
  return { array: new StorageArray(sim, raid, o.array ?? {}), disks };
}
