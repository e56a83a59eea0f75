import type { Simulation } from "../sim/simulation.js";
import type { EntropySource } from "../virtio/rng.js";

/**
 * Where a machine's time and randomness come from (DESIGN.md, "two clocks
 * behind one interface"). `virtual`: time is the simulation's alone and
 * randomness is seeded — same seed, same bytes out. `live`: guest time
 * follows the host clock and randomness comes from the host — true
 * nondeterminism, which is what record/replay exists to capture. Block
 * backends over files do real IO in both modes; the live clock is the only
 * code besides benchmarks that may read the host clock (house rule 1).
 */
export interface Clock {
  readonly mode: "virtual" | "live";
  /**
   * Brings the simulation to the clock's present before the next slice of
   * guest execution: live fires the events due by host time and moves the
   * simulation clock there (the machine's time follows); virtual does nothing.
   */
  sync(sim: Simulation): void;
  /** Waits until the clock reaches virtual time `t` ns: live sleeps until host time gets there; virtual returns at once. */
  waitUntil(t: number): void;
  /** The entropy a virtio-rng should use: seeded (virtual) or the host's (live). */
  entropy(seed: number): EntropySource;
}

/** The deterministic clock: virtual time only, seeded randomness. */
export class VirtualClock implements Clock {
  readonly mode = "virtual";
  sync(_sim: Simulation): void {}
  waitUntil(_t: number): void {}
  entropy(seed: number): EntropySource {
    return { mode: "virtual", seed };
  }
}
