import { describe, expect, it } from "vitest";
import { RngStreams } from "../../sim/rng.js";
import { QueueValidationConfig, queueValidation } from "./scenario.js";

async function run(overrides: Record<string, unknown>, seed = 1) {
  const config = QueueValidationConfig.parse(overrides);
  return queueValidation.run({ config, seed, quick: true, rng: new RngStreams(seed), progress: () => {} });
}

type Row = { model: string; utilization: number; relative_error: number; measured_utilization: number };

describe("queue-validation", () => {
  it("quick config: every point within 10% of Erlang C", async () => {
    // The quick config targets a 3% relative standard error and caps ρ = 0.9
    // at 300k customers (σ ≈ 3.5% there), so 10% is a bound of about 3σ.
    const r = await run(queueValidation.quick);
    const rows = r.tables[0].rows as unknown as Row[];
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(Math.abs(row.relative_error), `${row.model} ρ=${row.utilization}`).toBeLessThan(0.1);
      expect(row.measured_utilization).toBeCloseTo(row.utilization, 1);
    }
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
    const quick = await run(queueValidation.quick);
    const capNotes = (quick.notes ?? []).filter((n) => n.startsWith("maxCustomers"));
    expect(capNotes).toEqual([
      "maxCustomers (300000) capped the sample size of M/M/1 at ρ = 0.9, M/M/2 at ρ = 0.9: those estimates are less precise than relativeError asks; the ci95_ms column says how precise each is.",
    ]);
    const roomy = await run({ ...queueValidation.quick, maxCustomers: 500_000 });
    expect((roomy.notes ?? []).filter((n) => n.startsWith("maxCustomers") || n.includes("0.95"))).toEqual([]);
  });

  it("refuses a mean service time too short for the kernel's whole-ns clock", () => {
    // At 1 ns (0.001 µs) delays round to 0 or 1 ns and M/M/2 at ρ = 0.9 ran 720% above Erlang C without a word.
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 0.001 }).success).toBe(false);
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 1e-300 }).success).toBe(false);
    expect(QueueValidationConfig.safeParse({ meanServiceUs: 0.1 }).success).toBe(true);
  });

  it("same seed, same numbers; another seed, other numbers", async () => {
    const cfg = { servers: [2], utilizations: [0.6], relativeError: 0.05 };
    const a = JSON.stringify(await run(cfg, 7));
    expect(JSON.stringify(await run(cfg, 7))).toBe(a);
    expect(JSON.stringify(await run(cfg, 8))).not.toBe(a);
  });
});
