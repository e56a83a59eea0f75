import { exactRemainder } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { SECTOR_BYTES } from "../io.js";
import type { HddSpec } from "./hdd-spec.js";

/**
 * Zoned-bit-recording layout: the platter is split into zones of equal
 * cylinder count, outer first; within a zone every track holds the same
 * number of sectors, chosen so the zone's media rate (sectors per track ×
 * 512 B × revolutions per second) falls linearly from the outer-diameter
 * rate to the inner one. The cylinder count follows from the capacity.
 * LBAs run outer to inner, cylinder by cylinder, surface by surface.
 */
export class HddGeometry {
  readonly cylinders: number;
  readonly revolutionNs: number;
  /** Per zone: first LBA, first cylinder, sectors per track, ns per sector. */
  readonly zoneLba: Float64Array;
  readonly zoneCyl: Float64Array;
  readonly zoneSpt: Float64Array;
  readonly zoneSectorNs: Float64Array;
  private readonly heads: number;
  /** Per zone: sectors per cylinder (heads × sectors per track). */
  private readonly zoneCylSectors: Float64Array;
  /**
   * Zone of the first LBA of each bucket of LBAs (a power of two, sized for about a thousand buckets): `zoneOf` starts there and steps
   * over the few zone starts inside the bucket instead of a binary search over all zones.
   */
  private readonly bucketZone: Int32Array;
  /** 1 / (bucket size): a power of two, so multiplying by it divides exactly. */
  private readonly perBucket: number;

  constructor(spec: HddSpec) {
    if (!(spec.zones >= 1 && spec.heads >= 1 && spec.rpm > 0 && spec.outerMBps >= spec.innerMBps && spec.innerMBps > 0))
      throw StorageErrors.badConfig("hdd geometry", "need zones >= 1, heads >= 1, rpm > 0 and outer rate >= inner rate > 0");
    this.heads = spec.heads;
    this.revolutionNs = 60e9 / spec.rpm;
    const revPerSec = spec.rpm / 60;
    const z = spec.zones;
    const spt: number[] = [];
    for (let i = 0; i < z; i++) {
      const mbps = z === 1 ? spec.outerMBps : spec.outerMBps + ((spec.innerMBps - spec.outerMBps) * i) / (z - 1);
      spt.push(Math.max(1, Math.round((mbps * 1e6) / revPerSec / SECTOR_BYTES)));
    }
    const sectorsPerZoneCylinder = spt.reduce((s, x) => s + x, 0) * spec.heads;
    const cylPerZone = Math.ceil(spec.capacitySectors / sectorsPerZoneCylinder);
    this.cylinders = cylPerZone * z;
    this.zoneLba = new Float64Array(z + 1);
    this.zoneCyl = new Float64Array(z);
    this.zoneSpt = new Float64Array(z);
    this.zoneSectorNs = new Float64Array(z);
    let lba = 0;
    for (let i = 0; i < z; i++) {
      this.zoneLba[i] = lba;
      this.zoneCyl[i] = i * cylPerZone;
      this.zoneSpt[i] = spt[i];
      this.zoneSectorNs[i] = this.revolutionNs / spt[i];
      lba += cylPerZone * spec.heads * spt[i];
    }
    this.zoneLba[z] = lba;
    this.zoneCylSectors = new Float64Array(z);
    for (let i = 0; i < z; i++) this.zoneCylSectors[i] = spec.heads * this.zoneSpt[i];
    // About a thousand buckets: a bucket then holds at most one zone start for any sensible zone count.
    let shift = 0;
    while (2 ** shift * 1024 < lba) shift++;
    this.perBucket = 2 ** -shift;
    this.bucketZone = new Int32Array(Math.floor(lba * this.perBucket) + 1);
    for (let b = 0; b < this.bucketZone.length; b++) this.bucketZone[b] = this.zoneByBisection(b * 2 ** shift);
  }

  /** The platter's phase at time `t` (ns): `t % revolutionNs`, computed exactly (`exactRemainder`). */
  phaseOf(t: number): number {
    return exactRemainder(t, this.revolutionNs);
  }

  /** Zone index of `lba`. */
  zoneOf(lba: number): number {
    // The last zone whose first LBA is <= lba (called per media command); outside the table's range
    // (past the disk, negative, NaN) the bisection answers.
    const b = Math.floor(lba * this.perBucket);
    if (!(b >= 0 && b < this.bucketZone.length)) return this.zoneByBisection(lba);
    const zl = this.zoneLba;
    const last = this.zoneSpt.length - 1;
    let zone = this.bucketZone[b];
    while (zone < last && lba >= zl[zone + 1]) zone++;
    return zone;
  }

  /** `zoneOf` by binary search over the zones' first LBAs. */
  private zoneByBisection(lba: number): number {
    const zl = this.zoneLba;
    let lo = 0;
    let hi = this.zoneSpt.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lba >= zl[mid]) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Media transfer time (ns) of [lba, lba+n) starting in zone `zone`: each zone's part at that zone's
   * rate (an IO crossing zone boundaries changes rate at each).
   */
  transferNs(lba: number, n: number, zone: number): number {
    const end = lba + n;
    const last = this.zoneSpt.length - 1;
    let ns = 0;
    let from = lba;
    for (let z = zone; from < end; z++) {
      const to = z < last && this.zoneLba[z + 1] < end ? this.zoneLba[z + 1] : end;
      ns += (to - from) * this.zoneSectorNs[z];
      from = to;
    }
    return ns;
  }

  /** Cylinder of `lba` in zone `zone`. */
  cylinderOf(lba: number, zone: number): number {
    return this.zoneCyl[zone] + Math.floor((lba - this.zoneLba[zone]) / this.zoneCylSectors[zone]);
  }

  /** Surface (head) of `lba` in zone `zone`. */
  headOf(lba: number, zone: number): number {
    return Math.floor((lba - this.zoneLba[zone]) / this.zoneSpt[zone]) % this.heads;
  }

  /**
   * Angular position of `lba`'s start as a fraction of a revolution in [0, 1):
   * its place on its track, every track starting at angle 0. No per-track skew
   * offset is modeled: a transfer running off one track's end goes on with the
   * next track's first sector as if the skew had put it under the head, the
   * head-switch time folded into the sustained rate (the spec's rate includes
   * it), and so does a command starting at the sector after the head's last one
   * (`HddQueue`: no seek to the next cylinder); for random IO a skew would only
   * shift angles that are uniform anyway.
   */
  angleOf(lba: number, zone: number): number {
    const spt = this.zoneSpt[zone];
    return exactRemainder(lba - this.zoneLba[zone], spt) / spt;
  }
}
