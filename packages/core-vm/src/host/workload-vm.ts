import { z } from "zod";
import type { BlockBackend } from "../block/backend.js";
import { BLOCK_PENDING, SECTOR_SIZE } from "../block/backend.js";
import { CoreErrors, checkOptionNames, describeIssues } from "../errors.js";
import { LogHistogram } from "../sim/histogram.js";
import { Rng, RngStateSchema } from "../sim/rng.js";
import { Simulation } from "../sim/simulation.js";
import type { SnapshotComponent } from "../snapshot/component.js";
import type { HostedVm } from "./hosted-vm.js";
import { PartitionBackend } from "./partition.js";

/** Options of a `WorkloadVm`: its disk, outstanding IOs, request size, read fraction, vCPU time per IO, how many IOs and its seed. */
export interface WorkloadVmOptions {
  name: string;
  /** The virtual disk the workload drives (a LUN of the host's block adapter, or any backend). */
  disk: BlockBackend;
  /** Requests kept outstanding (Iometer's "# of outstanding I/Os"; default 8). */
  outstandingIos?: number;
  /** Request size in bytes (default 4096), a multiple of 512. */
  ioBytes?: number;
  /** Fraction of reads (default 0.7, Iometer's classic OLTP mix). */
  readFraction?: number;
  /** vCPU time to issue a request, and again to handle its completion, ns (default 20 µs: an assumption). */
  cpuNsPerIo?: number;
  /** Stop after this many completions (default: never). */
  totalIos?: number;
  seed?: number;
}

const WORKLOAD_VM_OPTIONS = ["name", "disk", "outstandingIos", "ioBytes", "readFraction", "cpuNsPerIo", "totalIos", "seed"];

/**
 * Whether `disk` declares itself asynchronous: it takes a completion listener. A host's LUN takes one
 * whatever its target (it forwards it), so a LUN is as asynchronous as the target behind it.
 */
function isAsynchronous(disk: BlockBackend): boolean {
  return disk instanceof PartitionBackend ? isAsynchronous(disk.target) : disk.setCompletionListener !== undefined;
}

const asynchronousDisk = () =>
  CoreErrors.hostBadOption(
    "disk",
    "an asynchronous backend",
    "a backend that returns completion times (workload VMs do not take BLOCK_PENDING: give them a synchronous disk such as MemoryBackend or ModeledBackend, or a host LUN of one)",
  );

/** A `WorkloadVm`'s saved state: its counters, pending completions, PRNG stream and latency histogram. */
export const WorkloadVmStateSchema = z.object({
  version: z.literal(1),
  issued: z.number().int().min(0),
  completed: z.number().int().min(0),
  /** Completions whose CPU work has not run yet. */
  backlog: z.number().int().min(0),
  /** Requests waiting for the vCPU to issue them. */
  toIssue: z.number().int().min(0),
  stepProgressNs: z.number().int().min(0),
  cpuNs: z.number().int().min(0),
  rng: RngStateSchema,
  latency: z.unknown(),
});
/** A `WorkloadVm`'s saved state (`WorkloadVmStateSchema`). */
export type WorkloadVmState = z.infer<typeof WorkloadVmStateSchema>;

/**
 * A workload-model VM (DESIGN.md "workload model"): an Iometer-like
 * generator that keeps `outstandingIos` random requests on its disk without
 * executing instructions. Issuing a request costs `cpuNsPerIo` of vCPU
 * time and handling its completion as much again, so when its host's CPUs are contended the VM issues
 * fewer IOs — the interplay a host with many VMs shows. Completions are
 * events of its own simulation carrying plain data, so it snapshots.
 */
export class WorkloadVm implements HostedVm, SnapshotComponent<WorkloadVmState> {
  readonly name: string;
  readonly sim = new Simulation();
  readonly version = 1;
  readonly disk: BlockBackend;
  readonly outstandingIos: number;
  readonly ioBytes: number;
  readonly readFraction: number;
  readonly cpuNsPerIo: number;
  readonly totalIos: number;
  /** Request latency (submit to completion), ns. */
  latency = new LogHistogram();
  issued = 0;
  completed = 0;
  /** vCPU time used so far, ns. */
  cpuNs = 0;
  private backlog = 0;
  /** vCPU time already spent on the current step, ns. */
  private stepProgressNs = 0;
  private toIssue: number;
  private rng: Rng;
  private readonly kind: number;

  constructor(options: WorkloadVmOptions) {
    const o = options;
    checkOptionNames(o, WORKLOAD_VM_OPTIONS, CoreErrors.hostBadOption);
    this.name = o.name;
    this.disk = o.disk;
    this.outstandingIos = o.outstandingIos ?? 8;
    this.ioBytes = o.ioBytes ?? 4096;
    this.readFraction = o.readFraction ?? 0.7;
    this.cpuNsPerIo = o.cpuNsPerIo ?? 20_000;
    this.totalIos = o.totalIos ?? Number.POSITIVE_INFINITY;
    // Refused now rather than at the first request, deep in a run: a backend that takes a completion
    // listener is an asynchronous one (BlockBackend: "required if submit ever returns BLOCK_PENDING").
    // One that returns BLOCK_PENDING without declaring it is still refused at its first request (issue).
    if (isAsynchronous(this.disk)) throw asynchronousDisk();
    if (!Number.isInteger(this.outstandingIos) || this.outstandingIos < 1)
      throw CoreErrors.hostBadOption("outstandingIos", this.outstandingIos, "an integer >= 1");
    if (
      !Number.isInteger(this.ioBytes) ||
      this.ioBytes < SECTOR_SIZE ||
      this.ioBytes % SECTOR_SIZE !== 0 ||
      this.ioBytes > this.disk.sizeBytes
    )
      throw CoreErrors.hostBadOption("ioBytes", this.ioBytes, "a multiple of 512 no larger than the disk");
    if (!(this.readFraction >= 0 && this.readFraction <= 1))
      throw CoreErrors.hostBadOption("readFraction", this.readFraction, "a number in [0, 1]");
    if (!Number.isInteger(this.cpuNsPerIo) || this.cpuNsPerIo < 1)
      throw CoreErrors.hostBadOption("cpuNsPerIo", this.cpuNsPerIo, "an integer >= 1");
    if (!(Number.isInteger(this.totalIos) || this.totalIos === Number.POSITIVE_INFINITY) || this.totalIos < 1)
      throw CoreErrors.hostBadOption("totalIos", this.totalIos, "an integer >= 1 (absent: never stop)");
    this.rng = new Rng(o.seed ?? 1, `workload:${o.name}`);
    // Never more requests to issue (each costing vCPU time) than the total leaves.
    this.toIssue = Math.min(this.outstandingIos, this.totalIos);
    // num = submit time; the completion is plain data, so a snapshot of the queue holds it.
    this.kind = this.sim.on(`${o.name}.io-done`, (submittedNs) => {
      this.latency.record(this.sim.now - submittedNs);
      this.completed++;
      this.backlog++;
    });
  }

  get done(): boolean {
    return this.completed >= this.totalIos;
  }

  wantsCpu(endNs: number): boolean {
    return this.readyFromNs() < endNs;
  }

  /**
   * When it has CPU work from: now (its clock) with completions to handle or requests to issue; else its next
   * completion (its simulation's next event; Infinity with none in flight, or done).
   */
  readyFromNs(): number {
    if (this.done) return Number.POSITIVE_INFINITY;
    return this.backlog > 0 || this.toIssue > 0 ? this.sim.now : this.sim.peek();
  }

  /**
   * Spends vCPU time up to `endNs`: handles completions, then issues
   * requests, `cpuNsPerIo` each; a step may span slices (its progress is kept).
   * Out of work, it waits on the CPU for its next completion within the slice and handles it then.
   * Returns the vCPU time spent, not the time it waited for its IOs.
   */
  runOn(endNs: number): number {
    let used = 0;
    let from = this.sim.now;
    for (;;) {
      used += this.runUntilIdle(from, endNs).usedNs;
      from = this.readyFromNs();
      if (from >= endNs) break;
    }
    this.idleTo(endNs);
    return used;
  }

  /**
   * Given the CPU at `fromNs`, spends vCPU time until it has no work (every request issued, no completion
   * to handle: it waits for its IOs) or `endNs`, whichever comes first, and stops there, its clock at that
   * time. Returns the vCPU time used and that time.
   */
  runUntilIdle(fromNs: number, endNs: number): { usedNs: number; stopNs: number } {
    this.idleTo(fromNs);
    const cpuNs = this.cpuNs;
    let t = this.sim.now;
    while (t < endNs && !this.done && (this.backlog > 0 || this.toIssue > 0)) {
      const need = this.cpuNsPerIo - this.stepProgressNs;
      if (t + need > endNs) {
        this.stepProgressNs += endNs - t;
        this.cpuNs += endNs - t;
        t = endNs;
        break;
      }
      t += need;
      this.cpuNs += need;
      this.stepProgressNs = 0;
      this.sim.run({ until: t });
      if (this.backlog > 0) {
        this.backlog--;
        if (this.issued + this.toIssue < this.totalIos) this.toIssue++;
      } else {
        this.toIssue--;
        if (this.issued < this.totalIos) this.issue(t);
      }
    }
    // A step cut at `endNs` leaves the clock there too (what completes meanwhile is handled next time).
    if (this.sim.now < t) this.sim.run({ until: t });
    return { usedNs: this.cpuNs - cpuNs, stopNs: this.sim.now };
  }

  idleTo(endNs: number): void {
    if (this.sim.now < endNs) this.sim.run({ until: endNs });
  }

  private issue(now: number): void {
    const sectors = this.disk.sizeBytes / SECTOR_SIZE;
    const span = this.ioBytes / SECTOR_SIZE;
    const offset = this.rng.int(sectors - span + 1) * SECTOR_SIZE;
    const op = this.rng.random() < this.readFraction ? "read" : "write";
    const done = this.disk.submit(op, offset, this.ioBytes, now, 0);
    if (done === BLOCK_PENDING) throw asynchronousDisk();
    this.issued++;
    this.sim.scheduleAt(done, this.kind, now, null);
  }

  save(): WorkloadVmState {
    return {
      version: 1,
      issued: this.issued,
      completed: this.completed,
      backlog: this.backlog,
      toIssue: this.toIssue,
      stepProgressNs: this.stepProgressNs,
      cpuNs: this.cpuNs,
      rng: this.rng.save(),
      latency: this.latency.save(),
    };
  }

  parse(state: unknown): WorkloadVmState {
    const p = WorkloadVmStateSchema.safeParse(state);
    if (!p.success) throw CoreErrors.simBadState(`workload VM ${this.name}`, describeIssues(p.error));
    LogHistogram.restore(p.data.latency, "latency");
    return p.data;
  }

  restore(s: WorkloadVmState): void {
    this.issued = s.issued;
    this.completed = s.completed;
    this.backlog = s.backlog;
    this.toIssue = s.toIssue;
    this.stepProgressNs = s.stepProgressNs;
    this.cpuNs = s.cpuNs;
    this.rng.restore(s.rng);
    this.latency = LogHistogram.restore(s.latency, "latency");
  }
}
