import { describeIssues, type Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import type { IoRequest } from "../io.js";
import { sharedKind } from "./event-kinds.js";
import { FifoScheduler } from "./fifo-scheduler.js";
import { type HostCpu, HostCpuStateSchema } from "./host-cpu.js";
import { IoPool, type StackIo } from "./stack-io.js";
import { type BlockTarget, type HostScheduler, type IoSink, isSavable, restoreInTurn, type SchedulerHost } from "./target.js";

const count = z.number().int().nonnegative();

/** A host adapter's saved state, with its CPU's, its scheduler's and its target's (taken when no IO is in the host stack). */
export const HostAdapterStateSchema = z.object({
  version: z.literal(1),
  issueQueueDepth: z.number().int().positive(),
  completed: count,
  interrupts: count,
  deviceLatencySumNs: z.number().nonnegative(),
  cpu: HostCpuStateSchema,
  scheduler: z.unknown(),
  target: z.unknown(),
});
export type HostAdapterState = z.infer<typeof HostAdapterStateSchema>;

export interface HostAdapterOptions {
  /** Issue-queue depth: the most IOs outstanding at the device (PARDA's window w; an HBA's LUN queue depth). */
  issueQueueDepth: number;
  /** The host CPU that runs the IO path. */
  cpu: HostCpu;
  /** CPU time (ns) to issue one IO: guest/OS driver, plus vSCSI emulation and the VMkernel stack for a VM. */
  issueCostNs: number;
  /** CPU time (ns) per completion interrupt: physical ISR, plus virtual interrupt delivery for a VM. */
  interruptCostNs: number;
  /** Host-side scheduler at the adapter queue; default FIFO. */
  scheduler?: HostScheduler;
}

/**
 * The host's storage adapter (HBA) and the IO path through the host: each IO
 * costs CPU time on the way down, waits in the adapter queue (whose order is
 * the plugged-in `HostScheduler`'s) until one of `issueQueueDepth` slots is
 * free, goes to the target, and on completion raises an interrupt whose
 * handling costs CPU time before the completion reaches the submitter.
 */
export class HostAdapter implements BlockTarget, IoSink, SchedulerHost {
  readonly capacitySectors: number;
  readonly scheduler: HostScheduler;
  private depth: number;
  /** IOs at the device now. */
  inFlight = 0;
  /** Completions delivered to submitters. */
  completed = 0;
  /** Interrupts taken (one per completion; coalescing would lower this). */
  interrupts = 0;
  /** Sum of device latencies (dispatch → device completion), ns. */
  deviceLatencySumNs = 0;
  private readonly pool: IoPool;
  /** `options`' CPU and costs, held in fields: read twice per IO. */
  private readonly cpu: HostCpu;
  private readonly issueCostNs: number;
  private readonly interruptCostNs: number;
  private readonly kindArrive: number;
  private readonly kindInterrupt: number;

  constructor(
    private readonly sim: Simulation,
    private readonly target: BlockTarget,
    options: HostAdapterOptions,
  ) {
    checkDepth(options.issueQueueDepth);
    if (!(options.issueCostNs >= 0) || !(options.interruptCostNs >= 0))
      throw StorageErrors.badConfig("host adapter", "CPU costs per IO and per interrupt must be >= 0 ns");
    this.capacitySectors = target.capacitySectors;
    this.depth = options.issueQueueDepth;
    this.scheduler = options.scheduler ?? new FifoScheduler();
    this.pool = new IoPool(this);
    this.cpu = options.cpu;
    this.issueCostNs = options.issueCostNs;
    this.interruptCostNs = options.interruptCostNs;
    this.kindArrive = sharedKind(sim, "storage.adapter.arrive", onArrive);
    this.kindInterrupt = sharedKind(sim, "storage.adapter.interrupt", onInterrupt);
    this.scheduler.attach(this);
  }

  /** A disk with its write cache on below makes the adapter's completions volatile too. */
  get volatileWriteCache(): boolean {
    return this.target.volatileWriteCache === true;
  }

  get nowNs(): number {
    return this.sim.now;
  }

  get issueQueueDepth(): number {
    return this.depth;
  }

  /** Changes the issue-queue depth at run time (PARDA sets it every control period). */
  setIssueQueueDepth(depth: number): void {
    checkDepth(depth);
    this.depth = depth;
    this.kick();
  }

  submit(req: IoRequest, sink: IoSink): void {
    const io = this.pool.take(req, sink);
    const now = this.sim.now;
    const done = this.cpu.run(now, this.issueCostNs);
    if (done === now) this.arrive(io);
    else this.sim.schedule(done - now, this.kindArrive, 0, io);
  }

  /**
   * Saves the adapter with its CPU, its scheduler and its target. Nothing may be in the host stack
   * (no IO in the CPU, the queue or at the device); the scheduler and the target must save themselves
   * (`VMLAB_STORAGE_NOT_SAVABLE` names the one that cannot).
   */
  save(): HostAdapterState {
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent("host adapter", this.pool.inUse);
    const sched = this.scheduler;
    if (typeof sched.save !== "function" || typeof sched.restore !== "function")
      throw StorageErrors.notSavable("host adapter", "its scheduler has no saved form");
    if (!isSavable(this.target)) throw StorageErrors.notSavable("host adapter", "its target has no saved form");
    return {
      version: 1,
      issueQueueDepth: this.depth,
      completed: this.completed,
      interrupts: this.interrupts,
      deviceLatencySumNs: this.deviceLatencySumNs,
      // A CPU shared with another adapter may still be running that adapter's job: refused then.
      cpu: this.cpu.save(this.sim.now),
      scheduler: sched.save(),
      target: this.target.save(),
    };
  }

  /**
   * Restores a saved state; validates it first. The target, the CPU and the scheduler restore in turn,
   * each checking its own part; if one refuses, those already restored are put back.
   */
  restore(state: unknown): void {
    const p = HostAdapterStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("host adapter", describeIssues(p.error));
    const s = p.data;
    const before = this.save();
    const target = this.target as BlockTarget & { restore(state: unknown): void };
    const sched = this.scheduler as HostScheduler & { restore(state: unknown): void };
    restoreInTurn(
      [(x) => target.restore(x), (x) => this.cpu.restore(x), (x) => sched.restore(x)],
      [s.target, s.cpu, s.scheduler],
      [before.target, before.cpu, before.scheduler],
    );
    this.depth = s.issueQueueDepth;
    this.completed = s.completed;
    this.interrupts = s.interrupts;
    this.deviceLatencySumNs = s.deviceLatencySumNs;
  }

  /** @internal the IO's issue-path CPU work is done: it joins the adapter queue. */
  arrive(io: StackIo): void {
    this.scheduler.enqueue(io, this.sim.now);
    this.kick();
  }

  kick(): void {
    while (this.inFlight < this.depth) {
      const next = this.scheduler.dequeue(this.sim.now) as StackIo | null;
      if (next === null) return;
      this.inFlight++;
      next.t0 = this.sim.now;
      this.target.submit(next, this);
    }
  }

  complete(req: IoRequest): void {
    const io = req as StackIo;
    const now = this.sim.now;
    this.inFlight--;
    const latency = now - io.t0;
    this.deviceLatencySumNs += latency;
    this.scheduler.onComplete(io, now, latency);
    this.kick();
    this.interrupts++;
    const done = this.cpu.run(now, this.interruptCostNs);
    if (done === now) this.deliver(io);
    else this.sim.schedule(done - now, this.kindInterrupt, 0, io);
  }

  /** @internal the completion interrupt has been handled: tell the submitter. */
  deliver(io: StackIo): void {
    this.completed++;
    this.pool.complete(io);
  }
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1)
    throw StorageErrors.badConfig("host adapter", `issue-queue depth must be an integer >= 1, got ${depth}`);
}

function onArrive(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as HostAdapter).arrive(io);
}

function onInterrupt(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as HostAdapter).deliver(io);
}
