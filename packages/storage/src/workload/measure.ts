import type { Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import type { Workload } from "./workload.js";

/**
 * Runs started workloads for a warm-up, resets their statistics, then runs
 * the measured interval and stops them — Iometer's "ramp up time" then "run
 * time". Returns the measured interval's length in ns.
 *
 * Both times must be finite and >= 0 (`VMLAB_STORAGE_BAD_CONFIG`, naming the argument, before
 * anything runs): a NaN failed in the kernel naming a `until` the caller never passed, an
 * infinite duration never returned under a closed-loop workload, and a negative warm-up was none.
 */
export function runMeasured(sim: Simulation, workloads: readonly Workload[], warmupNs: number, durationNs: number): number {
  for (const [key, ns] of [
    ["warmupNs", warmupNs],
    ["durationNs", durationNs],
  ] as const)
    if (!(Number.isFinite(ns) && ns >= 0))
      throw StorageErrors.badConfig("runMeasured", `${key} must be a finite number of ns >= 0, got ${ns}`);
  sim.run({ until: sim.now + warmupNs });
  for (const w of workloads) w.stats.reset(sim.now);
  const t0 = sim.now;
  sim.run({ until: t0 + durationNs });
  for (const w of workloads) w.stop();
  return sim.now - t0;
}
