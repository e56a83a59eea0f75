import { describeIssues } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";

/**
 * Most cores a `HostCpu` models. Each job scans every core for the earliest free one, and the largest ESX hosts have
 * under a thousand logical CPUs; a larger count (a byte count for cores, say) failed as a RangeError from the typed array.
 */
export const MAX_HOST_CORES = 4096;

/**
 * A host CPU's saved state: its core count and the CPU time used. Saved only while no job runs, when
 * every core's free time is in the past and so no longer matters: a restored CPU starts all free.
 */
export const HostCpuStateSchema = z.object({
  version: z.literal(1),
  cores: z.number().int().positive(),
  busyNs: z.number().nonnegative(),
});
/** A `HostCpu`'s saved state: its core count and busy time. */
export type HostCpuState = z.infer<typeof HostCpuStateSchema>;

/**
 * The host's CPUs as seen by the IO path: `cores` servers that run the
 * per-IO work of the storage stack (driver, vSCSI emulation, interrupt
 * handling) first come, first served. This is the mechanism behind the
 * native-vs-VM gap of Ahmad et al. (WWC-6 2003): virtualization adds CPU time
 * per IO and per completion interrupt; while the CPU keeps up it only adds
 * latency, and once it saturates it caps IOPS — which happens first for small
 * IOs at high outstanding IOs.
 *
 * No events of its own: `run` returns when a job submitted now finishes, and
 * the caller schedules its own event at that time.
 */
export class HostCpu {
  private readonly freeAt: Float64Array;
  /** Total CPU time consumed (ns), for utilization and CPU cost per IO. */
  busyNs = 0;

  constructor(readonly cores = 1) {
    if (!(Number.isInteger(cores) && cores >= 1 && cores <= MAX_HOST_CORES))
      throw StorageErrors.badConfig("host cpu", `cores must be an integer from 1 to ${MAX_HOST_CORES}, got ${cores}`);
    this.freeAt = new Float64Array(cores);
  }

  /** Runs a job of `costNs` submitted at `nowNs` on the earliest-free core; returns its finish time (ns). */
  run(nowNs: number, costNs: number): number {
    const f = this.freeAt;
    let best = 0;
    let bestAt = f[0];
    // The length read once: a typed array's length is not a plain field load in V8.
    for (let i = 1, n = f.length; i < n; i++) {
      const at = f[i];
      if (at < bestAt) {
        best = i;
        bestAt = at;
      }
    }
    const start = Math.max(bestAt, nowNs);
    const end = start + costNs;
    f[best] = end;
    this.busyNs += costNs;
    return end;
  }

  /**
   * CPU time run by `nowNs` (ns): `busyNs` charges a job in full when it is submitted, so it also holds
   * the part of queued and running jobs still ahead. Jobs queued on a core run back to back from `nowNs`
   * to its free time (a core idles only before a job's submission, which is in the past), so that part
   * is each busy core's free time minus `nowNs`.
   */
  doneNs(nowNs: number): number {
    let ahead = 0;
    for (const at of this.freeAt) if (at > nowNs) ahead += at - nowNs;
    return this.busyNs - ahead;
  }

  /** When the last core to finish its job is free (ns): nothing runs from then on. */
  get busyUntil(): number {
    return Math.max(...this.freeAt);
  }

  /** Saves the CPU; no job may be running at `nowNs` (a job would be lost: its free time is not saved). */
  save(nowNs: number): HostCpuState {
    if (this.busyUntil > nowNs) throw StorageErrors.notQuiescent("host cpu", this.freeAt.filter((t) => t > nowNs).length);
    return { version: 1, cores: this.freeAt.length, busyNs: this.busyNs };
  }

  /** Restores a saved state of a CPU with as many cores: all free, the CPU time used as saved. */
  restore(state: unknown): void {
    const p = HostCpuStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("host cpu", describeIssues(p.error));
    if (p.data.cores !== this.freeAt.length)
      throw StorageErrors.badState("host cpu", `saved with ${p.data.cores} cores, this CPU has ${this.freeAt.length}`);
    this.freeAt.fill(0);
    this.busyNs = p.data.busyNs;
  }

  /** Fraction of `cores` busy over `elapsedNs` given the CPU time run in it (a difference of `doneNs`). */
  utilization(busyNsInWindow: number, elapsedNs: number): number {
    return elapsedNs > 0 ? busyNsInWindow / (elapsedNs * this.freeAt.length) : 0;
  }
}
