import { describeIssues, type Simulation } from "@vmlab/core-vm";
import { type HostScheduler as AdapterScheduler, type IoRequest, type SchedulerHost, StorageErrors, sharedKind } from "@vmlab/storage";
import { z } from "zod";
import { QosErrors } from "../errors.js";
import type { HostScheduler } from "../sched/scheduler.js";

/** Hears every completion's device latency (dispatch → completion), PARDA's congestion signal. */
export interface LatencyListener {
  onDeviceLatency(localVm: number, latencyNs: number, nowNs: number): void;
}

/** The listener of a bridge nothing listens to (no PARDA or flow-control loop on the host). */
const NO_LISTENER: LatencyListener = { onDeviceLatency: () => {} };

/**
 * Plugs one of this package's schedulers (SFQ(D), mClock, FCFS) into the
 * storage package's host adapter, which owns the issue queue. Requests are
 * kept in a slot table so the scheduler only sees integer ids; VM indices on
 * requests are global (unique in the cluster) and `vmBase` maps them to the
 * host's local ones. For time-based schedulers (mClock limits and
 * reservations) it arms one wake-up event when nothing may go yet.
 *
 * `new SchedulerBridge(sim, new SfqD([1, 2, 4], 4))` is enough for one host whose VMs are 0, 1, 2 and
 * whose latencies nothing listens to; `vmBase` (default 0) and `listener` (default none) are for a
 * cluster's hosts and their control loops.
 */
export class SchedulerBridge implements AdapterScheduler {
  private host: SchedulerHost | null = null;
  private slots: (IoRequest | null)[] = [];
  private free: number[] = [];
  private readonly kindWake: number;
  private wakeAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly sim: Simulation,
    readonly inner: HostScheduler,
    private readonly vmBase: number = 0,
    private readonly listener: LatencyListener = NO_LISTENER,
    private readonly costOf: (req: IoRequest) => number = () => 1,
  ) {
    this.kindWake = sharedKind(sim, "qos.scheduler.wake", onWake);
  }

  get queued(): number {
    return this.inner.queued;
  }

  attach(host: SchedulerHost): void {
    this.host = host;
  }

  enqueue(req: IoRequest, nowNs: number): void {
    const id = this.free.length > 0 ? (this.free.pop() as number) : this.slots.length;
    if (id === this.slots.length) this.slots.push(req);
    else this.slots[id] = req;
    this.inner.enqueue(req.vm - this.vmBase, id, this.costOf(req), nowNs);
  }

  dequeue(nowNs: number): IoRequest | null {
    const id = this.inner.dispatch(nowNs);
    if (id < 0) {
      const at = this.inner.nextEligibleNs(nowNs);
      if (at !== Number.POSITIVE_INFINITY && at < this.wakeAt) {
        this.wakeAt = at;
        this.sim.schedule(Math.max(0, Math.ceil(at - nowNs)), this.kindWake, 0, this);
      }
      return null;
    }
    const req = this.slots[id] as IoRequest;
    this.slots[id] = null;
    this.free.push(id);
    return req;
  }

  onComplete(req: IoRequest, nowNs: number, deviceLatencyNs: number): void {
    const vm = req.vm - this.vmBase;
    this.inner.complete(vm, nowNs);
    this.listener.onDeviceLatency(vm, deviceLatencyNs, nowNs);
  }

  /**
   * The inner scheduler's state (tags, virtual time) and the free request ids in order, for a
   * snapshot of the host stack: only with no request held or at the device and no wake-up armed;
   * FCFS, which has no saved form, refuses (`VMLAB_STORAGE_NOT_SAVABLE`).
   */
  save(): { version: 1; inner: unknown; slots: number; free: number[] } {
    return { version: 1, inner: this.idleInner("save").save(), slots: this.slots.length, free: [...this.free] };
  }

  restore(state: unknown): void {
    const p = BridgeStateSchema.safeParse(state);
    if (!p.success) throw QosErrors.badState("scheduler bridge", describeIssues(p.error));
    const s = p.data;
    if (s.free.length !== s.slots || s.free.some((id) => id >= s.slots) || new Set(s.free).size !== s.slots)
      throw QosErrors.badState("scheduler bridge", "the free ids must be each slot once");
    const inner = this.idleInner("restore");
    const before = inner.save();
    inner.restore(s.inner);
    // Saved idle: a state holding requests would point at slots that hold none (or jam at its depth).
    if (this.inner.queued + this.inner.outstanding > 0) {
      inner.restore(before);
      throw QosErrors.badState("scheduler bridge", `the saved ${this.inner.name} scheduler holds requests; it is saved only when idle`);
    }
    this.slots = new Array(s.slots).fill(null);
    this.free = [...s.free];
  }

  /**
   * The inner scheduler, once it holds no request and no wake-up is armed, and if it can save and
   * restore itself (FCFS cannot: `VMLAB_STORAGE_NOT_SAVABLE`).
   */
  private idleInner(op: "save" | "restore"): HostScheduler & { save(): unknown; restore(state: unknown): void } {
    const inner = this.inner as HostScheduler & { save?(): unknown; restore?(state: unknown): void };
    const busy = inner.queued + inner.outstanding + (this.wakeAt === Number.POSITIVE_INFINITY ? 0 : 1);
    if (busy > 0) throw StorageErrors.notQuiescent(`${inner.name} scheduler`, busy, op);
    if (typeof inner.save !== "function" || typeof inner.restore !== "function")
      throw StorageErrors.notSavable(`${inner.name} scheduler`, "it has no saved form");
    return inner as HostScheduler & { save(): unknown; restore(state: unknown): void };
  }

  /** @internal */
  wake(): void {
    this.wakeAt = Number.POSITIVE_INFINITY;
    this.host?.kick();
  }
}

const BridgeStateSchema = z.object({
  version: z.literal(1),
  inner: z.unknown(),
  slots: z.number().int().nonnegative(),
  free: z.array(z.number().int().nonnegative()),
});

function onWake(_num: number, obj: unknown): void {
  (obj as SchedulerBridge).wake();
}
