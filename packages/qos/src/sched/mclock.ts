import { z } from "zod";
import { QosErrors } from "../errors.js";
import { requireInteger, requireKnownKeys, requireNonNegative, requirePositive } from "../validate.js";
import {
  checkRequest,
  decodeExtended,
  ExtendedNumberSchema,
  encodeExtended,
  type HostScheduler,
  RequestRing,
  RingStateSchema,
} from "./scheduler.js";

/** Saved mClock state (tags as numbers or ±"inf"); validated on restore. */
export const MClockStateSchema = z
  .object({
    version: z.literal(1),
    vms: z.number().int().min(1),
    depth: z.number().int().min(1),
    outstanding: z.number().int().min(0),
    reservationDispatches: z.number().int().min(0),
    /** Dispatched, not yet completed, per VM: a VM with IOs at the device is active although its queue is empty. */
    outstandingByVm: z.array(z.number().int().min(0)),
    tags: z.array(z.array(ExtendedNumberSchema).length(6)),
    queues: z.array(RingStateSchema),
  })
  .refine(
    (s) => s.tags.length === s.vms && s.queues.length === s.vms && s.outstandingByVm.length === s.vms,
    "one tag row, one queue and one outstanding count per VM",
  );
/** An `MClock` scheduler's saved state (`save()` / `restore()`), plain JSON. */
export type MClockState = z.infer<typeof MClockStateSchema>;

/** One VM's mClock controls (Gulati, Merchant & Varman, OSDI 2010, §3). */
export interface MClockSpec {
  /** Reservation r_i: IOs per second the VM is guaranteed (0 = none). */
  reservationIops: number;
  /** Limit l_i: IOs per second the VM may never exceed (Infinity = none). */
  limitIops: number;
  /** Proportional share (weight) w_i, > 0. */
  share: number;
}

const NS_PER_S = 1e9;

/**
 * mClock: three tags per request — reservation R, limit L and proportional
 * share P — spaced 1/r, 1/l and 1/w apart in real time (mClock Algorithm 1).
 * Dispatch first serves any request whose R tag is due (constraint-based
 * phase); otherwise, among VMs under their limit (L ≤ now), the smallest P tag
 * (weight-based phase), and then pulls that VM's R tags back by 1/r so
 * service in the weight phase is not counted against its reservation. When
 * a VM becomes active (it had nothing queued and nothing at the device), the
 * P tags are shifted so that the smallest active one equals now (the paper's
 * idle-VM adjustment); the shift applies to every VM's last P tag, so the
 * returning VM's tag max(P' + 1/w, now) is on the same scale as the others':
 * an idle VM neither banks credit nor is penalised. When the whole host was
 * idle, every P tag starts afresh at now (as SFQ restarts virtual time). A VM
 * whose queue is empty while its IOs are at the device is not idle.
 *
 * Tags are computed when a request reaches the head of its VM's queue, from
 * the previous request's tags and its own arrival time: the same values as
 * tagging at arrival whenever no adjustment happens in between, and no
 * per-request tag storage. Like SfqD, at most `depth` requests are outstanding.
 */
export class MClock implements HostScheduler {
  readonly name = "mclock";
  private readonly rings: RequestRing[];
  private readonly rGap: Float64Array;
  private readonly lGap: Float64Array;
  private readonly pGap: Float64Array;
  private readonly headR: Float64Array;
  private readonly headL: Float64Array;
  private readonly headP: Float64Array;
  private readonly lastR: Float64Array;
  private readonly lastL: Float64Array;
  private readonly lastP: Float64Array;
  private readonly outstandingByVm: Int32Array;
  queued = 0;
  outstanding = 0;
  depth: number;
  lastVm = -1;
  /** Dispatches made in the constraint-based (reservation) phase, for reports. */
  reservationDispatches = 0;

  constructor(specs: readonly MClockSpec[], depth: number) {
    // With no VM the scheduler saved a state its own restore refuses.
    if (specs.length === 0) throw QosErrors.badConfig("vms", "need at least one VM");
    specs.forEach((s, i) => {
      // Specs from a config file: a misspelt limitIOPS was ignored and the VM ran unlimited.
      requireKnownKeys(`vms[${i}]`, s, ["reservationIops", "limitIops", "share"]);
      requireNonNegative(`vms[${i}].reservationIops`, s.reservationIops);
      if (!(s.limitIops > 0)) throw QosErrors.badConfig(`vms[${i}].limitIops`, `must be > 0 (Infinity for no limit), got ${s.limitIops}`);
      if (s.limitIops < s.reservationIops)
        throw QosErrors.badConfig(`vms[${i}].limitIops`, `must be >= the reservation ${s.reservationIops}, got ${s.limitIops}`);
      requirePositive(`vms[${i}].share`, s.share);
    });
    requireInteger("depth", depth, 1);
    const n = specs.length;
    this.rings = specs.map(() => new RequestRing());
    this.rGap = Float64Array.from(specs, (s) => (s.reservationIops > 0 ? NS_PER_S / s.reservationIops : Number.POSITIVE_INFINITY));
    this.lGap = Float64Array.from(specs, (s) => (Number.isFinite(s.limitIops) ? NS_PER_S / s.limitIops : 0));
    // P tags are spaced 1/w with the weights as fractions of their sum (the paper's weights are relative): every gap is
    // at least a second, so a backlogged VM's P tags run ahead of real time and P = max(P' + 1/w, t) orders by weight.
    // Spaced 1/share s, a share's scale mattered: ESX's share values (500, 1000, 2000) spaced tags 2 ms to 0.5 ms, slower
    // than the VMs were served, the max(…, t) term won and the weight phase went by arrival order (500:1000 split 1:1).
    const totalShare = specs.reduce((sum, s) => sum + s.share, 0);
    // The ratio first: NS_PER_S × a sum past ~1.8e299 overflowed to an infinite gap, NaN tags and no dispatch ever.
    this.pGap = Float64Array.from(specs, (s) => NS_PER_S * (totalShare / s.share));
    specs.forEach((s, i) => {
      if (!Number.isFinite(this.pGap[i]))
        throw QosErrors.badConfig(
          `vms[${i}].share`,
          `is too small beside the others (${s.share} of ${totalShare}): their ratio must be finite`,
        );
    });
    this.headR = new Float64Array(n);
    this.headL = new Float64Array(n);
    this.headP = new Float64Array(n);
    this.lastR = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.lastL = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.lastP = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.outstandingByVm = new Int32Array(n);
    this.depth = depth;
  }

  setDepth(depth: number): void {
    requireInteger("depth", depth, 1);
    this.depth = depth;
  }

  enqueue(vm: number, id: number, cost: number, nowNs: number): void {
    this.checkVm(vm);
    checkRequest(id, cost);
    const ring = this.rings[vm];
    const wasIdle = ring.size === 0 && this.outstandingByVm[vm] === 0;
    ring.push(id, cost, nowNs);
    this.queued++;
    if (ring.size === 1) {
      if (wasIdle) this.adjustForNewlyActive(vm, nowNs);
      this.tagHead(vm, nowNs, cost);
    }
  }

  dispatch(nowNs: number): number {
    if (this.outstanding >= this.depth || this.queued === 0) return -1;
    const rings = this.rings;
    // Constraint-based phase: the smallest R tag that is due.
    let best = -1;
    let bestTag = Number.POSITIVE_INFINITY;
    for (let i = 0; i < rings.length; i++) {
      if (rings[i].size === 0) continue;
      const r = this.headR[i];
      if (r <= nowNs && r < bestTag) {
        bestTag = r;
        best = i;
      }
    }
    let weightPhase = false;
    if (best < 0) {
      // Weight-based phase: smallest P tag among VMs under their limit.
      for (let i = 0; i < rings.length; i++) {
        if (rings[i].size === 0 || this.headL[i] > nowNs) continue;
        const p = this.headP[i];
        if (p < bestTag) {
          bestTag = p;
          best = i;
        }
      }
      if (best < 0) return -1;
      weightPhase = true;
    } else {
      this.reservationDispatches++;
    }
    const ring = rings[best];
    // The weight phase pulls R back by the cost/r the tag added, so weight service is not counted against the reservation.
    const cost = ring.costs[ring.headIndex];
    const id = ring.shift();
    this.lastR[best] =
      weightPhase && this.rGap[best] !== Number.POSITIVE_INFINITY ? this.headR[best] - this.rGap[best] * cost : this.headR[best];
    this.lastL[best] = this.headL[best];
    this.lastP[best] = this.headP[best];
    this.queued--;
    this.outstanding++;
    this.outstandingByVm[best]++;
    this.lastVm = best;
    if (ring.size > 0) this.tagHead(best, ring.arrivals[ring.headIndex], ring.costs[ring.headIndex]);
    return id;
  }

  complete(vm: number, _nowNs: number): void {
    this.checkVm(vm);
    if (this.outstanding > 0) this.outstanding--;
    if (this.outstandingByVm[vm] > 0) this.outstandingByVm[vm]--;
  }

  /**
   * A head request may go once its R tag (reservation phase) or its L tag (weight phase, under the limit) is due:
   * the earliest such tag, or now if one already is — `dispatch(now)` would succeed (scheduler.ts's contract).
   */
  nextEligibleNs(nowNs: number): number {
    if (this.queued === 0 || this.outstanding >= this.depth) return Number.POSITIVE_INFINITY;
    let t = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.rings.length; i++) {
      if (this.rings[i].size === 0) continue;
      const due = Math.min(this.headR[i], this.headL[i]);
      if (due < t) t = due;
    }
    return Math.max(t, nowNs);
  }

  /** Saves queues and tags; the VMs' specs are configuration and are not saved. */
  save(): MClockState {
    const n = this.rings.length;
    const tags: MClockState["tags"] = [];
    for (let i = 0; i < n; i++)
      tags.push([this.headR[i], this.headL[i], this.headP[i], this.lastR[i], this.lastL[i], this.lastP[i]].map(encodeExtended));
    return {
      version: 1,
      vms: n,
      depth: this.depth,
      outstanding: this.outstanding,
      reservationDispatches: this.reservationDispatches,
      outstandingByVm: [...this.outstandingByVm],
      tags,
      queues: this.rings.map((r) => r.entries()),
    };
  }

  /** Restores into a scheduler built with the same VM specs; changes nothing if the state is invalid. */
  restore(state: unknown): void {
    const p = MClockStateSchema.safeParse(state);
    if (!p.success) throw QosErrors.badState("mClock", p.error.issues.map((i) => i.message).join("; "));
    const s = p.data;
    if (s.vms !== this.rings.length) throw QosErrors.badState("mClock", `saved for ${s.vms} VMs, this scheduler has ${this.rings.length}`);
    this.depth = s.depth;
    this.outstanding = s.outstanding;
    this.reservationDispatches = s.reservationDispatches;
    this.outstandingByVm.set(s.outstandingByVm);
    this.queued = 0;
    s.tags.forEach((row, i) => {
      const [hr, hl, hp, lr, ll, lp] = row.map(decodeExtended);
      this.headR[i] = hr;
      this.headL[i] = hl;
      this.headP[i] = hp;
      this.lastR[i] = lr;
      this.lastL[i] = ll;
      this.lastP[i] = lp;
      this.rings[i].load(s.queues[i]);
      this.queued += s.queues[i].ids.length;
    });
  }

  /** A VM index this scheduler has (1.5 passed a range check and failed with a TypeError). */
  private checkVm(vm: number): void {
    if (!(vm >= 0 && vm < this.rings.length && Number.isInteger(vm))) throw QosErrors.unknownFlow("VM", vm, this.rings.length);
  }

  /** Tags the head request of `vm` (arrived at `arrivalNs`): R = max(R' + 1/r, t), L = max(L' + 1/l, t), P = max(P' + 1/w, t). */
  private tagHead(vm: number, arrivalNs: number, cost: number): void {
    this.headR[vm] = Math.max(this.lastR[vm] + this.rGap[vm] * cost, arrivalNs);
    if (this.rGap[vm] === Number.POSITIVE_INFINITY) this.headR[vm] = Number.POSITIVE_INFINITY;
    this.headL[vm] = Math.max(this.lastL[vm] + this.lGap[vm] * cost, arrivalNs);
    this.headP[vm] = Math.max(this.lastP[vm] + this.pGap[vm] * cost, arrivalNs);
  }

  /**
   * mClock's idle adjustment: shift P tags so the smallest of the other active VMs' is `nowNs`
   * (a VM with nothing queued but IOs at the device counts with its last P tag). Every VM's last
   * P tag moves by the same amount, idle ones and `vm` included, so relative positions are kept.
   * With no other VM active there is nothing to anchor to, and all last P tags are forgotten.
   */
  private adjustForNewlyActive(vm: number, nowNs: number): void {
    let minP = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.rings.length; i++) {
      if (i === vm) continue;
      const p = this.rings[i].size > 0 ? this.headP[i] : this.outstandingByVm[i] > 0 ? this.lastP[i] : Number.POSITIVE_INFINITY;
      if (p < minP) minP = p;
    }
    // No other VM is active: the whole host was idle, so, as SFQ restarts virtual time, every P tag starts afresh
    // at now. Keeping the old scale made a VM that had used the idle capacity alone wait behind whoever came back first.
    if (minP === Number.POSITIVE_INFINITY) {
      this.lastP.fill(Number.NEGATIVE_INFINITY);
      return;
    }
    const shift = minP - nowNs;
    for (let i = 0; i < this.rings.length; i++) {
      this.lastP[i] -= shift;
      if (i !== vm && this.rings[i].size > 0) this.headP[i] -= shift;
    }
  }
}
