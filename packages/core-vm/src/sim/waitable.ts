import type { Process } from "./process.js";

/** Something a process can wait on. */
export abstract class Waitable {
  /**
   * Called when process `p` yields this. Returns true (and sets `p.resumeValue`)
   * if `p` may continue at once; otherwise keeps `p` to resume later (through
   * `sim.procs.wake(p, value)`). The kernel calls it; a model does not (it is public because the
   * kernel's own waitables implement it, and a `Waitable` without it would accept anything).
   */
  abstract wait(p: Process): boolean;
}
