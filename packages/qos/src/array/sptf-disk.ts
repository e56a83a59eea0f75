import { NS_PER_MS, type Simulation } from "@vmlab/core-vm";
import { type BlockTarget, IoPool, type IoRequest, type IoSink, type StackIo, sharedKind } from "@vmlab/storage";
import { QosErrors } from "../errors.js";
import { requireInteger, requireNonNegative, requirePositive } from "../validate.js";

/** A member disk's figures. */
export interface SptfDiskSpec {
  capacitySectors: number;
  rpm: number;
  cylinders: number;
  /** Seek time for one cylinder, ms. */
  trackToTrackMs: number;
  /** Seek time across the whole surface, ms; in between t(d) = t1 + (tfull − t1)·√(d/C). */
  fullStrokeMs: number;
  /** Sectors under the head per revolution (sets the media rate). */
  sectorsPerTrack: number;
  /** Fixed per-command time in the array and drive controllers, ms. */
  commandOverheadMs: number;
  /** How many queued commands the drive reorders among (tagged queue depth); newer ones wait FIFO behind them. */
  sortWindow: number;
  /**
   * Starvation bound, ms: a command that has been among the drive's `sortWindow` this long goes next, whatever SPTF
   * would pick (drives age their queued commands; without it a far command waited for as long as nearer ones kept
   * arriving). Its age counts from when it entered the window, not from when it reached the array: time spent waiting
   * FIFO behind the window is the array's queue, which the drive does not see. Infinity: no bound.
   */
  maxCommandAgeMs: number;
}

/**
 * A 146 GB 10K RPM FC drive of the CX3-40's era. Geometry and seek figures
 * are typical of such drives (assumptions, not a data sheet); so is the
 * 500 ms starvation bound (the storage package's Cheetah 15K.5 uses the same). Two figures
 * are calibrated to PARDA's measurements of its CX3-40 LUN (docs/parda.md):
 * the per-command overhead (array controller + drive) and the number of
 * commands the array keeps queued at each disk, so that 16 KB random reads
 * give Table 3's and Table 4's uncontrolled aggregates (3360 IOPS at 4 × 32
 * OIO, 3130 at 6 × 32; ours ≈ 3250 and 3140) and throughput stays nearly
 * flat from ~100 to ~190 outstanding IOs, as the paper's does.
 */
export const FC_10K_DISK: SptfDiskSpec = {
  capacitySectors: 286_749_488,
  rpm: 10_000,
  cylinders: 50_000,
  trackToTrackMs: 0.3,
  fullStrokeMs: 7.5,
  sectorsPerTrack: 1_000,
  commandOverheadMs: 0.75,
  sortWindow: 8,
  maxCommandAgeMs: 500,
};

/**
 * A compact disk model for the array's members: one actuator, commands served
 * shortest-positioning-time-first among the oldest `sortWindow` queued, with
 * a √-distance seek curve, a rotational wait computed from the platter's
 * angle at the moment the seek ends (the angle is a function of virtual time),
 * and media transfer. Throughput rises with queue depth as SPTF gets more
 * choice, then flattens once the window is full — the behaviour PARDA's
 * array shows (Tables 3–4: the same IOPS at 100 and at 190 outstanding IOs).
 * The oldest command goes first once it has been in the window `maxCommandAgeMs`.
 */
export class SptfDisk implements BlockTarget {
  readonly capacitySectors: number;
  private readonly pool: IoPool;
  private readonly kindDone: number;
  private queue: StackIo[] = [];
  private head = 0;
  private busy = false;
  private headCyl = 0;
  private readonly revNs: number;
  private readonly sectorNs: number;
  private readonly sectorsPerCyl: number;
  private readonly t1Ns: number;
  private readonly spanNs: number;
  private readonly overheadNs: number;
  private readonly maxAgeNs: number;
  completed = 0;
  busyNs = 0;

  /** `key` names the spec in errors as the user wrote it (a cluster spec's `array.disk`). */
  constructor(
    private readonly sim: Simulation,
    readonly spec: SptfDiskSpec = FC_10K_DISK,
    key = "disk",
  ) {
    requireInteger(`${key}.capacitySectors`, spec.capacitySectors, 1);
    requirePositive(`${key}.rpm`, spec.rpm);
    requirePositive(`${key}.sectorsPerTrack`, spec.sectorsPerTrack);
    requireNonNegative(`${key}.trackToTrackMs`, spec.trackToTrackMs);
    requirePositive(`${key}.fullStrokeMs`, spec.fullStrokeMs);
    if (spec.fullStrokeMs < spec.trackToTrackMs)
      throw QosErrors.badConfig(
        `${key}.fullStrokeMs`,
        `must be >= trackToTrackMs (${spec.trackToTrackMs} ms): a longer seek cannot be faster, got ${spec.fullStrokeMs}`,
      );
    requireNonNegative(`${key}.commandOverheadMs`, spec.commandOverheadMs);
    requireInteger(`${key}.sortWindow`, spec.sortWindow, 1);
    if (!(typeof spec.maxCommandAgeMs === "number" && spec.maxCommandAgeMs >= 0))
      throw QosErrors.badConfig(`${key}.maxCommandAgeMs`, `must be a number of ms >= 0 (Infinity: no bound), got ${spec.maxCommandAgeMs}`);
    requireInteger(`${key}.cylinders`, spec.cylinders, 2);
    // A cylinder smaller than a track laid one track's sectors over several cylinders, a seek apart.
    const maxCylinders = Math.floor(spec.capacitySectors / spec.sectorsPerTrack);
    if (spec.cylinders > maxCylinders)
      throw QosErrors.badConfig(
        `${key}.cylinders`,
        `must be <= capacitySectors / sectorsPerTrack (${maxCylinders}): a cylinder holds at least one track, got ${spec.cylinders}`,
      );
    this.capacitySectors = spec.capacitySectors;
    // Not `| 0`: a 32-bit cut wrapped the revolution below 28 RPM (60e9 / rpm > 2^31): wrong, or negative at 20 RPM.
    this.revNs = 60e9 / spec.rpm;
    this.sectorNs = this.revNs / spec.sectorsPerTrack;
    this.sectorsPerCyl = spec.capacitySectors / spec.cylinders;
    this.t1Ns = spec.trackToTrackMs * NS_PER_MS;
    this.spanNs = (spec.fullStrokeMs - spec.trackToTrackMs) * NS_PER_MS;
    this.overheadNs = spec.commandOverheadMs * NS_PER_MS;
    this.maxAgeNs = spec.maxCommandAgeMs * NS_PER_MS;
    this.pool = new IoPool(this);
    this.kindDone = sharedKind(sim, "qos.disk.done", onDone);
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
  }

  submit(req: IoRequest, sink: IoSink): void {
    const io = this.pool.take(req, sink);
    // t0: when the command entered the drive's sort window (the starvation bound's start); one arriving behind a full
    // window gets it when the window reaches it (`dispatch`).
    io.t0 = this.sim.now;
    this.queue.push(io);
    if (!this.busy) this.dispatch();
  }

  seekNs(distance: number): number {
    return distance === 0 ? 0 : this.t1Ns + this.spanNs * Math.sqrt(distance / this.spec.cylinders);
  }

  private dispatch(): void {
    const q = this.queue;
    const n = q.length - this.head;
    if (n === 0) return;
    const now = this.sim.now;
    const t = now + this.overheadNs;
    const rev = this.revNs;
    // The queue keeps arrival order, so q[head] is the oldest: past the bound, a window of one serves it next.
    const last = this.head + (now - q[this.head].t0 >= this.maxAgeNs ? 1 : Math.min(n, this.spec.sortWindow));
    let best = this.head;
    let bestPos = Number.POSITIVE_INFINITY;
    for (let i = this.head; i < last; i++) {
      const lba = q[i].lba;
      const cyl = Math.floor(lba / this.sectorsPerCyl);
      const seek = this.seekNs(Math.abs(cyl - this.headCyl));
      const angle = (lba % this.spec.sectorsPerTrack) / this.spec.sectorsPerTrack;
      let wait = angle - ((t + seek) % rev) / rev;
      if (wait < 0) wait += 1;
      const p = seek + wait * rev;
      if (p < bestPos) {
        bestPos = p;
        best = i;
      }
    }
    const io = q[best];
    // Keep arrival order for the rest: shift the older entries up by one.
    for (let i = best; i > this.head; i--) q[i] = q[i - 1];
    q[this.head] = io;
    this.head++;
    // The command the window now reaches enters it: its age starts now. Aged from its arrival instead, a disk holding
    // more than its window (a closed loop of 250+ outstanding IOs over 10 disks) had every head command past the bound
    // and served them one by one, first come first served: the array's throughput fell by 40% and stayed there.
    const entering = this.head + this.spec.sortWindow - 1;
    if (entering < q.length) q[entering].t0 = now;
    if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
    this.headCyl = Math.floor((io.lba + io.sectors - 1) / this.sectorsPerCyl);
    const service = this.overheadNs + bestPos + io.sectors * this.sectorNs;
    this.busy = true;
    this.busyNs += service;
    this.sim.schedule(service, this.kindDone, 0, io);
  }

  /** @internal */
  finish(io: StackIo): void {
    this.busy = false;
    this.completed++;
    const parent = io.parent as IoRequest;
    const sink = io.parentSink as IoSink;
    this.pool.give(io);
    sink.complete(parent);
    if (!this.busy) this.dispatch();
  }
}

function onDone(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as SptfDisk).finish(io);
}
