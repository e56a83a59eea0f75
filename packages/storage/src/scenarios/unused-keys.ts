import type { ConfigRefusal } from "@vmlab/core-vm";

/** A config key that only some settings of other keys use: `usedBy` says whether `c` uses it, `why` what it is for. */
export interface KeyUse<C> {
  key: keyof C & string;
  usedBy: (c: C) => boolean;
  /** Completes "is for …, got …": what the key is for and why this config does not use it. */
  why: (c: C) => string;
}

/**
 * Refusals of keys set (to other than their default) where the config does not use them: `--set arrayDisks=16` with
 * `storage=local` ran, gave the numbers of the run without it and said nothing, read as a finding by a user who
 * changed one parameter to compare. A key at its default passes (a sweep's config written out whole sets every key).
 */
export function unusedKeyRefusals<C extends object>(c: C, defaults: C, uses: readonly KeyUse<C>[]): ConfigRefusal[] {
  const refusals: ConfigRefusal[] = [];
  for (const u of uses) {
    const value = c[u.key];
    if (u.usedBy(c) || JSON.stringify(value) === JSON.stringify(defaults[u.key])) continue;
    refusals.push({ key: u.key, issue: `is for ${u.why(c)}, got ${Array.isArray(value) ? value.join(",") : String(value)}` });
  }
  return refusals;
}
