import { exponential, type Rng } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import type { IoRequest } from "../io.js";
import { SECTOR_BYTES } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { type AccessSpec, type AccessSpecInput, parseAccessSpec } from "./access-spec.js";
import { WorkloadBase, type WorkloadContext } from "./workload.js";

/** The open loop's slowest and fastest arrival rates, IOs per second (a scenario's rate key takes the same floor). */
export const MIN_OPEN_IOPS = 0.001;
const MAX_OPEN_IOPS = 1e9;

/** How IOs are paced. */
export type Loop =
  /**
   * Iometer's own mode: keep `outstandingIos` in flight. With a transfer delay, IOs go in bursts of
   * `burstLength`: before each burst (the first too) the worker issues nothing for the delay, while
   * the IOs it has out complete (Iometer's Grunt::Do_IOs and Asynchronous_Delay).
   */
  | { kind: "closed" }
  /** Arrivals at `iops` regardless of completions: Poisson or evenly spaced (a transfer delay is refused: nothing would apply it). */
  | { kind: "open"; iops: number; arrivals: "poisson" | "fixed" };

/**
 * An Iometer worker on one target: addresses follow the access spec (each IO
 * random with probability %random, otherwise right after the previous one;
 * read with probability %read), pacing follows `loop`.
 */
export class IometerWorkload extends WorkloadBase {
  readonly spec: AccessSpec;
  private readonly sectors: number;
  /** End of the region (exclusive): sequential access wraps before an IO would cross it. */
  private regionEnd = 0;
  private regionSlots = 0;
  /** Every offset (random and sequential): a multiple of this many sectors from the target's start (1: sector boundaries). */
  private alignSectors = 1;
  /** The first of them at or after startSector: where random slot 0 lies, and where sequential access starts and wraps to. */
  private firstAligned = 0;
  private nextSeqLba = 0;
  /** IOs left in the current burst (with a transfer delay); at 0 the next issue waits the delay first. */
  private leftInBurst = 0;
  /** In a transfer delay: nothing is issued until it ends. */
  private delaying = false;
  /** Open loop, fixed arrivals: the start and the arrivals so far, so each is due at start + k/iops exactly (no drift from rounding each gap). */
  private openStartNs = 0;
  private arrivals = 0;
  private rng: Rng | null = null;
  private kindIssue = 0;
  /**
   * Which start the pending issue events belong to (their `num`): an arrival or transfer delay scheduled
   * before a stop() is stale after the next start() and is ignored when it fires.
   */
  private epoch = 0;

  constructor(
    spec: AccessSpecInput,
    readonly loop: Loop = { kind: "closed" },
    name = "iometer",
  ) {
    super(name);
    this.spec = parseAccessSpec(spec);
    this.sectors = this.spec.ioSizeBytes / SECTOR_BYTES;
    // Another kind ("closd") issued outstandingIos IOs and never another; other arrivals ran as Poisson.
    if (loop.kind !== "closed" && loop.kind !== "open")
      throw StorageErrors.badConfig(
        "iometer workload",
        `loop kind must be "closed" or "open", got ${JSON.stringify((loop as { kind: unknown }).kind)}`,
      );
    if (loop.kind === "open" && loop.arrivals !== "poisson" && loop.arrivals !== "fixed")
      throw StorageErrors.badConfig(
        "iometer workload",
        `open-loop arrivals must be "poisson" or "fixed", got ${JSON.stringify(loop.arrivals)}`,
      );
    // Bounded so every arrival falls on the kernel's clock: above 1e9 IOPS, fixed arrivals come less than 1 ns apart and
    // round back into the past (VMLAB_SIM_TIME_IN_PAST at the second arrival); below 0.001, a Poisson gap can pass the
    // kernel's 2^53 ns (VMLAB_SIM_BAD_DELAY, at random) — neither naming iops.
    if (loop.kind === "open" && !(loop.iops >= MIN_OPEN_IOPS && loop.iops <= MAX_OPEN_IOPS))
      throw StorageErrors.badConfig(
        "iometer workload",
        `open-loop iops must be between ${MIN_OPEN_IOPS} and ${MAX_OPEN_IOPS} (an arrival every 1,000 s to every ns), got ${loop.iops}`,
      );
    // Iometer's transfer delay paces a worker that waits for its IOs; an open loop's arrivals follow its rate alone.
    if (loop.kind === "open" && this.spec.transferDelayNs > 0)
      throw StorageErrors.badConfig(
        "iometer workload",
        `transferDelayNs (${this.spec.transferDelayNs}) paces the closed loop; an open loop's arrivals follow its iops`,
      );
  }

  protected onStart(ctx: WorkloadContext): void {
    const s = this.spec;
    const cap = ctx.target.capacitySectors;
    const region = s.regionSectors === 0 ? cap - s.startSector : s.regionSectors;
    // Named by field: a region one IO does not fit in was reported as "does not fit a 1000000-sector target"
    // (startSector 999999 on a disk of 1000000 sectors; regionSectors 4 with 4 KiB IOs), or with a negative size.
    // A target smaller than one IO has no startSector to suggest (it said "set startSector <= -4").
    if (this.sectors > cap)
      throw StorageErrors.badConfig(
        "iometer workload",
        `ioSizeBytes ${s.ioSizeBytes}: one IO (${this.sectors} sectors) is larger than the ${cap}-sector target; use a smaller ioSizeBytes or a larger target`,
      );
    if (s.startSector + this.sectors > cap)
      throw StorageErrors.badConfig(
        "iometer workload",
        `startSector ${s.startSector}: one ${s.ioSizeBytes}-byte IO from there does not fit a ${cap}-sector target; set startSector <= ${cap - this.sectors}`,
      );
    if (s.startSector + region > cap)
      throw StorageErrors.badConfig(
        "iometer workload",
        `regionSectors ${region} from startSector ${s.startSector} does not fit a ${cap}-sector target; set regionSectors <= ${cap - s.startSector} (0: to the end)`,
      );
    if (region < this.sectors)
      throw StorageErrors.badConfig(
        "iometer workload",
        `regionSectors ${region} is smaller than one ${s.ioSizeBytes}-byte IO (${this.sectors} sectors); set regionSectors >= ${this.sectors} (0: to the end)`,
      );
    this.placeAligned(s, region);
    this.openStartNs = ctx.sim.now;
    this.arrivals = 0;
    this.rng = ctx.rng;
    this.kindIssue = sharedKind(ctx.sim, "storage.iometer.issue", onIssueEvent);
    this.leftInBurst = 0;
    this.delaying = false;
    this.epoch++;
    if (this.loop.kind === "open") this.issueOne();
    else if (s.transferDelayNs > 0) this.fillBursts();
    // IOs still in flight from before a stop() hold their slots (their completions issue again).
    else for (let i = this.outstanding; i < s.outstandingIos; i++) this.issueOne();
  }

  /**
   * Where aligned IOs may go in the region. As Iometer's user guide has it, every IO begins at a multiple of the
   * alignment from the beginning of the disk (not of the test region: from startSector 63, 4 KiB-aligned IOs start
   * at 64), and sequential IOs are aligned too — each starts at the next aligned offset, so a transfer size that
   * is not a multiple of the alignment leaves a hole after every IO (Iometer's TargetDisk::Seek rounds the offset
   * up). No alignment set (0) is Iometer's default, "Sector Boundaries": random offsets at any sector, sequential
   * IOs back to back (Iometer's Access::Initialize takes an align of 0 as the sector size). Iometer's "Request
   * Size Boundaries" is alignmentBytes = ioSizeBytes.
   */
  private placeAligned(s: AccessSpec, region: number): void {
    const align = Math.max(1, s.alignmentBytes / SECTOR_BYTES);
    const end = s.startSector + region;
    const firstAligned = Math.ceil(s.startSector / align) * align;
    if (firstAligned + this.sectors > end)
      throw StorageErrors.badConfig(
        "iometer workload",
        `alignmentBytes ${s.alignmentBytes}: no ${s.ioSizeBytes}-byte IO aligned on ${align * SECTOR_BYTES} bytes fits the region [${s.startSector}, +${region}); start the region at a multiple of ${align} sectors or make it larger`,
      );
    const slots = Math.floor((end - this.sectors - firstAligned) / align) + 1;
    // One aligned place in a region that holds more than one IO: a "random" worker would send every IO to it.
    if (slots === 1 && s.randomPercent > 0 && region >= 2 * this.sectors)
      throw StorageErrors.badConfig(
        "iometer workload",
        `alignmentBytes ${s.alignmentBytes}: the region [${s.startSector}, +${region}) has one ${s.ioSizeBytes}-byte IO aligned on ${align * SECTOR_BYTES} bytes, at sector ${firstAligned}, so every random IO would go there; use a smaller alignmentBytes or a larger region`,
      );
    this.regionEnd = end;
    this.alignSectors = align;
    this.firstAligned = firstAligned;
    this.regionSlots = slots;
    this.nextSeqLba = firstAligned;
  }

  /**
   * Closed loop with a transfer delay: issues into free slots, a burst at a time. When a burst is used
   * up, the next IO waits the delay (then it and the rest of its burst go as slots free up).
   */
  private fillBursts(): void {
    const s = this.spec;
    while (!this.stopped && !this.delaying && this.outstanding < s.outstandingIos) {
      if (this.leftInBurst <= 0) {
        this.leftInBurst = s.burstLength;
        this.delaying = true;
        (this.ctx as WorkloadContext).sim.schedule(s.transferDelayNs, this.kindIssue, this.epoch, this);
        return;
      }
      this.leftInBurst--;
      this.issueOne();
    }
  }

  /** @internal an issue event: the open loop's next arrival, or the end of a transfer delay (`epoch`: the start that scheduled it). */
  issueEvent(epoch: number): void {
    if (epoch !== this.epoch) return;
    if (this.loop.kind === "open") {
      this.issueOne();
      return;
    }
    this.delaying = false;
    this.fillBursts();
  }

  /** @internal issues the next IO (and, open loop, schedules the one after). */
  issueOne(): void {
    if (this.stopped) return;
    const s = this.spec;
    const rng = this.rng as Rng;
    let lba: number;
    if (s.randomPercent > 0 && rng.random() * 100 < s.randomPercent) {
      lba = this.firstAligned + rng.int(this.regionSlots) * this.alignSectors;
    } else {
      // The next aligned offset after the previous IO (a hole if the size is not a multiple of the alignment),
      // back to the region's first one when the IO would run past the region's end — Iometer's TargetDisk::Seek.
      lba = this.nextSeqLba;
      const a = this.alignSectors;
      if (a > 1 && lba % a !== 0) lba += a - (lba % a);
      if (lba + this.sectors > this.regionEnd) lba = this.firstAligned;
    }
    this.nextSeqLba = lba + this.sectors;
    const isRead = s.readPercent >= 100 || (s.readPercent > 0 && rng.random() * 100 < s.readPercent);
    if (this.loop.kind === "open") {
      const ctx = this.ctx as WorkloadContext;
      if (this.loop.arrivals === "poisson") ctx.sim.schedule(exponential(rng, 1e9 / this.loop.iops), this.kindIssue, this.epoch, this);
      else ctx.sim.scheduleAt(this.openStartNs + (++this.arrivals * 1e9) / this.loop.iops, this.kindIssue, this.epoch, this);
    }
    this.issue(lba, this.sectors, isRead);
  }

  protected onCompleted(_req: IoRequest): void {
    if (this.loop.kind !== "closed" || this.stopped) return;
    if (this.spec.transferDelayNs === 0) this.issueOne();
    else this.fillBursts();
  }
}

function onIssueEvent(epoch: number, obj: unknown): void {
  (obj as IometerWorkload).issueEvent(epoch);
}
