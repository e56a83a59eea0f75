import type { ReferenceValue } from "./plugin-api.js";

/**
 * Verdicts for a scenario's reference rows: each helper gives a row its `tolerance` (in words) and its `verdict`
 * from our figure and the bound the scenario's tests hold it to, so that the rows, the report and the tests judge
 * alike. A figure that is not a number (nothing was measured) is "n/a", never a pass.
 */
export type ReferenceVerdict = NonNullable<ReferenceValue["verdict"]>;

/** A row's tolerance and verdict, to spread into a `ReferenceValue`. */
export type ReferenceCheck = Required<Pick<ReferenceValue, "tolerance" | "verdict">>;

/** "pass" when `ok()`, "fail" when not; "n/a" when one of `values` is not a finite number (nothing measured). */
export function verdictOf(values: readonly number[], ok: () => boolean): ReferenceVerdict {
  return values.every(Number.isFinite) ? (ok() ? "pass" : "fail") : "n/a";
}

/** A check in the scenario's own words: `tolerance` as the row states it, passed when `ok()` holds over `values`. */
export function checkedBy(tolerance: string, values: readonly number[], ok: () => boolean): ReferenceCheck {
  return { tolerance, verdict: verdictOf(values, ok) };
}

/** A yes/no check (a property the run has or has not): passed when `holds`. */
export function holds(tolerance: string, ok: boolean): ReferenceCheck {
  return { tolerance, verdict: ok ? "pass" : "fail" };
}

/** The words of a bound: `why` (where it comes from) after it, in parentheses. */
const said = (bound: string, why?: string) => (why === undefined ? bound : `${bound} (${why})`);

/** `ours` at least `min` (`ours >= min`). */
export function atLeast(ours: number, min: number, why?: string): ReferenceCheck {
  return checkedBy(said(`at least ${min}`, why), [ours, min], () => ours >= min);
}

/** `ours` more than `min` (`ours > min`). */
export function moreThan(ours: number, min: number, why?: string): ReferenceCheck {
  return checkedBy(said(`more than ${min}`, why), [ours, min], () => ours > min);
}

/** `ours` less than `max` (`ours < max`). */
export function lessThan(ours: number, max: number, why?: string): ReferenceCheck {
  return checkedBy(said(`less than ${max}`, why), [ours, max], () => ours < max);
}

/** `ours` strictly between `min` and `max`. */
export function between(ours: number, min: number, max: number, why?: string): ReferenceCheck {
  return checkedBy(said(`between ${min} and ${max}`, why), [ours, min, max], () => ours > min && ours < max);
}

/** A share: in percent with at most 4 significant digits (0.15 → "15%", not "15.000000000000002%"). */
export const percent = (share: number) => `${Number((share * 100).toPrecision(4))}%`;

/** `ours` at least `min` (a share: the tolerance in percent). */
export function atLeastShare(ours: number, min: number): ReferenceCheck {
  return checkedBy(`at least ${percent(min)}`, [ours], () => ours >= min);
}

/** `ours` exactly `share` (a share: in percent). */
export function exactShare(ours: number, share: number): ReferenceCheck {
  return checkedBy(`exactly ${percent(share)}`, [ours], () => ours === share);
}

/** `ours` within `allowed` of `expected`, in `unit`. */
export function withinAbsolute(ours: number, expected: number, allowed: number, unit: string): ReferenceCheck {
  return checkedBy(`±${allowed} ${unit}`, [ours, expected], () => Math.abs(ours - expected) <= allowed);
}

/** `ours` within `allowed` of `expected`, relative to it; `why` says where the bound comes from (it then follows the percent). */
export function withinRelative(ours: number, expected: number, allowed: number, why?: string): ReferenceCheck {
  // A bound from the samples (`why`) has no percent without them: the words alone.
  const pct = why === undefined ? `±${allowed * 100}%` : Number.isFinite(allowed) ? `${why} (±${(allowed * 100).toFixed(1)}%)` : why;
  return checkedBy(pct, [ours, expected, allowed], () => Math.abs(ours / expected - 1) <= allowed);
}

/**
 * `ours` less than `allowed` off `expected`, relative to it (`|ours / expected − 1| < allowed`, a strict bound as
 * the tests' `toBeLessThan`); `of` names `expected` in the words ("L": "less than 15% off L").
 */
export function lessThanRelative(ours: number, expected: number, allowed: number, of: string, why?: string): ReferenceCheck {
  return checkedBy(
    said(`less than ${percent(allowed)} off ${of}`, why),
    [ours, expected, allowed],
    () => Math.abs(ours / expected - 1) < allowed,
  );
}
