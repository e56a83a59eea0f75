import { performance } from "node:perf_hooks";
import { CoreErrors } from "../errors.js";
import type { Simulation } from "../sim/simulation.js";
import type { EntropySource } from "../virtio/rng.js";
import type { Clock } from "./clock.js";

/** Host time in ns since an arbitrary origin (monotonic). The only host-clock read outside benchmarks. */
export function hostTimeNs(): number {
  return Math.round(performance.now() * 1e6);
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for about `ns` (Atomics.wait: no busy loop; ms resolution). */
export function hostSleepNs(ns: number): void {
  if (ns > 0) Atomics.wait(sleepCell, 0, 0, ns / 1e6);
}

/** Options of a `LiveClock`: the host time source and sleep, injected so tests need no wall clock. */
export interface LiveClockOptions {
  /** Host time source in ns (default: `hostTimeNs`); injected so tests can drive it. */
  now?: () => number;
  /** Sleeps about `ns` of host time (default: `hostSleepNs`). */
  sleep?: (ns: number) => void;
}

/**
 * The live clock: the first `sync` anchors it — the simulation's time then
 * (0 for a fresh machine, the saved time for one restored from a snapshot)
 * is the host time then (before any sync, virtual time 0 is the host time at
 * construction) — and from there guest time follows the host clock: a guest running slower than real time
 * is moved forward to it between slices (its timer reads host time), and a
 * guest that gets ahead (an idle WFI, a device completion in the future)
 * waits for the host to catch up. Randomness is the host's.
 */
export class LiveClock implements Clock {
  readonly mode = "live";
  private readonly now: () => number;
  private readonly sleep: (ns: number) => void;
  /** Host time at virtual time 0. */
  private originNs: number;
  private anchored = false;

  constructor(options: LiveClockOptions = {}) {
    this.now = options.now ?? hostTimeNs;
    this.sleep = options.sleep ?? hostSleepNs;
    this.originNs = this.now();
  }

  /** The virtual time the guest should be at, ns: the anchor's virtual time plus the host time elapsed since. */
  elapsedNs(): number {
    const t = this.now() - this.originNs;
    if (!Number.isFinite(t)) throw CoreErrors.machineBadOption("clock time source", t, "a finite number of ns");
    return Math.max(0, Math.round(t));
  }

  sync(sim: Simulation): void {
    if (!this.anchored) {
      // A restored machine resumes at its saved time: it must not wait for the host to get there.
      this.anchored = true;
      this.originNs = this.now() - sim.now;
    }
    const t = this.elapsedNs();
    if (t > sim.now) sim.run({ until: t });
  }

  waitUntil(t: number): void {
    for (let left = t - this.elapsedNs(); left > 0; left = t - this.elapsedNs()) this.sleep(left);
  }

  entropy(_seed: number): EntropySource {
    return { mode: "live" };
  }
}
