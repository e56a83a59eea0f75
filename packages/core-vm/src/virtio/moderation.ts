/**
 * Interrupt moderation for a virtio device without timers, the shape of vIC
 * (Ahmad, Gulati & Mashtizadeh, ATC 2011; US 8,478,924 claim 1): every
 * completion is posted to the used ring at once, and the moderator decides
 * whether this completion also raises the interrupt. A held completion stays
 * in the used ring until a later completion's interrupt announces it (the
 * guest reaps the whole ring per interrupt) — no timer is ever armed, so the
 * moderator must only hold while more completions are certain to come.
 */
export interface InterruptModerator {
  /** The device took a request from the avail ring at `nowNs` (it is now a command in flight). */
  onSubmit(nowNs: number): void;
  /**
   * A request completed at `nowNs` and is in the used ring; `inService` is
   * how many requests the device still has in service. True = raise the
   * interrupt now (it announces every completion held so far).
   */
  onComplete(nowNs: number, inService: number): boolean;
  /** The driver reset the device: in-flight requests are dropped. */
  reset?(): void;
  /** The moderator's own state for snapshots (default: none). */
  save?(): unknown;
  /** Validates, then applies; throws `VMLAB_SIM_BAD_STATE` (or the moderator's own code) on bad input. */
  restore?(state: unknown): void;
}

/** Today's behaviour and the default: every completion interrupts. */
export const DELIVER_EVERY_COMPLETION: InterruptModerator = {
  onSubmit() {},
  onComplete() {
    return true;
  },
};
