import type { Simulation } from "@vmlab/core-vm";
import type { Workload } from "./workload.js";

/**
 * Runs started workloads for a warm-up, resets their statistics, then runs
 * the measured interval and stops them — Iometer's "ramp up time" then "run
 * time". Returns the measured interval's length in ns.
 */
export function runMeasured(sim: Simulation, workloads: readonly Workload[], warmupNs: number, durationNs: number): number {
  sim.run({ until: sim.now + warmupNs });
  for (const w of workloads) w.stats.reset(sim.now);
  const t0 = sim.now;
  sim.run({ until: t0 + durationNs });
  for (const w of workloads) w.stop();
  return sim.now - t0;
}
