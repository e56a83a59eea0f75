import type { Bus } from "../memory/bus.js";

/** What the hart needs from its board: MMIO, the clock, and a way to sleep. */
export interface HartHost {
  readonly bus: Bus;
  /** `mtime` at the hart's current instant (the `time` CSR): unsigned 64-bit, exact. */
  mtime(): bigint;
  /**
   * WFI with nothing pending: advance virtual time to the next wake-up source
   * (timer or device event). False if nothing can ever wake the hart.
   */
  waitForInterrupt(): boolean;
}
