import { CoreErrors } from "../errors.js";
import type { Rng } from "./rng.js";

/**
 * Random variates drawn from an `Rng`. Plain functions for the one-parameter
 * families (no allocation per draw); classes for those that need a table
 * built once (zipf, discrete, empirical).
 */

function check(ok: boolean, dist: string, issue: string): void {
  if (!ok) throw CoreErrors.rngBadParameter(dist, issue);
}

/** Uniform on [low, high). */
export function uniform(rng: Rng, low: number, high: number): number {
  // One comparison per draw (NaN fails it too); the error is built only when it fails.
  if (!(high >= low)) check(false, "uniform", `need low <= high, got low ${low}, high ${high}`);
  return low + (high - low) * rng.random();
}

/** Exponential with the given mean (rate = 1/mean), by inversion. */
export function exponential(rng: Rng, mean: number): number {
  if (!(mean >= 0)) check(false, "exponential", `mean must be >= 0, got ${mean}`);
  return -mean * Math.log(rng.randomOpen());
}

/** Normal(mean, stddev) by the Box–Muller transform (one value per call, so state is just the Rng). */
export function normal(rng: Rng, mean: number, stddev: number): number {
  if (!(stddev >= 0) || Number.isNaN(mean))
    check(false, "normal", `need a mean that is a number and stddev >= 0, got mean ${mean}, stddev ${stddev}`);
  const u1 = rng.randomOpen();
  const u2 = rng.random();
  return mean + stddev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Lognormal: exp of Normal(mu, sigma) — `mu` and `sigma` are of the underlying normal. */
export function lognormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(normal(rng, mu, sigma));
}

/** Pareto (type I) with scale x_m > 0 and shape α > 0: P(X > x) = (x_m/x)^α. */
export function pareto(rng: Rng, scale: number, shape: number): number {
  if (!(scale > 0 && shape > 0)) check(false, "pareto", `need scale > 0 and shape > 0, got scale ${scale}, shape ${shape}`);
  return scale / rng.randomOpen() ** (1 / shape);
}

/** Validates distribution parameters once, outside hot loops. */
export function checkExponential(mean: number): void {
  check(mean > 0 && Number.isFinite(mean), "exponential", `mean must be finite and > 0, got ${mean}`);
}

/**
 * Zipf on {1..n} with exponent s > 0 (P(k) ∝ k^-s), by Hörmann and Derflinger's
 * rejection-inversion, O(1) per draw for any n — no n-sized table.
 */
export class Zipf {
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly sBound: number;
  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    check(Number.isInteger(n) && n >= 1, "zipf", `n must be an integer >= 1, got ${n}`);
    check(s > 0 && Number.isFinite(s), "zipf", `exponent s must be finite and > 0, got ${s}`);
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.sBound = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  sample(rng: Rng): number {
    for (;;) {
      const u = this.hIntegralN + rng.random() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sBound || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }
  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.s) * logX) * logX;
  }
  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  }
}

/** log(1+x)/x, accurate near 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}
/** (exp(x)-1)/x, accurate near 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1 / 3) * (1 + 0.25 * x));
}

/**
 * A discrete distribution over values with given weights, by Walker's alias
 * method: O(n) setup, O(1) per draw.
 */
export class Discrete<T = number> {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly values: readonly T[];
  constructor(weights: readonly number[], values?: readonly T[]) {
    const n = weights.length;
    check(n >= 1, "discrete", "needs at least one weight");
    check(values === undefined || values.length === n, "discrete", `got ${n} weights but ${values?.length} values`);
    let total = 0;
    for (const w of weights) {
      check(w >= 0 && Number.isFinite(w), "discrete", `weights must be finite and >= 0, got ${w}`);
      total += w;
    }
    check(total > 0, "discrete", "weights sum to 0");
    this.values = values ?? (weights.map((_, i) => i) as unknown as T[]);
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) (scaled[i] < 1 ? small : large).push(i);
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large.pop() as number;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1;
  }

  /** Index of the drawn outcome. */
  sampleIndex(rng: Rng): number {
    const i = rng.int(this.prob.length);
    return rng.random() < this.prob[i] ? i : this.alias[i];
  }

  sample(rng: Rng): T {
    return this.values[this.sampleIndex(rng)];
  }
}

/**
 * A continuous empirical distribution from observed samples: inverse of the
 * piecewise-linear empirical CDF between sorted samples.
 */
export class Empirical {
  private readonly sorted: Float64Array;
  constructor(samples: readonly number[]) {
    check(samples.length >= 1, "empirical", "needs at least one sample");
    for (const x of samples) check(Number.isFinite(x), "empirical", `samples must be finite, got ${x}`);
    this.sorted = Float64Array.from(samples).sort();
  }
  sample(rng: Rng): number {
    const n = this.sorted.length;
    if (n === 1) return this.sorted[0];
    const pos = rng.random() * (n - 1);
    const i = Math.floor(pos);
    const f = pos - i;
    return this.sorted[i] + f * (this.sorted[i + 1] - this.sorted[i]);
  }
}
