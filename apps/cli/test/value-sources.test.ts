import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** `vmlab run <argv…>` into a directory it must not make: the refusal's one stderr line. */
async function refusal(...argv: string[]): Promise<string> {
  const out = join(scratchDir("vmlab-value-sources-"), "never");
  const r = await runCli("run", ...argv, "--out", out);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(existsSync(out)).toBe(false);
  return r.stderr;
}

describe("a config refusal says where a value the user did not --set came from", () => {
  it("--quick's measureFromS is told as --quick's, not as the user's", async () => {
    const line = await refusal("parda-equal-shares", "--quick", "--set", "durationS=100");
    expect(line).toContain("given measureFromS=100 (from --quick)");
  });

  it("a schema default is told as the default", async () => {
    const line = await refusal("parda-equal-shares", "--set", "durationS=100");
    expect(line).toContain("given measureFromS=150 (the default)");
  });

  it("a value quoted as 'key (value)' is told at the end: windowMin (4) came from the schema", async () => {
    const line = await refusal("parda-equal-shares", "--set", "windowMax=2");
    expect(line).toContain("must be >= windowMin (4), got 2; windowMin=4 is the default (see `vmlab describe");
  });

  it("a key=value followed by the refusal's own parenthesis is told at the end, not inside it", async () => {
    const line = await refusal("parda-equal-shares", "--quick", "--set", "controlPeriodS=60");
    expect(line).toContain("from measureFromS=100 (from --quick) to durationS=160 (60 s)");
    expect(line).toContain("given controlPeriodS=60; durationS=160 is from --quick (see `vmlab describe");
  });

  it("a value quoted as 'key (value)' that the user set is not told", async () => {
    const line = await refusal("parda-end-to-end", "--set", "idleFromS=140", "--set", "idleToS=100");
    expect(line).toMatch(/must be after idleFromS \(140 s\), got 100 \(see `vmlab describe parda-end-to-end`\)/);
  });

  it("a rule of the scenario's schema tells the values the same way: --quick's maxCustomers, the default minCustomers", async () => {
    // queue-validation's min/max rule is in its zod schema, refused before the scenario's check: no source was told.
    const quick = await refusal("queue-validation", "--quick", "--set", "minCustomers=400000");
    expect(quick).toContain("must be at most maxCustomers (300000), got 400000; maxCustomers=300000 is from --quick (see `vmlab describe");
    const byDefault = await refusal("queue-validation", "--set", "maxCustomers=200");
    expect(byDefault).toContain(
      "minCustomers: must be at most maxCustomers (200), got 50000; minCustomers=50000 is the default (see `vmlab describe",
    );
  });

  it("esx-disk-perf's refusals tell --quick's warmupMs and the default arrayCacheWarm", async () => {
    const quick = await refusal("esx-disk-perf", "--quick", "--set", "durationMs=600000");
    expect(quick).toContain("× (warmupMs=50 (from --quick) + durationMs=600000) =");
    const byDefault = await refusal("esx-disk-perf", "--set", "arrayCacheMiB=0");
    expect(byDefault).toContain(
      "arrayCacheMiB is 0 (set arrayCacheMiB > 0 or arrayCacheWarm=false), got true; arrayCacheWarm=true is the default",
    );
  });

  it("vIC's table: a ratio list the user did not set is told as the default when ratioMinCif alone changes length", async () => {
    // "ratio: needs one ratio per ratioMinCif step (2), got 3" named a key the user never set, without saying why.
    const line = await refusal("vic-coalescing", "--set", "ratioMinCif=8,32");
    expect(line).toMatch(/ratio: needs one ratio per ratioMinCif step \(2\), got 3: ratio=[\d.,]+ \(the default\)/);
  });

  it("a value the user set is quoted as it is, --quick or not", async () => {
    const line = await refusal("parda-equal-shares", "--quick", "--set", "durationS=100", "--set", "measureFromS=150");
    // durationS and measureFromS were set: neither gets a source; sampleS, quoted beside them, was not.
    expect(line).toMatch(
      /up to durationS \(100 s\)\); .*given measureFromS=150; sampleS=2 is the default \(see `vmlab describe parda-equal-shares`\)/,
    );
  });
});
