import { z } from "zod";
import { StorageErrors } from "../errors.js";
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

  /** A FIFO holding no IO has no state of its own. */
  save(): { version: 1 } {
    if (this.count > 0) throw StorageErrors.notQuiescent("FIFO scheduler", this.count);
    return { version: 1 };
  }

  restore(state: unknown): void {
    if (!z.object({ version: z.literal(1) }).safeParse(state).success)
      throw StorageErrors.badState("FIFO scheduler", "expected { version: 1 }");
    if (this.count > 0) throw StorageErrors.notQuiescent("FIFO scheduler", this.count, "restore");
  }

  private grow(): void {
    const old = this.ring;
    const next: (IoRequest | null)[] = new Array(old.length * 2).fill(null);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = next;
    this.head = 0;
  }
}
