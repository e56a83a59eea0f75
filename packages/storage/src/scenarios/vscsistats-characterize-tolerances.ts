import type { ReferenceValue } from "@vmlab/core-vm";

/**
 * How close each of `vscsistats-characterize`'s reference rows must come to its expected value to pass (digest
 * 04's acceptance checks 2 and 3). The rows state them and their verdicts, and the tests read them from here.
 */
export const VSCSI_TOLERANCES = {
  /** Sequential reads: least share of seek distances at +1 (Iometer's wrap to the region's start costs one per pass). */
  seekPlus1MinShare: 0.99,
  /** Sequential reads: share of IO lengths in the configured size's bucket (every IO has that size). */
  ioLengthBinShare: 1,
  /** Random reads: least share of outstanding IOs in the depth's bucket (the first IOs ramp up from 1). */
  outstandingBinMinShare: 0.97,
  /** Random reads: mean outstanding IOs vs the closed loop's exact expectation, IOs (both rounded to 6 digits). */
  meanOutstandingIos: 0.0005,
  /** Random reads: mean latency vs Little's law OIO / IOPS, relative. */
  littleLatency: 0.05,
  /** Poisson arrivals: mean interarrival vs 1/λ, in standard errors of the mean (1/√n of it, n samples). */
  poissonStandardErrors: 3,
} as const;

type Verdict = NonNullable<ReferenceValue["verdict"]>;

/** "pass" when `ok`, "fail" when not; "n/a" when a value is not a number (nothing measured). */
function verdict(values: number[], ok: () => boolean): Verdict {
  return values.every(Number.isFinite) ? (ok() ? "pass" : "fail") : "n/a";
}

/** `ours` at least `min` (a share: the tolerance in percent). */
export function atLeastShare(ours: number, min: number): Pick<ReferenceValue, "tolerance" | "verdict"> {
  return { tolerance: `at least ${min * 100}%`, verdict: verdict([ours], () => ours >= min) };
}

/** `ours` exactly `share` (a share: in percent). */
export function exactShare(ours: number, share: number): Pick<ReferenceValue, "tolerance" | "verdict"> {
  return { tolerance: `exactly ${share * 100}%`, verdict: verdict([ours], () => ours === share) };
}

/** `ours` within `allowed` of `expected`, in `unit`. */
export function withinAbsolute(
  ours: number,
  expected: number,
  allowed: number,
  unit: string,
): Pick<ReferenceValue, "tolerance" | "verdict"> {
  return { tolerance: `±${allowed} ${unit}`, verdict: verdict([ours, expected], () => Math.abs(ours - expected) <= allowed) };
}

/** `ours` within `allowed` of `expected`, relative to it; `why` says where the bound comes from (it then follows the percent). */
export function withinRelative(
  ours: number,
  expected: number,
  allowed: number,
  why?: string,
): Pick<ReferenceValue, "tolerance" | "verdict"> {
  // A bound from the samples (`why`) has no percent without them: the words alone.
  const pct = why === undefined ? `±${allowed * 100}%` : Number.isFinite(allowed) ? `${why} (±${(allowed * 100).toFixed(1)}%)` : why;
  return { tolerance: pct, verdict: verdict([ours, expected, allowed], () => Math.abs(ours / expected - 1) <= allowed) };
}
