import { QosErrors } from "../errors.js";
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

  /** `vmCount` is the number of VMs whose requests it takes (indices 0 … vmCount − 1); `depth` is D. */
  constructor(
    readonly vmCount: number,
    depth: number,
  ) {
    requireInteger("vmCount", vmCount, 1);
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
    // Not told the VM count, it took a request of VM 7 on a 2-VM host and dispatched it as VM 7's.
    this.checkVm(vm);
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

  complete(vm: number, _nowNs: number): void {
    this.checkVm(vm);
    if (this.outstanding > 0) this.outstanding--;
  }

  /** Work-conserving, no clock: now if a request is queued and a slot free, else only an event lets one go. */
  nextEligibleNs(nowNs: number): number {
    return this.ring.size > 0 && this.outstanding < this.depth ? nowNs : Number.POSITIVE_INFINITY;
  }

  private checkVm(vm: number): void {
    if (!(vm >= 0 && vm < this.vmCount && Number.isInteger(vm))) throw QosErrors.unknownFlow("VM", vm, this.vmCount);
  }
}
