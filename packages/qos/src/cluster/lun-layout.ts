/**
 * The LUN a cluster's hosts share and how their VMs' virtual disks are laid on it: built from the array model the
 * spec names, and placed interleaved (1 GB extents dealt out in turn) or contiguous.
 */
import type { Simulation } from "@vmlab/core-vm";
import { type BlockTarget, hddRaid5Array } from "@vmlab/storage";
import { Raid5Lun } from "../array/raid5-lun.js";
import { SptfDisk } from "../array/sptf-disk.js";
import type { ClusterSpec } from "./config.js";

/** Sectors in a GB of a VM's disk (GiB, 512-byte sectors). */
export const SECTORS_PER_GB = 2 * 1024 * 1024;

/** The shared LUN, from the model the spec names (see `ArrayModel`). */
export function buildLun(sim: Simulation, spec: ClusterSpec, cachedRanges: { startLba: number; sectors: number }[]): BlockTarget {
  const a = spec.array;
  if (a.model === "storage") {
    return hddRaid5Array(sim, { disks: a.disks, chunkSectors: a.stripeUnitSectors, namePrefix: "disk" }).array.lun(0);
  }
  const disks = Array.from({ length: a.disks }, () => new SptfDisk(sim, a.disk, "array.disk"));
  return new Raid5Lun(sim, disks, { stripeUnitSectors: a.stripeUnitSectors, cachedRanges, cacheHitMs: a.cacheHitMs });
}

/** Where a VM's virtual disk lies on the LUN: extents of `extentSectors` from `base`, extent k at `base + k × stride × extentSectors`. */
export type Layout = { base: number; extentSectors: number; stride: number };

/**
 * Lays the VMs' virtual disks on the LUN (see `Placement`); returns each VM's layout and the
 * cache-resident ranges. The sizes are `checkClusterSpec`'s to check (equal whole GB when
 * interleaved, whole sectors, inside the LUN).
 */
export function placeDisks(spec: ClusterSpec): { layouts: Layout[][]; cachedRanges: { startLba: number; sectors: number }[] } {
  const cachedRanges: { startLba: number; sectors: number }[] = [];
  const all = spec.hosts.flatMap((h) => h.vms);
  if (spec.placement === "interleaved") {
    const gb = all[0]?.diskGB ?? 1;
    let g = 0;
    const layouts = spec.hosts.map((h) =>
      h.vms.map((v) => {
        const base = g * SECTORS_PER_GB;
        if (v.cacheResident)
          for (let k = 0; k < gb; k++) cachedRanges.push({ startLba: base + k * all.length * SECTORS_PER_GB, sectors: SECTORS_PER_GB });
        g++;
        return { base, extentSectors: SECTORS_PER_GB, stride: all.length };
      }),
    );
    return { layouts, cachedRanges };
  }
  let lba = 0;
  const layouts = spec.hosts.map((h) =>
    h.vms.map((v) => {
      const sectors = v.diskGB * SECTORS_PER_GB;
      if (v.cacheResident) cachedRanges.push({ startLba: lba, sectors });
      const layout = { base: lba, extentSectors: sectors, stride: 1 };
      lba += sectors;
      return layout;
    }),
  );
  return { layouts, cachedRanges };
}
