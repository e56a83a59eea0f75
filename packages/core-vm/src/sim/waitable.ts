import type { Process } from "./process.js";

/** Something a process can wait on. */
export abstract class Waitable {
  /**
   * Called when process `p` yields this. Returns true (and sets `p.resumeValue`)
   * if `p` may continue at once; otherwise keeps `p` to resume later (through
   * `sim.procs.wake(p, value)`).
   * @internal
   */
  abstract wait(p: Process): boolean;
}
