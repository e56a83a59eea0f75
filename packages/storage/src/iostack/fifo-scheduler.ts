import type { IoRequest } from "../io.js";
import type { HostScheduler, SchedulerHost } from "./target.js";

/**
 * The default host-side scheduler: first come, first served across all VMs,
 * as a plain HBA queue behaves. A ring buffer: no allocation per IO.
 */
export class FifoScheduler implements HostScheduler {
  private ring: (IoRequest | null)[] = new Array(64).fill(null);
  private head = 0;
  private count = 0;

  attach(_host: SchedulerHost): void {}

  get queued(): number {
    return this.count;
  }

  enqueue(req: IoRequest): void {
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = req;
    this.count++;
  }

  dequeue(): IoRequest | null {
    if (this.count === 0) return null;
    const req = this.ring[this.head];
    this.ring[this.head] = null;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
    return req;
  }

  onComplete(): void {}

  private grow(): void {
    const old = this.ring;
    const next: (IoRequest | null)[] = new Array(old.length * 2).fill(null);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = next;
    this.head = 0;
  }
}
