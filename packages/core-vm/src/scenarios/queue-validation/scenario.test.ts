import { describe, expect, it } from "vitest";
import { RngStreams } from "../../sim/rng.js";
import { runQuick } from "../run-quick.test-support.js";
import { MAX_SWEEP_POINTS, QueueValidationConfig, queueValidation } from "./scenario.js";

async function run(overrides: Record<string, unknown>, seed = 1) {
  const config = QueueValidationConfig.parse(overrides);
  return queueValidation.run({ config, seed, quick: true, rng: new RngStreams(seed), progress: () => {} });
}

type Row = { model: string; utilization: number; relative_error: number; measured_utilization: number };

describe("queue-validation", () => {
  it("quick config: every point within 10% of Erlang C", async () => {
    // The quick config targets a 3% relative standard error and caps ρ = 0.9
    // at 300k customers (σ ≈ 3.5% there), so 10% is a bound of about 3σ.
    const r = await runQuick(queueValidation);
    const rows = r.tables[0].rows as unknown as Row[];
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(Math.abs(row.relative_error), `${row.model} ρ=${row.utilization}`).toBeLessThan(0.1);
      expect(row.measured_utilization).toBeCloseTo(row.utilization, 1);
    }
  });

  it("rounds its table cells and metrics to 6 significant digits, as the other scenarios do (no float noise like 1.4063683668500002)", async () => {
    const r = await runQuick(queueValidation);
    // Counts (customers, events) are whole numbers, left as they are.
    const sixDigits = (x: unknown) => typeof x !== "number" || Number.isInteger(x) || x === Number(x.toPrecision(6));
    for (const t of r.tables)
      for (const row of t.rows) for (const [k, v] of Object.entries(row)) expect(sixDigits(v), `${t.name} ${k} = ${String(v)}`).toBe(true);
    for (const [k, v] of Object.entries(r.metrics)) expect(sixDigits(v), `${k} = ${String(v)}`).toBe(true);
  });

  it("marks each reference row's Erlang C figure as computed (no paper printed it), in ms", async () => {
    const r = await runQuick(queueValidation, { servers: [1], utilizations: [0.5] });
    expect(r.reference).toHaveLength(1);
    expect(r.reference[0]).toMatchObject({ paper: 2, paperComputed: true, unit: "ms", source: "Erlang C formula" });
  });

  it("meets the 2% target at full precision (M/M/1 and M/M/3 at ρ = 0.5 and 0.7)", async () => {
    // relativeError 0.005 → 2% is a 4σ bound.
    const r = await run({ servers: [1, 3], utilizations: [0.5, 0.7], relativeError: 0.005 });
    for (const row of r.tables[0].rows as unknown as Row[]) {
      expect(Math.abs(row.relative_error), `${row.model} ρ=${row.utilization}`).toBeLessThan(0.02);
    }
  });

  it("names the points whose sample size maxCustomers capped, and only those (none, no such note)", async () => {
    // The quick config's ρ = 0.9 asks for about 400k customers at a 3% relative error, over its 300k cap.
    const quick = await runQuick(queueValidation);
    const capNotes = (quick.notes ?? []).filter((n) => n.startsWith("maxCustomers"));
    expect(capNotes).toEqual([
      "maxCustomers (300000) capped the sample size of M/M/1 at ρ = 0.9, M/M/2 at ρ = 0.9: those estimates are less precise than relativeError asks; the ci95_ms column says how precise each is.",
    ]);
    const roomy = await runQuick(queueValidation, { maxCustomers: 500_000 });
    expect((roomy.notes ?? []).filter((n) => n.startsWith("maxCustomers") || n.includes("0.95"))).toEqual([]);
  });

  it("refuses a mean service time too short for the kernel's whole-ns clock", () => {
    // At 1 ns (0.001 µs) delays round to 0 or 1 ns and M/M/2 at ρ = 0.9 ran 720% above Erlang C without a word.
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 0.001 }).success).toBe(false);
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 1e-300 }).success).toBe(false);
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 0.1 }).success).toBe(true);
  });

  it("refuses arrival gaps too short for the kernel's whole-ns clock, naming meanServiceUs and its smallest allowed value", () => {
    // M/M/64 at ρ = 0.9 with 0.1 µs service: an arrival every 1.7 ns, each gap rounded to whole ns, so the queue ran
    // at a measured utilization of 0.916 and 3.2% above Erlang C, reported as a finished run.
    const issues = (c: Record<string, unknown>) => QueueValidationConfig.safeParse(c).error?.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues({ meanServiceUs: 0.1, servers: [1, 64], utilizations: [0.5, 0.9] })).toEqual([
      "meanServiceUs: must be at least 1.44 with 64 servers at ρ = 0.9 (0.025 × c × ρ: an arrival every 1.74 ns on average, too short for the kernel's whole-ns clock, which rounds each gap; at least 25 ns), got 0.1",
    ]);
    // The smallest value named is allowed, as are the defaults, the quick run and the default sweep at the shortest
    // service time (M/M/4 at ρ = 0.95: gaps of 26 ns).
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 1.44, servers: [1, 64], utilizations: [0.5, 0.9] }).success).toBe(true);
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 0.1 }).success).toBe(true);
    expect(QueueValidationConfig.safeParse({}).success).toBe(true);
    expect(QueueValidationConfig.safeParse(queueValidation.quick).success).toBe(true);
    // An awkward ρ: the value named (6 digits) is still allowed.
    const msg = issues({ meanServiceUs: 0.1, servers: [64], utilizations: [0.123456789] })?.[0] ?? "";
    const smallest = Number(/at least ([0-9.]+) with/.exec(msg)?.[1]);
    expect(smallest).toBeGreaterThan(0.1);
    expect(QueueValidationConfig.safeParse({ meanServiceUs: smallest, servers: [64], utilizations: [0.123456789] }).success).toBe(true);
  });

  it("refuses a sweep point given twice, naming the key and the value", () => {
    // utilizations=0.5,0.5 ran the point twice, on the same streams, and listed it twice.
    const issues = (c: Record<string, unknown>) => QueueValidationConfig.safeParse(c).error?.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues({ utilizations: [0.5, 0.9, 0.5] })).toEqual(["utilizations: each value at most once, got 0.5 twice"]);
    expect(issues({ servers: [4, 4] })).toEqual(["servers: each value at most once, got 4 twice"]);
  });

  it("bounds the customers of a run to tens of minutes, naming maxCustomers and the value", () => {
    // maxCustomers=1e15 was accepted: a run of years at ρ = 0.95 (about 3 µs of wall time per customer).
    const issues = (c: Record<string, unknown>) => QueueValidationConfig.safeParse(c).error?.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues({ maxCustomers: 1e15 })).toEqual(["maxCustomers: Too big: expected number to be <=200000000"]);
    expect(issues({ minCustomers: 1e15, maxCustomers: 1e15 })?.[0]).toMatch(/^minCustomers: Too big/);
    // Within the per-point bound, the sweep's points share it: the default 20 points at 10^8 each are 2·10^9 customers.
    expect(issues({ maxCustomers: 1e8 })).toEqual([
      "maxCustomers: the sweep's 20 points (2 servers × 10 utilizations) × maxCustomers 100000000 = 2000000000 customers, over the run's 200000000; at most 10000000 with 20 points",
    ]);
    expect(QueueValidationConfig.safeParse({ maxCustomers: 1e7 }).success).toBe(true);
    expect(QueueValidationConfig.safeParse({ servers: [1], utilizations: [0.95], maxCustomers: 2e8 }).success).toBe(true);
  });

  it("bounds the sweep's points, naming utilizations: each is a row of every table, chart and reference", () => {
    // 64 servers × 1,000 utilizations of 100 customers each (6.4·10^6 customers, well inside maxCustomers' bound)
    // took 1.3 GB and wrote a 58 MB results.json and 40 MB of charts; a 128 KB --set of utilizations reaches 10^6 points.
    const issues = (c: Record<string, unknown>) => QueueValidationConfig.safeParse(c).error?.issues.map((i) => `${i.path}: ${i.message}`);
    const servers = Array.from({ length: 64 }, (_, i) => i + 1);
    const utilizations = (n: number) => Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const small = { minCustomers: 100, maxCustomers: 100 };
    expect(issues({ servers, utilizations: utilizations(1000), ...small })).toEqual([
      `utilizations: the sweep's 64000 points (64 servers × 1000 utilizations) are more than ${MAX_SWEEP_POINTS}, each a row of every table and chart; sweep fewer servers or utilizations (at most ${Math.floor(MAX_SWEEP_POINTS / 64)} with 64 servers)`,
    ]);
    expect(
      QueueValidationConfig.safeParse({ servers, utilizations: utilizations(Math.floor(MAX_SWEEP_POINTS / 64)), ...small }).success,
    ).toBe(true);
  });

  it("refuses a utilization whose arrivals would outrun the kernel's clock (2^53 ns), naming utilizations", () => {
    // ρ = 1e-6 at 1 ms service: an arrival every ~17 min, 55,000 customers ≈ 1.8 years of virtual time; the run stopped
    // at 104 days with the kernel's "event delay must be … round or clamp it before scheduling", naming no key.
    const issues = (c: Record<string, unknown>) => QueueValidationConfig.safeParse(c).error?.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues({ utilizations: [0.5, 1e-6] })?.[0]).toMatch(
      /^utilizations: ρ = 0.000001 with 1 server: an arrival every 1000 s on average, so its 55000 customers need more than half the kernel's clock \(2\^53 ns ≈ 104 days\);/,
    );
    expect(issues({ utilizations: [1e-300] })?.[0]).toMatch(
      /^utilizations: ρ = 1e-300 with 1 server: an arrival every 1e\+297 s on average/,
    );
    expect(QueueValidationConfig.safeParse({ utilizations: [1e-3] }).success).toBe(true);
    expect(QueueValidationConfig.safeParse({ ...queueValidation.quick, meanServiceUs: 1e6 }).success).toBe(true);
  });

  it("refuses servers=0 on servers alone: no second line blaming the utilizations for 0 servers", () => {
    const issues = (c: Record<string, unknown>) => QueueValidationConfig.safeParse(c).error?.issues.map((i) => String(i.path));
    expect(issues({ servers: [0] })).toEqual(["servers,0"]);
    expect(issues({ servers: [0, 2] })).toEqual(["servers,0"]);
  });

  it("compares minCustomers with maxCustomers only when both are in their own range: one line for one problem", () => {
    // maxCustomers=-1e300 was refused by its field and again as "minCustomers: must be at most maxCustomers
    // (-1e+300), got 50000", sending the user after minCustomers, whose default was fine.
    // The keys refused (`.int()`'s own 2^53 check may refuse the same key beside the field's bound).
    const issues = (c: Record<string, unknown>) => [
      ...new Set(QueueValidationConfig.safeParse(c).error?.issues.map((i) => String(i.path))),
    ];
    expect(issues({ maxCustomers: -1e300 })).toEqual(["maxCustomers"]);
    expect(issues({ minCustomers: 1e300 })).toEqual(["minCustomers"]);
    expect(issues({ minCustomers: 5e6 })).toEqual(["minCustomers"]);
    expect(QueueValidationConfig.safeParse({ minCustomers: 5e6 }).error?.issues[0].message).toBe(
      "must be at most maxCustomers (4000000), got 5000000",
    );
  });

  it("same seed, same numbers; another seed, other numbers", async () => {
    const cfg = { servers: [2], utilizations: [0.6], relativeError: 0.05 };
    const a = JSON.stringify(await run(cfg, 7));
    expect(JSON.stringify(await run(cfg, 7))).toBe(a);
    expect(JSON.stringify(await run(cfg, 8))).not.toBe(a);
  });
});
