import type { Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import type { Workload } from "./workload.js";

/** What `runMeasured` resets with the workloads at the end of the warm-up, besides their statistics. */
export interface RunMeasuredOptions {
  /**
   * Observers whose statistics cover the measured interval only — vscsiStats observers (`VscsiStatsObserver`, or
   * anything with a `reset()`), reset as ESX's `vscsiStats -r` when the ramp-up ends. IOs in flight then still
   * complete into them.
   */
  observers?: readonly { reset(): void }[];
}

/**
 * Runs started workloads for a warm-up, resets their statistics (and `options.observers`), then runs the measured
 * interval and stops them — Iometer's "ramp up time" then "run time". The statistics count the IOs that complete in
 * the measured interval, those issued during the warm-up among them (in steady state as many are still in flight at
 * its end). Iometer counts differently: it records no IO issued during its ramp-up, and starts the run's clock when
 * the last of them completes (IOGrunt.cpp's `ramp_up_ios_pending`). In steady state both give the same IOPS and mean
 * latency; here an IO slow to complete at the ramp-up's end is in the maximum latency, and a window a few IOs long
 * is counted from its start. Returns the measured interval's length in ns.
 *
 * Refused before anything runs (`VMLAB_STORAGE_BAD_CONFIG`, naming the argument): a time that is not finite and
 * >= 0 (a NaN failed in the kernel naming a `until` the caller never passed, an infinite duration never returned
 * under a closed-loop workload, and a negative warm-up was none), and a workload never started or stopped since (by
 * an earlier `runMeasured`: it reported the few IOs left in flight, over an idle device, without a word).
 */
export function runMeasured(
  sim: Simulation,
  workloads: readonly Workload[],
  warmupNs: number,
  durationNs: number,
  options: RunMeasuredOptions = {},
): number {
  for (const [key, ns] of [
    ["warmupNs", warmupNs],
    ["durationNs", durationNs],
  ] as const)
    if (!(Number.isFinite(ns) && ns >= 0))
      throw StorageErrors.badConfig("runMeasured", `${key} must be a finite number of ns >= 0, got ${ns}`);
  workloads.forEach((w, i) => {
    if (!w.started)
      throw StorageErrors.badConfig(
        "runMeasured",
        `workloads[${i}] (${w.name}) was never started; call its start({ sim, target, rng, vm }) first`,
      );
    // A second interval on workloads the first one stopped counted only the IOs left in flight, over an idle device.
    if (w.running === false)
      throw StorageErrors.badConfig(
        "runMeasured",
        `workloads[${i}] (${w.name}) is stopped (runMeasured stops its workloads when its interval ends); start it again (start({ sim, target, rng, vm })) to measure another interval`,
      );
  });
  const observers = options.observers ?? [];
  sim.run({ until: sim.now + warmupNs });
  for (const w of workloads) w.stats.reset(sim.now);
  for (const o of observers) o.reset();
  const t0 = sim.now;
  sim.run({ until: t0 + durationNs });
  for (const w of workloads) w.stop();
  return sim.now - t0;
}
