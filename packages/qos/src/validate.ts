import { checkOptionNames } from "@vmlab/core-vm";
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

/**
 * `value` is a plain object whose keys are all in `known`: a spec read from a JSON file escapes
 * TypeScript's check, and a misspelt key (`betaPerShares`) was ignored while the run used the
 * value it meant to replace. Names `key.<unknown key>` and lists the known ones.
 */
export function requireKnownKeys(key: string, value: unknown, known: readonly string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw QosErrors.badConfig(key || "spec", `must be an object with keys ${known.join(", ")}, got ${JSON.stringify(value)}`);
  checkOptionNames(value, known, (k) => QosErrors.badConfig(key ? `${key}.${k}` : k, `unknown key; the keys are ${known.join(", ")}`));
}

/** `value` is one of `options` (an unknown string was taken as the default). */
export function requireOneOf(key: string, value: unknown, options: readonly string[]): void {
  if (typeof value !== "string" || !options.includes(value))
    throw QosErrors.badConfig(key, `must be one of ${options.map((o) => `"${o}"`).join(", ")}, got ${JSON.stringify(value)}`);
}

/** `value` is true or false (the string "false" is truthy). */
export function requireBoolean(key: string, value: unknown): void {
  if (typeof value !== "boolean") throw QosErrors.badConfig(key, `must be true or false, got ${JSON.stringify(value)}`);
}

/** `value` is an array (named, instead of a TypeError where it is iterated). */
export function requireArray(key: string, value: unknown): void {
  if (!Array.isArray(value)) throw QosErrors.badConfig(key, `must be an array, got ${JSON.stringify(value)}`);
}

/** A run's seed: a safe integer (NaN or a missing seed ran on a stream of its own without a word). */
export function requireSeed(key: string, value: unknown): void {
  if (!Number.isSafeInteger(value)) throw QosErrors.badConfig(key, `must be an integer, got ${String(value)}`);
}
