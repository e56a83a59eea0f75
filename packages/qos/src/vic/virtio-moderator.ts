import type { InterruptModerator } from "@vmlab/core-vm";
import { VicCoalescer, type VicParams, type VicState } from "./coalescer.js";

/**
 * vIC as a virtio-blk interrupt moderator: the device's submissions and
 * completions drive the CIF-based coalescer, and a held completion stays in
 * the used ring until a later completion's interrupt announces it, with no
 * timer (US 8,478,924 claim 1 and abstract; the digest's "delivery without a
 * timer", 10-vic.md). CIF is the coalescer's
 * own count of requests the device took and has not completed — with a
 * device queue depth at least the guest's OIO, exactly the commands in flight.
 */
export class VicInterruptModerator implements InterruptModerator {
  readonly coalescer: VicCoalescer;
  private readonly initial: VicState;

  constructor(params: VicParams) {
    this.coalescer = new VicCoalescer(params);
    this.initial = this.coalescer.save();
  }

  onSubmit(): void {
    this.coalescer.issue();
  }

  onComplete(nowNs: number): boolean {
    const deliver = this.coalescer.complete(nowNs);
    // The interrupt announces every completion held so far (the guest reaps the whole ring).
    if (deliver) this.coalescer.drain();
    return deliver;
  }

  /** The driver reset the device: no command is in flight any more. */
  reset(): void {
    this.coalescer.restore(this.initial);
  }

  save(): VicState {
    return this.coalescer.save();
  }

  restore(state: unknown): void {
    this.coalescer.restore(state);
  }
}
