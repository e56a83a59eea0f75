import { QosErrors } from "./errors.js";

/**
 * Range checks for model parameters, done once at construction (never in a
 * hot loop). Each names the offending key as the user wrote it, so a bad
 * `--set` value gets an error that says which one.
 */
export function requirePositive(key: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw QosErrors.badConfig(key, `must be a finite number > 0, got ${value}`);
}

export function requireNonNegative(key: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw QosErrors.badConfig(key, `must be a finite number >= 0, got ${value}`);
}

/** value in (low, high] */
export function requireInHalfOpen(key: string, value: number, low: number, high: number): void {
  if (!(value > low && value <= high)) throw QosErrors.badConfig(key, `must be in (${low}, ${high}], got ${value}`);
}

export function requireInteger(key: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw QosErrors.badConfig(key, `must be an integer >= ${min}, got ${value}`);
}

/** Every share must be a finite number > 0; names `key[i]` of the first bad one. */
export function requireShares(key: string, shares: readonly number[]): void {
  shares.forEach((s, i) => {
    requirePositive(`${key}[${i}]`, s);
  });
}
