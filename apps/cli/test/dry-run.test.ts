import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isVmlabError, RngStreams } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config.js";
import { describeParams } from "../src/config-schema.js";
import { baseConfig, valueSources, withValueSources } from "../src/config-sources.js";
import { allScenarios } from "../src/plugins.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/**
 * One config each scenario refuses (taken from its own tests), as `--set` values. Most are refused by
 * the scenario's check step, not by the schema: a dry run that only parsed the config would pass them.
 * Every registered scenario needs an entry (the first test says which is missing).
 */
const REFUSED: Record<string, string[]> = {
  "queue-validation": ["minCustomers=200000", "maxCustomers=100000"],
  "esx-disk-perf": ["arrayCacheMiB=0"],
  "vscsistats-characterize": ["testFileMiB=99999999"],
  "flow-control": ["durationS=20", "measureFromS=10", "sweepDurationS=1"],
  "mclock-vs-sfq": ["reservationsIops=600,300,0,0"],
  "parda-demand-change": ["durationS=100", "hosts=3", "stopAtS=50,50"],
  "parda-end-to-end": ["durationS=300", "measureFromS=100", "idleFromS=300", "idleToS=310"],
  "parda-equal-shares": ["windowMin=50", "windowMax=40"],
  "parda-proportional": ["durationS=20", "measureFromS=20"],
  "parda-threshold-change": ["phaseS=1", "hosts=2"],
  "vic-coalescing": ["durationS=0.5", "warmupS=0.5"],
  "vic-guest": ["ratio=0.5"],
};

const sets = (kv: string[]) => kv.flatMap((s) => ["--set", s]);
const scenarios = await allScenarios();

describe("vmlab run --dry-run", () => {
  it("has a refused config for every registered scenario", () => {
    const missing = scenarios.map((e) => e.scenario.id).filter((id) => !(id in REFUSED));
    expect(
      missing,
      "add each to REFUSED in apps/cli/test/dry-run.test.ts: one config it refuses, as --set values (a cross-field rule of its check step, not only a schema bound)",
    ).toEqual([]);
    expect(Object.keys(REFUSED).sort()).toEqual(scenarios.map((e) => e.scenario.id).sort());
  });

  for (const { scenario: s } of scenarios) {
    it(`${s.id}: the defaults pass; every key is printed with its value; nothing is written`, async () => {
      const out = join(scratchDir("vmlab-dry-"), "out");
      const r = await runCli("run", s.id, "--dry-run", "--out", out);
      expect(r.stderr).toBe(`vmlab: ${s.id}: the config is valid (--dry-run: nothing was run or written)\n`);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines.slice(0, 3)).toEqual(["seed=1", "quick=false", `out=${out}`]);
      const show = (v: unknown) => (Array.isArray(v) ? v.join(",") : String(v));
      expect(lines.slice(3)).toEqual(describeParams(s).map((p) => `${p.name}=${show(p.default)}`));
      expect(existsSync(out)).toBe(false);

      const j = await runCli("run", s.id, "--dry-run", "--json", "--quick", "--seed", "9", "--out", out);
      expect(j.code).toBe(0);
      const printed = JSON.parse(j.stdout) as { scenario: string; seed: number; quick: boolean; out: string; config: object };
      expect(printed).toEqual({ scenario: s.id, seed: 9, quick: true, out, config: s.config.parse(s.quick) });
      expect(existsSync(out)).toBe(false);
    });

    // A scenario without its entry fails the test above, naming the table; its own test is then left out (it crashed on undefined).
    it.skipIf(!(s.id in REFUSED))(
      `${s.id}: a refused config is refused by --dry-run with the run's own line, exit 2, nothing written`,
      async () => {
        const dir = scratchDir("vmlab-dry-");
        const dry = await runCli("run", s.id, ...sets(REFUSED[s.id]), "--dry-run", "--out", join(dir, "dry"));
        expect(dry.code).toBe(2);
        expect(dry.stdout).toBe("");
        expect(dry.stderr).toMatch(/^vmlab: [^\n]+\n$/);
        const real = await runCli("run", s.id, ...sets(REFUSED[s.id]), "--out", join(dir, "dry"));
        expect(real.code).toBe(2);
        expect(real.stderr).toBe(dry.stderr);
        expect(readdirSync(dir)).toEqual([]);
        // The scenario's run, called directly (as the packages' own tests do), refuses with the same error:
        // the dry run's check is the run's, not a second copy of it.
        // The CLI then tells where a quoted value it did not get from --set came from (`withValueSources`), both ways.
        let thrown: unknown;
        let sources = valueSources(s, REFUSED[s.id], false, baseConfig(s, false));
        try {
          const config = resolveConfig(s, REFUSED[s.id], false); // a schema refusal: the same call for both
          sources = valueSources(s, REFUSED[s.id], false, config);
          await s.run({ config, seed: 1, quick: false, rng: new RngStreams(1), progress: () => {} });
        } catch (e) {
          thrown = withValueSources(e, sources);
        }
        expect(isVmlabError(thrown) && `vmlab: ${thrown.message} [${thrown.code}]\n`).toBe(dry.stderr);
      },
    );
  }
});

describe("vmlab run refuses a seed or --out at the edge of what it takes: one line, exit 2, nothing written", () => {
  it("--seed is below 2^32 (4294967295 is the largest), and --out is not blank (an unset variable)", async () => {
    const dir = scratchDir("vmlab-edges-");
    const out = join(dir, "out");
    expect((await runCli("run", "esx-disk-perf", "--dry-run", "--seed", "4294967295", "--out", out)).code).toBe(0);
    for (const args of [
      ["--seed", "4294967296", "--out", out],
      ["--out", "   "],
    ]) {
      const r = await runCli("run", "esx-disk-perf", "--quick", "--set", "storage=local", "--set", "outstandingIos=1", ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
