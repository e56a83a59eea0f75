import type { HostScheduler } from "../sched/scheduler.js";

interface Pending {
  vm: number;
  id: number;
  start: number;
}

/**
 * The naive baseline for `qos.parda`: the same start-time fair queuing as
 * `SfqD`, written the way one first would — an array of request objects,
 * sorted by start tag on every dispatch. Same dispatch order (ties by VM,
 * then arrival), so the simulated runs are identical and only speed differs.
 */
export class NaiveSfq implements HostScheduler {
  readonly name = "naive-sfq";
  private pending: Pending[] = [];
  private lastFinish: number[];
  private virtualTime = 0;
  private maxFinish = 0;
  outstanding = 0;
  lastVm = -1;

  constructor(
    private readonly shares: number[],
    public depth: number,
  ) {
    this.lastFinish = shares.map(() => 0);
  }

  get queued(): number {
    return this.pending.length;
  }

  setDepth(depth: number): void {
    this.depth = depth;
  }

  enqueue(vm: number, id: number, cost: number, _nowNs: number): void {
    if (this.pending.length === 0 && this.outstanding === 0) this.virtualTime = this.maxFinish;
    const start = Math.max(this.virtualTime, this.lastFinish[vm]);
    this.lastFinish[vm] = start + cost / this.shares[vm];
    this.pending.push({ vm, id, start });
  }

  dispatch(_nowNs: number): number {
    if (this.outstanding >= this.depth || this.pending.length === 0) return -1;
    // Stable sort keeps arrival order within a VM (its tags are increasing anyway).
    this.pending = [...this.pending].sort((a, b) => a.start - b.start || a.vm - b.vm);
    const p = this.pending.shift() as Pending;
    this.virtualTime = p.start;
    const finish = p.start + 1 / this.shares[p.vm];
    if (finish > this.maxFinish) this.maxFinish = finish;
    this.outstanding++;
    this.lastVm = p.vm;
    return p.id;
  }

  complete(_vm: number, _nowNs: number): void {
    if (this.outstanding > 0) this.outstanding--;
  }

  /** As SfqD's: now if a request is queued and a slot free, else +Infinity (only an event lets one go). */
  nextEligibleNs(nowNs: number): number {
    return this.pending.length > 0 && this.outstanding < this.depth ? nowNs : Number.POSITIVE_INFINITY;
  }
}
