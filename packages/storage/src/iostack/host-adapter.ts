import { describeIssues, type Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, misfitText } from "../io.js";
import { refuseUnknownOptions } from "../options-check.js";
import { sharedKind } from "./event-kinds.js";
import { FifoScheduler } from "./fifo-scheduler.js";
import { type HostCpu, HostCpuStateSchema } from "./host-cpu.js";
import { IoRing } from "./io-ring.js";
import { IoPool, type StackIo } from "./stack-io.js";
import {
  type BlockTarget,
  flushRefusal,
  type HostScheduler,
  type IoSink,
  isSavable,
  passFlush,
  requireSameSimulation,
  restoreInTurn,
  type SchedulerHost,
} from "./target.js";

const count = z.number().int().nonnegative();

/** A host adapter's saved state, with its CPU's, its scheduler's and its target's (taken when no IO is in the host stack). */
export const HostAdapterStateSchema = z.object({
  version: z.literal(1),
  issueQueueDepth: z.number().int().positive(),
  completed: count,
  interrupts: count,
  deviceLatencySumNs: z.number().nonnegative(),
  /** `flushes`; absent when 0 (an adapter that took no flush saves what it always saved). */
  flushes: count.optional(),
  cpu: HostCpuStateSchema,
  scheduler: z.unknown(),
  target: z.unknown(),
});
/** A `HostAdapter`'s saved state (when no IO is in the stack): counters, its `HostCpu`, its scheduler and its target. */
export type HostAdapterState = z.infer<typeof HostAdapterStateSchema>;

/** A `HostAdapter`'s settings: issue-queue depth, the host CPU and its costs per IO and per interrupt, and the scheduler ordering its queue. */
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
 *
 * A flush (`flush`, SCSI SYNCHRONIZE CACHE) is a command like any other on this path — issue CPU, a slot
 * of the issue queue, a completion interrupt — sent to the target's `flush`. Like Linux's block layer it
 * bypasses the host scheduler (a flush is no share of anyone's bandwidth) and takes the next free slot
 * before the IOs the scheduler holds; and like it (block/blk-flush.c: flushes are "double buffered") it
 * merges them: one flush command is at the target at a time, and the flushes that arrive meanwhile wait
 * and go as one command when it completes. Each flush issued had one slot to itself, and a guest
 * flushing in a loop took every slot that freed: the other VMs' IOs went 2 a second, whatever their
 * shares. Every write completed through the adapter before the command was issued had completed at the
 * target before, so the target's flush covers it, and every flush it serves arrived before it was issued.
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
  /** Sum of device latencies (dispatch → device completion), ns; flushes not included. */
  deviceLatencySumNs = 0;
  /** Flushes completed to their submitters (not in `completed`; their interrupts are in `interrupts`). */
  flushes = 0;
  /** Flushes whose issue-path CPU work is done, waiting for the flush command at the target to complete (and a slot), oldest first. */
  private readonly flushQueue = new IoRing();
  /** The flushes the flush command at the target serves (its own first), empty when none is out. */
  private readonly flushesServed = new IoRing();
  /** `flushQueue.length`, in a field: the one check a completion makes for flushes. */
  private flushesWaiting = 0;
  /** Where the target completes a flush (not `complete`: the scheduler never saw it). */
  private readonly flushSink: IoSink = { complete: (req) => this.flushCompleted(req as StackIo) };
  private readonly pool: IoPool;
  /** `options`' CPU and costs, held in fields: read twice per IO. */
  private readonly cpu: HostCpu;
  private readonly issueCostNs: number;
  private readonly interruptCostNs: number;
  private readonly kindArrive: number;
  private readonly kindInterrupt: number;
  private readonly kindFlushArrive: number;
  private readonly kindFlushDeliver: number;

  constructor(
    private readonly sim: Simulation,
    private readonly target: BlockTarget,
    options: HostAdapterOptions,
  ) {
    requireSameSimulation(sim, target, "host adapter", "its target");
    refuseUnknownOptions("host adapter", options, ["issueQueueDepth", "cpu", "issueCostNs", "interruptCostNs", "scheduler"]);
    checkDepth(options.issueQueueDepth);
    const { issueCostNs, interruptCostNs } = options;
    if (!(issueCostNs >= 0 && Number.isFinite(issueCostNs) && interruptCostNs >= 0 && Number.isFinite(interruptCostNs)))
      throw StorageErrors.badConfig(
        "host adapter",
        `CPU costs per IO and per interrupt must be finite and >= 0 ns, got issueCostNs ${issueCostNs}, interruptCostNs ${interruptCostNs}`,
      );
    // Checked by shape, not `instanceof`: a HostCpu from another copy of the package is as good.
    if (typeof (options.cpu as Partial<HostCpu> | undefined)?.run !== "function")
      throw StorageErrors.badConfig("host adapter", "cpu must be a HostCpu (the host CPU that runs the IO path): new HostCpu(cores)");
    this.capacitySectors = target.capacitySectors;
    this.depth = options.issueQueueDepth;
    this.scheduler = options.scheduler ?? new FifoScheduler();
    this.pool = new IoPool(this);
    this.cpu = options.cpu;
    this.issueCostNs = options.issueCostNs;
    this.interruptCostNs = options.interruptCostNs;
    this.kindArrive = sharedKind(sim, "storage.adapter.arrive", onArrive);
    this.kindInterrupt = sharedKind(sim, "storage.adapter.interrupt", onInterrupt);
    this.kindFlushArrive = sharedKind(sim, "storage.adapter.flushArrive", onFlushArrive);
    this.kindFlushDeliver = sharedKind(sim, "storage.adapter.flushDeliver", onFlushDeliver);
    this.scheduler.attach(this);
  }

  /** A disk with its write cache on below makes the adapter's completions volatile too. */
  get volatileWriteCache(): boolean {
    return this.target.volatileWriteCache === true;
  }

  /** Why a flush through the adapter would miss a volatile write cache below (the target's answer), or null. */
  flushRefusal(): string | null {
    return flushRefusal(this.target);
  }

  /**
   * A flush: costs issue CPU, waits for the flush command already at the target (if one is) and a slot of the
   * issue queue (ahead of what the scheduler holds), goes to the target's `flush` as one command with the flushes
   * waiting beside it, and completes through that command's interrupt, once every write completed through
   * the adapter before it is on stable media. A target that takes no flush (nothing volatile below)
   * completes it at once. Refused (`VMLAB_STORAGE_BAD_CONFIG`) if a volatile cache below cannot be reached.
   */
  flush(req: IoRequest, sink: IoSink): void {
    const why = flushRefusal(this.target);
    if (why !== null) throw StorageErrors.badConfig("host adapter", why);
    const io = this.pool.take(req, sink);
    const now = this.sim.now;
    const done = this.cpu.run(now, this.issueCostNs);
    // As `submit`: a step that takes no CPU time is taken at once (see `complete`).
    if (done === now) this.flushArrive(io);
    else this.sim.schedule(done - now, this.kindFlushArrive, 0, io);
  }

  /** @internal a flush's issue-path CPU work is done: it waits for a slot. */
  flushArrive(io: StackIo): void {
    this.flushQueue.push(io);
    this.flushesWaiting++;
    this.startFlushes();
  }

  /** Sends the waiting flushes to the target as one command, if none is out and a slot is free. */
  private startFlushes(): void {
    if (this.flushesWaiting === 0 || this.flushesServed.length > 0 || this.inFlight >= this.depth) return;
    const io = this.flushQueue.peek() as StackIo;
    while (this.flushesWaiting > 0) {
      this.flushesServed.push(this.flushQueue.shift() as StackIo);
      this.flushesWaiting--;
    }
    this.inFlight++;
    io.t0 = this.sim.now;
    // A target that takes no flush has nothing volatile: the command completes at once.
    if (!passFlush("host adapter", this.target, io, this.flushSink)) this.sim.schedule(0, this.kindFlushDeliver, 1, io);
  }

  /** @internal the target completed a flush command: its slot is free, and its interrupt is taken for every flush it served. */
  flushCompleted(_io: StackIo): void {
    const now = this.sim.now;
    this.inFlight--;
    const served: StackIo[] = [];
    while (this.flushesServed.length > 0) served.push(this.flushesServed.shift() as StackIo);
    // The flushes that arrived while it was out go now, as the next command.
    this.startFlushes();
    this.kick();
    this.interrupts++;
    const done = this.cpu.run(now, this.interruptCostNs);
    // As `complete`: an interrupt that takes no CPU time is delivered at once.
    for (const io of served) {
      if (done === now) this.flushDeliver(io);
      else this.sim.schedule(done - now, this.kindFlushDeliver, 0, io);
    }
  }

  /** @internal a flush's completion interrupt has been handled: tell the submitter. */
  flushDeliver(io: StackIo): void {
    this.flushes++;
    this.pool.complete(io);
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
    this.startFlushes();
    this.kick();
  }

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
  }

  submit(req: IoRequest, sink: IoSink): void {
    // Checked before the IO takes a slot: refused by the target below, it stayed counted in flight and the adapter,
    // its slots taken by IOs that would never complete, stopped issuing (or the refusal surfaced from sim.run later).
    if (!fitsTarget(req, this.target.capacitySectors))
      throw StorageErrors.badConfig("host adapter", misfitText(req, "its target", this.target.capacitySectors));
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
      ...(this.flushes > 0 ? { flushes: this.flushes } : {}),
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
    // Its own check first: the rollback's save below refused a busy adapter as "cannot save".
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent("host adapter", this.pool.inUse, "restore");
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
    this.flushes = s.flushes ?? 0;
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
    // A waiting flush takes the freed slot first (the one check a completion makes for flushes).
    if (this.flushesWaiting !== 0) this.startFlushes();
    this.kick();
    this.interrupts++;
    const done = this.cpu.run(now, this.interruptCostNs);
    // A CPU step that takes no time (an interrupt or an issue, of an IO or a flush alike) is taken in the call, not
    // through an event at the same instant: what reaches the submitter (or the target) at one instant then comes in
    // the order nonzero costs give — the CPU's first come, first served — and an IO path without CPU costs (the QoS
    // hosts) spends no event on it. A flush's step deferred to an event reached the submitter after an IO the target
    // completed after it.
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

function onFlushArrive(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as HostAdapter).flushArrive(io);
}

/** `num` 1: a target that takes no flush completed it at once (`flushCompleted`); 0: its interrupt is handled. */
function onFlushDeliver(num: number, obj: unknown): void {
  const io = obj as StackIo;
  const adapter = io.owner as HostAdapter;
  if (num === 1) adapter.flushCompleted(io);
  else adapter.flushDeliver(io);
}
