import { lognormal, type Rng } from "@vmlab/core-vm";
import type { SyntheticVmTraceOptions } from "./options.js";

/** Spread of cache-hit response times (σ of the lognormal around `cacheHitUs`). */
const CACHE_JITTER_SIGMA = 0.25;

/**
 * Response times for the generated trace: a deliberately simple model of a
 * small array LUN behind the VM's virtual disk (an assumption of vmlab's, not
 * a calibrated device — the device models in `devices/` and `array/` are the
 * calibrated ones; this one only has to give a trace realistic, load-dependent
 * latencies and outstanding IOs, and must stay cheap and self-contained so the
 * shipped file regenerates byte for byte):
 *
 * - the controller cache acknowledges writes (write-back) and serves hits
 *   (the hottest pages, read-ahead of sequential streams) in `cacheHitUs`
 *   (lognormal jitter) plus the transfer at `cacheMBps`;
 * - a read miss goes to one of `spindles` disks (RAID-0, `stripeKiB` stripe
 *   unit; an IO is placed by its first sector) and waits FIFO behind that
 *   disk's earlier work; service = seek + rotation + transfer, where the seek
 *   is trackToTrack + (fullStroke − trackToTrack)·√(d / D) for a distance of
 *   d of the disk's D sectors (average over random pairs ≈ trackToTrack +
 *   8/15 of the difference) and rotation is uniform over one revolution; an
 *   IO that starts where the disk's head stopped pays neither;
 * - work the cache defers — destaging a write, fetching a read-ahead — keeps
 *   the disk busy (it delays later misses) without the IO waiting for it.
 */
export class ArrayLatencyModel {
  /** Per disk: when it finishes its queued work (µs), and the sector after its last access (disk-local). */
  private readonly freeAtUs: Float64Array;
  private readonly headSector: Float64Array;
  private readonly stripeSectors: number;
  private readonly diskSectors: number;
  private readonly revolutionUs: number;

  constructor(
    private readonly o: SyntheticVmTraceOptions,
    volumeSectors: number,
  ) {
    this.freeAtUs = new Float64Array(o.spindles);
    this.headSector = new Float64Array(o.spindles);
    this.stripeSectors = o.stripeKiB * 2;
    this.diskSectors = Math.ceil(volumeSectors / o.spindles);
    this.revolutionUs = 60e6 / o.rpm;
  }

  /** An IO the cache serves; `mediaWork` adds the disk access it defers (destage, read-ahead) to the disk's queue. */
  cached(rng: Rng, nowUs: number, lba: number, sectors: number, bytes: number, mediaWork: boolean): number {
    if (mediaWork) {
      const disk = this.diskOf(lba);
      const start = Math.max(nowUs, this.freeAtUs[disk]);
      this.freeAtUs[disk] = start + this.serviceUs(rng, disk, lba, sectors, bytes);
    }
    return lognormal(rng, Math.log(this.o.cacheHitUs), CACHE_JITTER_SIGMA) + bytes / this.o.cacheMBps;
  }

  /** A read miss: waits for its disk, then seek + rotation + transfer. Returns the response time, µs. */
  miss(rng: Rng, nowUs: number, lba: number, sectors: number, bytes: number): number {
    const disk = this.diskOf(lba);
    const start = Math.max(nowUs, this.freeAtUs[disk]);
    const done = start + this.serviceUs(rng, disk, lba, sectors, bytes);
    this.freeAtUs[disk] = done;
    return done - nowUs;
  }

  private diskOf(lba: number): number {
    return Math.floor(lba / this.stripeSectors) % this.o.spindles;
  }

  /** Disk-local sector of a volume sector under RAID-0 striping. */
  private localSector(lba: number): number {
    const stripe = this.stripeSectors;
    return Math.floor(lba / (stripe * this.o.spindles)) * stripe + (lba % stripe);
  }

  private serviceUs(rng: Rng, disk: number, lba: number, sectors: number, bytes: number): number {
    const at = this.localSector(lba);
    const d = Math.abs(at - this.headSector[disk]);
    this.headSector[disk] = at + sectors;
    const transferUs = bytes / this.o.mediaMBps;
    if (d === 0) return transferUs;
    const o = this.o;
    const seekUs = 1000 * (o.trackToTrackMs + (o.fullStrokeMs - o.trackToTrackMs) * Math.sqrt(Math.min(1, d / this.diskSectors)));
    return seekUs + rng.random() * this.revolutionUs + transferUs;
  }
}
