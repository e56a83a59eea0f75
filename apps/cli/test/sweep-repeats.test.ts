import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { schemaProps } from "../src/config-schema.js";
import { allScenarios } from "../src/plugins.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

// Every scenario's sweep axes, each with a repeated value. Some scenarios merged the repeat without a word
// (vic-coalescing oio=4,4 ran one point), others ran it twice; esx-disk-perf refused it. All refuse it now, alike.
// Every registered scenario has an entry: [] when it has no sweep axis (its lists belong to a host, a VM or a
// table step), so a new scenario's author decides which of its lists are axes (the first test says which is missing).
const SWEEPS_BY_SCENARIO: Record<string, [key: string, value: string, repeated: string][]> = {
  "queue-validation": [
    ["servers", "1,4,1", "1"],
    ["utilizations", "0.5,0.5", "0.5"],
  ],
  "flow-control": [["oioSweep", "4,16,4", "4"]],
  "vic-coalescing": [["oio", "4,4", "4"]],
  "vic-guest": [
    ["oio", "1,32,32", "32"],
    ["virtualizationCostLoops", "0,100,0", "0"],
  ],
  "esx-disk-perf": [
    ["outstandingIos", "1,1", "1"],
    ["storage", "local,local", "local"],
    ["ioSizesBytes", "4096,512,4096", "4096"],
    ["readPercents", "100,100", "100"],
    ["randomPercents", "0,100,0", "0"],
  ],
  "vscsistats-characterize": [],
  "mclock-vs-sfq": [],
  "parda-demand-change": [],
  "parda-end-to-end": [],
  "parda-equal-shares": [],
  "parda-proportional": [],
  "parda-threshold-change": [],
};
const SWEEPS = Object.entries(SWEEPS_BY_SCENARIO).flatMap(([id, axes]) => axes.map(([k, v, r]) => [id, k, v, r] as const));
const scenarios = await allScenarios();

describe("the sweep table covers every scenario", () => {
  it("has an entry for every registered scenario, listing exactly the keys its schema marks as sweep axes (eachOnce)", () => {
    const missing = scenarios.map((e) => e.scenario.id).filter((id) => !(id in SWEEPS_BY_SCENARIO));
    expect(
      missing,
      "add each to SWEEPS_BY_SCENARIO in apps/cli/test/sweep-repeats.test.ts: its sweep axes (one run per value, wrapped in eachOnce) each with a repeated value, or [] if it has none — so a repeated value is refused, not run twice",
    ).toEqual([]);
    for (const { scenario } of scenarios) {
      const axes = Object.entries(schemaProps(scenario))
        .filter(([, n]) => n.uniqueItems)
        .map(([k]) => k)
        .sort();
      const listed = (SWEEPS_BY_SCENARIO[scenario.id] ?? []).map(([k]) => k).sort();
      expect(listed, `${scenario.id}: SWEEPS_BY_SCENARIO lists its eachOnce keys, no more, no fewer`).toEqual(axes);
    }
  });
});

describe("vmlab run with a sweep value given twice", () => {
  for (const [id, key, value, repeated] of SWEEPS)
    it(`${id}: ${key}=${value} is refused with one line naming the key and the value, exit 2, nothing written`, async () => {
      const out = join(scratchDir("vmlab-sweep-repeats-"), "out");
      for (const dry of [["--dry-run"], []]) {
        const r = await runCli("run", id, "--quick", "--set", `${key}=${value}`, "--out", out, ...dry);
        expect(r.stderr).toMatch(
          new RegExp(
            `^vmlab: invalid config for ${id}: ${key}: each value at most once, got ${repeated} twice \\(see \`vmlab describe ${id}\`\\) \\[VMLAB_SCENARIO_BAD_CONFIG\\]\\n$`,
          ),
        );
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(existsSync(out)).toBe(false);
      }
    });

  it("describe shows the rule beside each sweep axis, and only there", async () => {
    for (const [id, key] of SWEEPS) {
      const r = await runCli("describe", id);
      expect(r.stdout).toMatch(new RegExp(`\\n  ${key} +\\S+ +default [^\\n]*\\[[^\\n]*, no repeats\\]\\n`));
    }
    // Per-host or per-VM lists and the vIC table's ratios repeat by meaning.
    for (const [id, key] of [
      ["parda-proportional", "shares"],
      ["mclock-vs-sfq", "reservationsIops"],
      ["flow-control", "staticDepths"],
      ["vic-coalescing", "ratio"],
    ]) {
      const r = await runCli("describe", id);
      expect(r.stdout).toMatch(new RegExp(`\\n  ${key} +\\S+ +default [^\\n]*\\n`));
      expect(r.stdout).not.toMatch(new RegExp(`\\n  ${key} +[^\\n]*no repeats`));
    }
  });

  it("lists whose entries belong to a host, a VM or a table step may repeat a value", async () => {
    for (const [id, set] of [
      ["parda-proportional", "shares=1,1,2,2"],
      ["mclock-vs-sfq", "shares=2,2,2,2"],
      ["flow-control", "staticDepths=8,8,8,8"],
      ["vic-coalescing", "ratio=0.5,0.5,0.25"],
      ["parda-threshold-change", "thresholdsMs=40,30,40"],
    ]) {
      const r = await runCli("run", id, "--quick", "--set", set, "--dry-run", "--out", join(scratchDir("vmlab-sweep-repeats-"), "o"));
      expect(r.stderr).toMatch(/the config is valid/);
      expect(r.code).toBe(0);
    }
  });
});
