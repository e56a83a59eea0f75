import { describe, expect, it } from "vitest";
import { checkExponential, Discrete, Empirical, exponential, lognormal, normal, pareto, uniform, Zipf } from "./distributions.js";
import { Rng } from "./rng.js";

const N = 200_000;

/** Sample mean and variance of n draws. */
function moments(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

/** |got - want| within `sigmas` standard errors of a mean of N draws with variance `variance`. */
function expectMean(got: number, want: number, variance: number, sigmas = 5): void {
  expect(Math.abs(got - want)).toBeLessThan(sigmas * Math.sqrt(variance / N));
}

describe("continuous distributions: sample mean and variance", () => {
  const rng = new Rng(2024, "dist");

  it("refuse parameters with no distribution, naming them (they drew negative, reversed or infinite values)", () => {
    const code = expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" });
    expect(() => uniform(rng, 5, 1)).toThrow(code);
    expect(() => uniform(rng, 0, Number.NaN)).toThrow(/uniform distribution: need low <= high/);
    expect(() => exponential(rng, -5)).toThrow(/exponential distribution: mean must be >= 0, got -5/);
    expect(() => normal(rng, 0, -1)).toThrow(/normal distribution: .*stddev -1/);
    expect(() => normal(rng, Number.NaN, 1)).toThrow(code);
    expect(() => lognormal(rng, 0, -1)).toThrow(code);
    expect(() => pareto(rng, 1, 0)).toThrow(/pareto distribution: need scale > 0 and shape > 0, got scale 1, shape 0/);
    expect(() => pareto(rng, -1, 2)).toThrow(code);
    // Degenerate but well-defined: a point.
    expect(uniform(rng, 3, 3)).toBe(3);
    expect(exponential(rng, 0) === 0).toBe(true);
    expect(normal(rng, 2, 0)).toBe(2);
  });

  it("uniform(low, high)", () => {
    const m = moments(N, () => uniform(rng, 2, 10));
    expectMean(m.mean, 6, 64 / 12);
    expect(m.variance / (64 / 12)).toBeCloseTo(1, 1);
  });

  it("exponential(mean)", () => {
    const m = moments(N, () => exponential(rng, 250));
    expectMean(m.mean, 250, 250 ** 2);
    expect(m.variance / 250 ** 2).toBeCloseTo(1, 1);
    expect(() => checkExponential(0)).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
  });

  it("normal(mean, stddev)", () => {
    const m = moments(N, () => normal(rng, -3, 2));
    expectMean(m.mean, -3, 4);
    expect(m.variance / 4).toBeCloseTo(1, 1);
  });

  it("lognormal(mu, sigma)", () => {
    const mu = 1;
    const sigma = 0.5;
    const mean = Math.exp(mu + sigma ** 2 / 2);
    const variance = (Math.exp(sigma ** 2) - 1) * Math.exp(2 * mu + sigma ** 2);
    const m = moments(N, () => lognormal(rng, mu, sigma));
    expectMean(m.mean, mean, variance);
    expect(m.variance / variance).toBeCloseTo(1, 1);
  });

  it("pareto(scale, shape): mean, variance and tail P(X > x) = (xm/x)^α", () => {
    const xm = 3;
    const a = 5; // shape > 4 so the sample variance itself converges
    const mean = (a * xm) / (a - 1);
    const variance = (xm * xm * a) / ((a - 1) ** 2 * (a - 2));
    let below = 0;
    const m = moments(N, () => {
      const x = pareto(rng, xm, a);
      if (x < xm) below++;
      return x;
    });
    expect(below).toBe(0);
    expectMean(m.mean, mean, variance);
    expect(m.variance / variance).toBeCloseTo(1, 1);
    let tail = 0;
    for (let i = 0; i < N; i++) if (pareto(rng, 1, 1.2) > 10) tail++;
    expectMean(tail / N, 10 ** -1.2, 10 ** -1.2 * (1 - 10 ** -1.2));
  });
});

describe("Zipf", () => {
  it("matches the exact pmf P(k) = k^-s / H(n, s)", () => {
    for (const [n, s] of [
      [10, 1.2],
      [50, 0.8],
      [5, 2.5],
    ]) {
      const rng = new Rng(n, "zipf");
      const z = new Zipf(n, s);
      const counts = new Array(n + 1).fill(0);
      for (let i = 0; i < N; i++) counts[z.sample(rng)]++;
      expect(counts[0]).toBe(0);
      let h = 0;
      for (let k = 1; k <= n; k++) h += k ** -s;
      for (let k = 1; k <= n; k++) {
        const p = k ** -s / h;
        expectMean(counts[k] / N, p, p * (1 - p));
      }
    }
  });

  it("is O(1) per draw for a huge n and keeps P(1) right", () => {
    const n = 1e9;
    const s = 1.1;
    const z = new Zipf(n, s);
    const rng = new Rng(1, "zipf-big");
    let ones = 0;
    let max = 0;
    for (let i = 0; i < N; i++) {
      const k = z.sample(rng);
      if (k === 1) ones++;
      if (k > max) max = k;
    }
    // H(n, s) by Euler–Maclaurin: sum to 10^4 plus the integral of the tail.
    let h = 0;
    for (let k = 1; k <= 10_000; k++) h += k ** -s;
    h += (10_000.5 ** (1 - s) - (n + 0.5) ** (1 - s)) / (s - 1);
    expectMean(ones / N, 1 / h, (1 / h) * (1 - 1 / h));
    expect(max).toBeLessThanOrEqual(n);
    expect(max).toBeGreaterThan(1e6);
  });

  it("rejects bad parameters", () => {
    expect(() => new Zipf(0, 1)).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
    expect(() => new Zipf(10, 0)).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
  });
});

describe("Discrete (alias method)", () => {
  it("draws each outcome with its weight's share and never a zero-weight one", () => {
    const weights = [1, 2, 3, 0, 4, 0.5];
    const total = weights.reduce((a, b) => a + b, 0);
    const d = new Discrete(weights, ["a", "b", "c", "d", "e", "f"]);
    const rng = new Rng(11, "alias");
    const counts = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const v = d.sample(rng);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect(counts.get("d")).toBeUndefined();
    weights.forEach((w, i) => {
      if (w === 0) return;
      const p = w / total;
      expectMean((counts.get(d.values[i]) ?? 0) / N, p, p * (1 - p));
    });
  });

  it("rejects empty, negative or all-zero weights and mismatched values", () => {
    for (const make of [() => new Discrete([]), () => new Discrete([1, -1]), () => new Discrete([0, 0]), () => new Discrete([1, 2], [1])]) {
      expect(make).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
    }
  });
});

describe("Empirical", () => {
  it("interpolates between sorted samples: stays in range and matches the piecewise-linear mean", () => {
    const samples = [10, 1, 4, 4, 7];
    const e = new Empirical(samples);
    const rng = new Rng(3, "emp");
    // Sorted 1, 4, 4, 7, 10: four equally likely segments with midpoints 2.5, 4, 5.5, 8.5.
    const mean = (2.5 + 4 + 5.5 + 8.5) / 4;
    let outside = 0;
    const m = moments(N, () => {
      const x = e.sample(rng);
      if (x < 1 || x > 10) outside++;
      return x;
    });
    expect(outside).toBe(0);
    expectMean(m.mean, mean, 9);
    expect(new Empirical([5]).sample(rng)).toBe(5);
    expect(() => new Empirical([])).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
    expect(() => new Empirical([1, Number.NaN])).toThrow(expect.objectContaining({ code: "VMLAB_RNG_BAD_PARAMETER" }));
  });
});
