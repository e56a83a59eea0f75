import { z } from "zod";
import { defineScenario, type ScenarioResult } from "../../plugin-api.js";
import { plural } from "../../plural.js";
import { eachOnce } from "../../scenario-fields.js";
import { NS_PER_US } from "../../sim/time.js";
import { customersForPrecision, mmcMeanResponse } from "./erlang.js";
import { runMmc } from "./model.js";

/**
 * The most measured customers a run may have over its whole sweep (points × maxCustomers): a customer costs about
 * 1–3 µs of wall time (measured at ρ = 0.95, c = 1 and 64, on a loaded 2-core machine), so with the largest warm-up
 * (half as many again) the longest allowed run takes about 15 minutes. maxCustomers=1e15 was accepted: years.
 */
export const MAX_SWEEP_CUSTOMERS = 200_000_000;

/**
 * The most points a sweep may have (servers × utilizations): each is a row of both tables, two chart marks and a
 * reference line, about 20 KB of memory and 1 KB of results.json. maxCustomers bounds the customers only: 64 servers
 * × 1,000 utilizations of 100 customers took 1.3 GB and wrote a 58 MB results.json, and a list of 18,000
 * utilizations (one 128 KB --set) would have taken about 20 GB.
 */
export const MAX_SWEEP_POINTS = 10_000;

export const QueueValidationConfig = z
  .object({
    // Sweep axes: a repeated point ran twice, on the same streams, and was listed twice.
    servers: eachOnce(z.array(z.number().int().min(1).max(64)).min(1))
      .default([1, 4])
      .describe("server counts c to sweep: 1 is M/M/1, more is M/M/c"),
    utilizations: eachOnce(z.array(z.number().gt(0).lt(1)).min(1))
      .default([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
      .describe(`utilizations ρ = λ/(cμ) to sweep (servers × utilizations at most ${MAX_SWEEP_POINTS} points)`),
    // The kernel keeps time in whole ns (delays are rounded): at a 1 ns mean most draws round to 0 or 1 and
    // M/M/2 at ρ = 0.9 came out 720% above Erlang C, reported as a finished run. From 100 ns on, rounding is noise.
    // The same holds for the arrival gaps, c·ρ times shorter (sweepGapsFitClock).
    meanServiceUs: z
      .number()
      .min(0.1)
      .max(1e6)
      .default(1000)
      .describe(
        "mean service time 1/μ in µs (at least 0.1, and at least 0.025 × c × ρ for the sweep's largest servers c and utilization ρ: the kernel's clock is whole ns, so service times must average 100 ns or more and arrival gaps 25 ns or more)",
      ),
    relativeError: z
      .number()
      .gt(0)
      .max(0.5)
      .default(0.0067)
      .describe("target relative standard error of each mean response time; sizes each run (2% within 3σ at the default)"),
    minCustomers: z.number().int().min(100).max(MAX_SWEEP_CUSTOMERS).default(50_000).describe("fewest measured customers per point"),
    maxCustomers: z
      .number()
      .int()
      .min(100)
      .max(MAX_SWEEP_CUSTOMERS)
      .default(4_000_000)
      .describe(
        `most measured customers per point (bounds run time at high ρ); the sweep's points × maxCustomers at most ${MAX_SWEEP_CUSTOMERS}, a run of minutes`,
      ),
    warmupFraction: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.1)
      .describe("share of customers discarded as warm-up, relative to the measured count"),
  })
  // Both bound each point's sample size; crossed, maxCustomers silently won and minCustomers was not applied.
  .superRefine((c, ctx) => {
    // A count over its own bounds is refused by its field already (zod runs this rule anyway): one line for one problem.
    const inRange = (n: number) => n >= 100 && n <= MAX_SWEEP_CUSTOMERS;
    if (c.minCustomers > c.maxCustomers && inRange(c.minCustomers) && inRange(c.maxCustomers))
      ctx.addIssue({
        code: "custom",
        path: ["minCustomers"],
        message: `must be at most maxCustomers (${c.maxCustomers}), got ${c.minCustomers}`,
      });
    const points = c.servers.length * c.utilizations.length;
    if (points > MAX_SWEEP_POINTS) {
      ctx.addIssue({
        code: "custom",
        path: ["utilizations"],
        message: `the sweep's ${points} points (${c.servers.length} servers × ${c.utilizations.length} utilizations) are more than ${MAX_SWEEP_POINTS}, each a row of every table and chart; sweep fewer servers or utilizations (at most ${Math.floor(MAX_SWEEP_POINTS / c.servers.length)} with ${c.servers.length} servers)`,
      });
      return;
    }
    // Each point's arrivals span its customers' interarrival times; past 2^53 ns the kernel refuses the next event
    // mid-run, naming no key. Half the clock leaves room for the sum's spread (it is far tighter for ≥ 100 customers).
    if (sizesInRange(c)) {
      sweepGapsFitClock(c, ctx);
      sweepFitsClock(c, ctx);
    }
    // A maxCustomers over its own bound is refused by its field already: one line for one problem.
    if (points * c.maxCustomers <= MAX_SWEEP_CUSTOMERS || !(c.maxCustomers <= MAX_SWEEP_CUSTOMERS)) return;
    ctx.addIssue({
      code: "custom",
      path: ["maxCustomers"],
      message: `the sweep's ${points} points (${c.servers.length} servers × ${c.utilizations.length} utilizations) × maxCustomers ${c.maxCustomers} = ${points * c.maxCustomers} customers, over the run's ${MAX_SWEEP_CUSTOMERS}; at most ${Math.floor(MAX_SWEEP_CUSTOMERS / points)} with ${points} points`,
    });
  });
export type QueueValidationConfig = z.infer<typeof QueueValidationConfig>;

/** The kernel's clock: whole ns up to 2^53 (≈ 104 days), beyond which it refuses to schedule. */
const CLOCK_NS = Number.MAX_SAFE_INTEGER;

/**
 * 6 significant digits, as the storage scenarios round (their `r6`): a table cell or metric of 1.4063683668500002 was
 * float noise, and the reference rows already gave 6 digits. Far finer than any point's precision (relativeError ≥ 1e-3 is
 * 3 digits at most), so no finding changes; the reference rows and the worst error are judged on the unrounded values.
 */
const r6 = (x: number) => Number(x.toPrecision(6));

type SizeFields = Pick<QueueValidationConfig, "meanServiceUs" | "relativeError" | "minCustomers" | "maxCustomers" | "warmupFraction">;

/** Whether the fields that size a point are each in their own range (else their own issue says so; one line for one problem). */
function sizesInRange(c: SizeFields): boolean {
  return (
    c.meanServiceUs >= 0.1 &&
    c.meanServiceUs <= 1e6 &&
    c.relativeError > 0 &&
    c.relativeError <= 0.5 &&
    c.warmupFraction >= 0 &&
    c.warmupFraction <= 0.5 &&
    c.minCustomers >= 100 &&
    c.maxCustomers <= MAX_SWEEP_CUSTOMERS
  );
}

/** A point's measured customers, as the run sizes it (relativeError, bounded by minCustomers and maxCustomers). */
function customersOf(c: SizeFields, rho: number): number {
  return Math.min(c.maxCustomers, Math.max(c.minCustomers, customersForPrecision(rho, c.relativeError)));
}

/**
 * The shortest mean arrival gap 1/λ = 1/(c·ρ·μ) a point may have, ns. The kernel rounds each delay to whole ns, which
 * shortens an exponential gap of mean m by about 1/(24m) ns on average, so λ runs 1/(24m²) high: M/M/64 at ρ = 0.9
 * with 0.1 µs service (gaps of 1.7 ns) ran at a measured utilization of 0.916, 3.2% above Erlang C, reported as a
 * finished run. From 25 ns on λ is at most 7·10^-5 high; even at ρ = 0.95, where an error in λ reaches the mean
 * response time ρ/(1−ρ) = 19 times over, that is 0.13%, a fifth of the default relativeError. (Service times, at
 * least 100 ns, are biased 25 times less.)
 */
export const MIN_MEAN_ARRIVAL_GAP_NS = 25;

/**
 * Adds an issue on `meanServiceUs` when the sweep's busiest point (largest c and ρ) would have arrival gaps shorter
 * on average than MIN_MEAN_ARRIVAL_GAP_NS, with the smallest meanServiceUs that sweep allows. Refused rather than
 * made exact: the kernel's clock is whole ns by design, and this scenario validates that kernel as it is.
 */
function sweepGapsFitClock(c: QueueValidationConfig, ctx: z.RefinementCtx): void {
  const servers = Math.max(...c.servers);
  const rho = Math.max(...c.utilizations.filter((u) => u > 0 && u < 1));
  // A list the schema refused (empty, or servers below 1) is reported there alone.
  if (!(Number.isFinite(servers) && servers >= 1 && Number.isFinite(rho))) return;
  const gapNs = (c.meanServiceUs * NS_PER_US) / (servers * rho);
  // A relative margin wider than the message's 6-digit rounding, so the smallest value it names is itself allowed.
  if (gapNs >= MIN_MEAN_ARRIVAL_GAP_NS * (1 - 1e-5)) return;
  const smallest = Number(((MIN_MEAN_ARRIVAL_GAP_NS * servers * rho) / NS_PER_US).toPrecision(6));
  ctx.addIssue({
    code: "custom",
    path: ["meanServiceUs"],
    message: `must be at least ${smallest} with ${plural(servers, "server")} at ρ = ${rho} (0.025 × c × ρ: an arrival every ${Number(gapNs.toPrecision(3))} ns on average, too short for the kernel's whole-ns clock, which rounds each gap; at least ${MIN_MEAN_ARRIVAL_GAP_NS} ns), got ${c.meanServiceUs}`,
  });
}

/** Adds an issue on `utilizations` for the first point whose arrivals would pass half the kernel's clock. */
function sweepFitsClock(c: QueueValidationConfig, ctx: z.RefinementCtx): void {
  // The fewest servers the schema took: servers=0 (refused there) gave "ρ = 0.1 with 0 servers: an arrival every
  // 1e308 or more s", blaming utilizations the user had not touched.
  const servers = Math.min(...c.servers.filter((s) => s >= 1));
  if (!Number.isFinite(servers)) return;
  for (const rho of c.utilizations) {
    if (!(rho > 0 && rho < 1)) continue;
    const customers = customersOf(c, rho);
    const arrivals = customers + Math.ceil(customers * c.warmupFraction);
    const interarrivalNs = (c.meanServiceUs * NS_PER_US) / (rho * servers);
    if (arrivals * interarrivalNs <= CLOCK_NS / 2) continue;
    const every = interarrivalNs / 1e9;
    ctx.addIssue({
      code: "custom",
      path: ["utilizations"],
      message: `ρ = ${rho} with ${plural(servers, "server")}: an arrival every ${Number.isFinite(every) ? Number(every.toPrecision(3)) : "1e308 or more"} s on average, so its ${arrivals} customers need more than half the kernel's clock (2^53 ns ≈ 104 days); raise the utilization, or lower minCustomers or meanServiceUs`,
    });
    return;
  }
}

export const queueValidation = defineScenario({
  id: "queue-validation",
  title: "Kernel validation: M/M/1 and M/M/c mean response time vs Erlang C",
  paper: "queueing theory (Erlang C); validates the vmlab simulation kernel",
  config: QueueValidationConfig,
  quick: { servers: [1, 2], utilizations: [0.3, 0.6, 0.9], relativeError: 0.03, maxCustomers: 300_000, minCustomers: 20_000 },
  run: ({ config, rng, progress }): ScenarioResult => {
    const mu = 1 / (config.meanServiceUs * NS_PER_US);
    const points = config.servers.flatMap((c) => config.utilizations.map((rho) => ({ c, rho })));
    const rows: Record<string, number | string>[] = [];
    /** Each row's values unrounded, for its reference row (the same figures and notes as before rounding). */
    const exact: { simulatedMs: number; analyticMs: number; ci95Ms: number; relErr: number }[] = [];
    let worstRelErrAt90 = 0;
    let events = 0;
    /** Points whose sample size maxCustomers cut below what relativeError asks for. */
    const capped: string[] = [];
    points.forEach(({ c, rho }, i) => {
      progress(i, points.length);
      const model = c === 1 ? "M/M/1" : `M/M/${c}`;
      const wanted = customersForPrecision(rho, config.relativeError);
      const customers = customersOf(config, rho);
      if (wanted > config.maxCustomers) capped.push(`${model} at ρ = ${rho}`);
      const lambda = rho * c * mu;
      // Each point has its own streams, so adding a point never changes another's numbers.
      const r = runMmc(
        {
          servers: c,
          arrivalRate: lambda,
          meanServiceNs: 1 / mu,
          customers,
          warmup: Math.ceil(customers * config.warmupFraction),
          batches: 20,
        },
        rng.get(`arrivals/c=${c}/rho=${rho}`),
        rng.get(`services/c=${c}/rho=${rho}`),
      );
      const analytic = mmcMeanResponse(c, lambda, mu);
      const relErr = (r.meanResponseNs - analytic) / analytic;
      if (rho <= 0.9) worstRelErrAt90 = Math.max(worstRelErrAt90, Math.abs(relErr));
      events += r.events;
      exact.push({ simulatedMs: r.meanResponseNs / 1e6, analyticMs: analytic / 1e6, ci95Ms: r.ciHalfWidthNs / 1e6, relErr });
      rows.push({
        model,
        servers: c,
        utilization: rho,
        customers,
        simulated_ms: r6(r.meanResponseNs / 1e6),
        analytic_ms: r6(analytic / 1e6),
        ci95_ms: r6(r.ciHalfWidthNs / 1e6),
        relative_error: r6(relErr),
        measured_utilization: r6(r.measuredUtilization),
        p99_ms: r6(r.p99ResponseNs / 1e6),
      });
    });
    progress(points.length, points.length);
    const long = rows.flatMap((r) => [
      { model: r.model, utilization: r.utilization, source: "simulated", response_ms: r.simulated_ms },
      { model: r.model, utilization: r.utilization, source: "Erlang C", response_ms: r.analytic_ms },
    ]);
    return {
      metrics: { points: points.length, events, worstRelativeErrorUpTo90: r6(worstRelErrAt90) },
      tables: [
        {
          name: "response-times",
          columns: [
            "model",
            "servers",
            "utilization",
            "customers",
            "simulated_ms",
            "analytic_ms",
            "ci95_ms",
            "relative_error",
            "measured_utilization",
            "p99_ms",
          ],
          rows,
        },
        { name: "response-times-long", columns: ["model", "utilization", "source", "response_ms"], rows: long },
      ],
      figures: [
        {
          name: "simulated-vs-erlang-c",
          title: "Mean response time: simulated (points) vs Erlang C (lines)",
          table: "response-times-long",
          spec: {
            layer: [
              {
                transform: [{ filter: "datum.source === 'Erlang C'" }],
                mark: { type: "line" },
                encoding: {
                  x: { field: "utilization", type: "quantitative", title: "utilization ρ" },
                  y: { field: "response_ms", type: "quantitative", title: "mean response time (ms)", scale: { type: "log" } },
                  color: { field: "model", type: "nominal" },
                },
              },
              {
                transform: [{ filter: "datum.source === 'simulated'" }],
                mark: { type: "point", filled: true },
                encoding: {
                  x: { field: "utilization", type: "quantitative" },
                  y: { field: "response_ms", type: "quantitative" },
                  color: { field: "model", type: "nominal" },
                },
              },
            ],
          },
        },
        {
          name: "relative-error",
          title: "Relative error of the simulated mean vs Erlang C",
          table: "response-times",
          spec: {
            mark: { type: "line", point: true },
            encoding: {
              x: { field: "utilization", type: "quantitative", title: "utilization ρ" },
              y: { field: "relative_error", type: "quantitative", title: "(simulated − analytic) / analytic", axis: { format: "%" } },
              color: { field: "model", type: "nominal" },
            },
          },
        },
      ],
      reference: rows.map((r, i) => ({
        what: `${r.model} mean response at ρ=${r.utilization}`,
        paper: r6(exact[i].analyticMs),
        // Erlang C's value for this model and ρ: an expectation computed from the formula, not a figure quoted from a paper.
        paperComputed: true,
        ours: r6(exact[i].simulatedMs),
        unit: "ms",
        source: "Erlang C formula",
        note: `error ${(exact[i].relErr * 100).toFixed(2)}%, 95% CI ±${((exact[i].ci95Ms / exact[i].analyticMs) * 100).toFixed(2)}%`,
      })),
      notes: [
        "Each point's sample size is chosen from the asymptotic variance of the M/M/1 mean waiting time so its relative standard error is about `relativeError` (conservative for c > 1), capped by maxCustomers.",
        // Named from the run: a fixed "at ρ = 0.95" was printed by runs that had no such point, or no capped one.
        ...(capped.length > 0
          ? [
              `maxCustomers (${config.maxCustomers}) capped the sample size of ${capped.join(", ")}: those estimates are less precise than relativeError asks; the ci95_ms column says how precise each is.`,
            ]
          : []),
      ],
    };
  },
});
