import { z } from "zod";
import { QosErrors } from "../errors.js";
import { requireInteger, requirePositive } from "../validate.js";
import { checkRequest, type HostScheduler, RequestRing, RingStateSchema } from "./scheduler.js";

/** Saved SFQ(D) state: validated on restore (saved state is untrusted input). */
export const SfqStateSchema = z
  .object({
    version: z.literal(1),
    shares: z.array(z.number().positive()).min(1),
    depth: z.number().int().min(1),
    outstanding: z.number().int().min(0),
    virtualTime: z.number().min(0),
    maxFinishDispatched: z.number().min(0),
    lastFinish: z.array(z.number().min(0)),
    queues: z.array(RingStateSchema),
  })
  .refine((s) => s.lastFinish.length === s.shares.length && s.queues.length === s.shares.length, "one lastFinish and one queue per VM");
/** An `SfqD` scheduler's saved state: shares, depth, virtual time, each VM's last finish tag and queue. */
export type SfqState = z.infer<typeof SfqStateSchema>;

/**
 * SFQ(D): start-time fair queuing with at most D requests outstanding at the
 * device (Jin, Chase & Kaur, SIGMETRICS 2004), the local scheduler PARDA
 * runs inside each host to split the host's window among its VMs by share
 * (PARDA §3.4). Each request gets a start tag S = max(v, F_prev) and a finish
 * tag F = S + cost/φ, where φ is its VM's share and v the virtual time — the
 * start tag of the last request dispatched. Requests go in increasing start
 * tag while fewer than D are outstanding. Work-conserving: a VM may use slots
 * the others leave idle.
 *
 * Fairness (Goyal et al. 1996, SFQ Theorem 1, applied to the dispatch
 * order): over any stretch in which VMs f and g stay backlogged, the work
 * dispatched satisfies |W_f/φ_f − W_g/φ_g| ≤ c_f^max/φ_f + c_g^max/φ_g; for work
 * completed at the device SFQ(D) widens this by the D requests in flight.
 *
 * PARDA also batches spatially local IOs of one VM before switching; that
 * refinement is not modelled (every request is scheduled by its tag).
 */
export class SfqD implements HostScheduler {
  readonly name = "sfq";
  private readonly rings: RequestRing[];
  private readonly lastFinish: Float64Array;
  private readonly shares: Float64Array;
  private virtualTime = 0;
  private maxFinishDispatched = 0;
  queued = 0;
  outstanding = 0;
  depth: number;
  lastVm = -1;

  /** `shares[i]` is φ_i, VM i's share (> 0); `depth` is D. */
  constructor(shares: readonly number[], depth: number) {
    // With no VM the scheduler saved a state its own restore refuses.
    if (shares.length === 0) throw QosErrors.badConfig("shares", "need at least one VM");
    shares.forEach((s, i) => {
      requirePositive(`shares[${i}]`, s);
    });
    requireInteger("depth", depth, 1);
    this.shares = Float64Array.from(shares);
    this.lastFinish = new Float64Array(shares.length);
    this.rings = shares.map(() => new RequestRing());
    this.depth = depth;
  }

  get vmCount(): number {
    return this.shares.length;
  }

  setDepth(depth: number): void {
    requireInteger("depth", depth, 1);
    this.depth = depth;
  }

  /** Changes VM `vm`'s share φ; takes effect for requests tagged from now on. */
  setShare(vm: number, share: number): void {
    this.checkVm(vm);
    requirePositive(`shares[${vm}]`, share);
    this.shares[vm] = share;
  }

  enqueue(vm: number, id: number, cost: number, _nowNs: number): void {
    this.checkVm(vm);
    checkRequest(id, cost);
    const ring = this.rings[vm];
    // An idle system restarts virtual time at the largest finish tag served (SFQ §2).
    if (this.queued === 0 && this.outstanding === 0) this.virtualTime = this.maxFinishDispatched;
    const start = Math.max(this.virtualTime, this.lastFinish[vm]);
    this.lastFinish[vm] = start + cost / this.shares[vm];
    // The start tag lives in the ring's arrival slot, so it stays with its request through growth.
    ring.push(id, cost, start);
    this.queued++;
  }

  dispatch(_nowNs: number): number {
    if (this.outstanding >= this.depth || this.queued === 0) return -1;
    let best = -1;
    let bestTag = Number.POSITIVE_INFINITY;
    const rings = this.rings;
    for (let i = 0; i < rings.length; i++) {
      const r = rings[i];
      if (r.size === 0) continue;
      const tag = r.arrivals[r.headIndex];
      if (tag < bestTag) {
        bestTag = tag;
        best = i;
      }
    }
    const r = rings[best];
    const cost = r.costs[r.headIndex];
    const id = r.shift();
    this.virtualTime = bestTag;
    const finish = bestTag + cost / this.shares[best];
    if (finish > this.maxFinishDispatched) this.maxFinishDispatched = finish;
    this.queued--;
    this.outstanding++;
    this.lastVm = best;
    return id;
  }

  complete(vm: number, _nowNs: number): void {
    this.checkVm(vm);
    if (this.outstanding > 0) this.outstanding--;
  }

  /** Work-conserving, no clock: now if a request is queued and a slot free, else only an event lets one go. */
  nextEligibleNs(nowNs: number): number {
    return this.queued > 0 && this.outstanding < this.depth ? nowNs : Number.POSITIVE_INFINITY;
  }

  /** Requests of `vm` waiting in the host queue. */
  queuedOf(vm: number): number {
    this.checkVm(vm);
    return this.rings[vm].size;
  }

  save(): SfqState {
    return {
      version: 1,
      shares: [...this.shares],
      depth: this.depth,
      outstanding: this.outstanding,
      virtualTime: this.virtualTime,
      maxFinishDispatched: this.maxFinishDispatched,
      lastFinish: [...this.lastFinish],
      queues: this.rings.map((r) => r.entries()),
    };
  }

  /** Restores a saved state into a scheduler with the same number of VMs; changes nothing if the state is invalid. */
  restore(state: unknown): void {
    const p = SfqStateSchema.safeParse(state);
    if (!p.success) throw QosErrors.badState("SFQ(D)", p.error.issues.map((i) => i.message).join("; "));
    const s = p.data;
    if (s.shares.length !== this.shares.length)
      throw QosErrors.badState("SFQ(D)", `saved for ${s.shares.length} VMs, this scheduler has ${this.shares.length}`);
    this.shares.set(s.shares);
    this.lastFinish.set(s.lastFinish);
    this.depth = s.depth;
    this.outstanding = s.outstanding;
    this.virtualTime = s.virtualTime;
    this.maxFinishDispatched = s.maxFinishDispatched;
    this.queued = 0;
    s.queues.forEach((q, i) => {
      this.rings[i].load({ ids: q.ids, costs: q.costs, arrivals: q.arrivals });
      this.queued += q.ids.length;
    });
  }

  private checkVm(vm: number): void {
    if (!(vm >= 0 && vm < this.shares.length && Number.isInteger(vm))) throw QosErrors.unknownFlow("VM", vm, this.shares.length);
  }
}
