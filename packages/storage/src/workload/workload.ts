import { LogHistogram, type Rng, type Simulation } from "@vmlab/core-vm";
import { BlankIoRequest, type IoRequest, SECTOR_BYTES } from "../io.js";
import { IoPool } from "../iostack/stack-io.js";
import { type BlockTarget, type IoSink, requireSameSimulation } from "../iostack/target.js";

/**
 * A workload: something that issues `IoRequest`s into a `BlockTarget` over
 * virtual time — an Iometer worker (open or closed loop), a trace replay, a
 * synthetic VM. It is the `IoSink` of its own IOs.
 */
export interface Workload {
  readonly name: string;
  /** Begins issuing at `ctx.sim.now`. */
  start(ctx: WorkloadContext): void;
  /** Stops issuing new IOs; IOs in flight still complete and are counted. */
  stop(): void;
  /** Whether `start` was ever called (a workload never started issues nothing: `runMeasured` refuses it). */
  readonly started: boolean;
  /** Whether it issues now: started and not stopped since (absent: taken to be `started`; `runMeasured` refuses one that is not). */
  readonly running?: boolean;
  readonly stats: WorkloadStats;
}

/** What `Workload.start` gets: the simulation, where the IOs go, the workload's own random stream and the VM index stamped on its requests. */
export interface WorkloadContext {
  sim: Simulation;
  /** Where IOs go (a virtual disk, a host adapter, a bare device). */
  target: BlockTarget;
  /** This workload's own random stream (take it from `RngStreams` by a stable name). */
  rng: Rng;
  /** VM index stamped on every request. */
  vm: number;
}

/** What a workload measured, from its start or its last `reset` (end of warm-up). */
export class WorkloadStats {
  issued = 0;
  completed = 0;
  readsCompleted = 0;
  bytesCompleted = 0;
  /** Issue → completion, in µs (as vscsiStats and Iometer report latency). */
  latencyUs = new LogHistogram("latencyUs");
  sinceNs = 0;

  reset(nowNs: number): void {
    this.issued = 0;
    this.completed = 0;
    this.readsCompleted = 0;
    this.bytesCompleted = 0;
    this.latencyUs = new LogHistogram("latencyUs");
    this.sinceNs = nowNs;
  }

  /** Completions per second of virtual time up to `nowNs`. */
  iops(nowNs: number): number {
    const s = (nowNs - this.sinceNs) / 1e9;
    return s > 0 ? this.completed / s : 0;
  }

  /** MB/s in decimal MB (10^6 bytes: Iometer 1.1's "MBps (Decimal)"; its GUI and User's Guide use 2^20) up to `nowNs`. */
  mbPerSec(nowNs: number): number {
    const s = (nowNs - this.sinceNs) / 1e9;
    return s > 0 ? this.bytesCompleted / 1e6 / s : 0;
  }
}

/** A workload's own request object, kept on its free list between uses. */
class WorkloadRequest extends BlankIoRequest {
  /** The next free request while this one is on the free list. */
  nextFree: WorkloadRequest | null = null;
}

/**
 * Shared plumbing for workloads: a free list of request objects (nothing is
 * allocated per IO once warm), request ids, completion accounting. A subclass
 * decides when to issue (`issue`) and reacts to completions (`onCompleted`).
 */
export abstract class WorkloadBase implements Workload, IoSink {
  readonly stats = new WorkloadStats();
  protected ctx: WorkloadContext | null = null;
  protected stopped = false;
  /** IOs issued and not yet completed. */
  outstanding = 0;
  /** Free requests, linked through `nextFree`. */
  private free: WorkloadRequest | null = null;
  private nextId = 0;

  constructor(readonly name: string) {}

  get started(): boolean {
    return this.ctx !== null;
  }

  get running(): boolean {
    return this.ctx !== null && !this.stopped;
  }

  /**
   * Begins issuing. Started again after `stop()`, its stats go on from the first start (IOs in flight then
   * still complete and count); `stats.reset()` starts a new interval.
   */
  start(ctx: WorkloadContext): void {
    // A target built on another simulation queued the IOs there, where nothing ran them: 0 IOPS without a word.
    requireSameSimulation(ctx.sim, ctx.target, `workload ${this.name}`, "its target");
    if (this.ctx === null) this.stats.sinceNs = ctx.sim.now;
    this.ctx = ctx;
    this.stopped = false;
    this.onStart(ctx);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Issues one IO now. */
  protected issue(lba: number, sectors: number, isRead: boolean): void {
    const ctx = this.ctx as WorkloadContext;
    let req = this.free;
    if (req === null || !IoPool.recycle) req = new WorkloadRequest();
    else {
      this.free = req.nextFree;
      req.nextFree = null;
    }
    req.id = this.nextId++;
    req.vm = ctx.vm;
    req.lba = lba;
    req.sectors = sectors;
    req.isRead = isRead;
    req.issueTime = ctx.sim.now;
    this.outstanding++;
    this.stats.issued++;
    ctx.target.submit(req, this);
  }

  complete(req: IoRequest): void {
    const now = (this.ctx as WorkloadContext).sim.now;
    const st = this.stats;
    this.outstanding--;
    // Every completion since the last reset counts, an IO issued before it too (Iometer leaves out IOs issued in its ramp-up: `runMeasured`).
    st.completed++;
    if (req.isRead) st.readsCompleted++;
    st.bytesCompleted += req.sectors * SECTOR_BYTES;
    st.latencyUs.record((now - req.issueTime) / 1000);
    this.onCompleted(req, now);
    if (IoPool.recycle) {
      const r = req as WorkloadRequest;
      r.nextFree = this.free;
      this.free = r;
    }
  }

  protected abstract onStart(ctx: WorkloadContext): void;
  /** `req` has completed; it returns to the free list after this call. */
  protected abstract onCompleted(req: IoRequest, nowNs: number): void;
}
