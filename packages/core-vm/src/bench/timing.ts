import { performance } from "node:perf_hooks";

/**
 * Wall-clock measurement for benchmarks only (house rule 1: the host clock is
 * read in the live clock and in benchmarks, nowhere else).
 */
export function wallNs(): number {
  return performance.now() * 1e6;
}

/**
 * Runs `fn` (which performs `ops` operations) repeatedly: warm-up once, then
 * `rounds` timed runs; returns the best rate in operations per second. Best-of
 * is the usual choice on a shared machine: noise only ever slows a run down.
 */
export function bestRate(fn: () => void, ops: number, rounds = 5): number {
  fn();
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = wallNs();
    fn();
    const dt = wallNs() - t0;
    const rate = ops / (dt / 1e9);
    if (rate > best) best = rate;
  }
  return best;
}
