import { requireInteger } from "../validate.js";
import { checkRequest, type HostScheduler, RequestRing } from "./scheduler.js";

/**
 * First-come first-served across all VMs, bounded by a depth: what a host
 * without a fair scheduler does. With depth = the adapter's queue depth
 * and no window control it is the papers' "uncontrolled" baseline, where
 * each host gets array service in proportion to the IOs it keeps outstanding.
 */
export class Fcfs implements HostScheduler {
  readonly name = "fcfs";
  private readonly ring = new RequestRing(64);
  private readonly vms = new RequestRing(64);
  outstanding = 0;
  depth: number;
  lastVm = -1;

  constructor(depth: number) {
    requireInteger("depth", depth, 1);
    this.depth = depth;
  }

  get queued(): number {
    return this.ring.size;
  }

  setDepth(depth: number): void {
    requireInteger("depth", depth, 1);
    this.depth = depth;
  }

  enqueue(vm: number, id: number, cost: number, nowNs: number): void {
    checkRequest(id, cost);
    this.ring.push(id, cost, nowNs);
    this.vms.push(vm, 0, 0);
  }

  dispatch(_nowNs: number): number {
    if (this.outstanding >= this.depth || this.ring.size === 0) return -1;
    this.lastVm = this.vms.shift();
    this.outstanding++;
    return this.ring.shift();
  }

  complete(_vm: number, _nowNs: number): void {
    if (this.outstanding > 0) this.outstanding--;
  }

  nextEligibleNs(_nowNs: number): number {
    return Number.POSITIVE_INFINITY;
  }
}
