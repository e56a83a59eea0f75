import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RngStreams } from "@vmlab/core-vm";
import { plugin } from "@vmlab/core-vm/plugin";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const args = ["--quick", "--seed", "7", "--set", "servers=1", "--set", "utilizations=0.5"];

describe("vmlab run's output directory", () => {
  it("is out/<id> unless --out says otherwise (README)", async () => {
    const r = await runCli("run", "queue-validation", "--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toContain("out=out/queue-validation");
  });
});

describe("results.json records the run (README: config, seed, versions, metrics, tables, the paper's numbers)", () => {
  it("holds the seed, --quick and the resolved config it ran with, and the scenario's notes, which index.html shows", async () => {
    const out = join(scratchDir("vmlab-results-"), "qv");
    const dry = await runCli("run", "queue-validation", ...args, "--dry-run", "--json", "--out", out);
    const resolved = JSON.parse(dry.stdout) as { config: Record<string, unknown> };
    const r = await runCli("run", "queue-validation", ...args, "--json", "--out", out);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as {
      seed: number;
      quick: boolean;
      config: unknown;
      notes: string[];
      tables: unknown;
      metrics: unknown;
    };
    // What reproduces it: `vmlab run queue-validation --seed 7 --quick` with this config.
    expect(results.seed).toBe(7);
    expect(results.quick).toBe(true);
    expect(results.config).toEqual(resolved.config);
    // The scenario's own notes, as it returns them for this config and seed.
    const scenario = plugin.scenarios.find((s) => s.id === "queue-validation");
    const direct = await scenario?.run({ config: resolved.config, seed: 7, quick: true, rng: new RngStreams(7), progress: () => {} });
    expect(direct?.notes?.length).toBeGreaterThan(0);
    expect(results.notes).toEqual(direct?.notes);
    // --seed seeds the run's random streams: the same numbers as the scenario run with seed 7.
    expect(results.tables).toEqual(direct?.tables);
    expect(results.metrics).toEqual(direct?.metrics);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain("<h2>Notes</h2>");
  });
});

describe("vmlab report", () => {
  it("reads results.json and leaves it as it is: a hand-edited file keeps its own bytes", async () => {
    const out = join(scratchDir("vmlab-report-"), "qv");
    const run = await runCli("run", "queue-validation", ...args, "--out", out);
    expect(run.code).toBe(0);
    // Where to look, as the last line says.
    expect(run.stderr).toBe(`vmlab: queue-validation done; report: ${out}/index.html\n`);
    // Re-titled by hand and saved compact (as an editor or `jq -c` would).
    const file = join(out, "results.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as { figures: { spec: { title?: unknown } }[] };
    data.figures[0].spec.title = "re-titled by hand";
    const edited = JSON.stringify(data);
    writeFileSync(file, edited);
    const r = await runCli("report", out);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`vmlab: report regenerated: ${join(out, "index.html")}\n`);
    expect(readFileSync(file, "utf8")).toBe(edited);
    expect(readFileSync(join(out, "index.html"), "utf8")).toContain("re-titled by hand");
  });
});

describe("vmlab run's last line counts the reference checks' verdicts", () => {
  it("says how many of the checks passed, failed or did not apply, so a failed check is seen without opening the report", async () => {
    // The verdicts were in no output: a row outside its tolerance read like one within it.
    const out = join(scratchDir("vmlab-checks-"), "vsc");
    // 20 ms of 16 outstanding reads: the ramp of the first IOs puts the outstanding-IO share below its 97%.
    const sets = ["--set", "durationMs=20", "--set", "traceMaxIos=50"];
    const run = await runCli("run", "vscsistats-characterize", "--quick", ...sets, "--out", out);
    expect(run.code).toBe(0);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { reference: { verdict?: string }[] };
    const count = (v: string) => results.reference.filter((x) => x.verdict === v).length;
    expect(count("fail")).toBeGreaterThan(0);
    const said = [`${count("pass")} pass`, `${count("fail")} fail`, count("n/a") > 0 ? `${count("n/a")} n/a` : undefined];
    expect(run.stderr).toBe(
      `vmlab: vscsistats-characterize done; reference checks: ${said.filter((s) => s !== undefined).join(", ")} (see the report); report: ${out}/index.html\n`,
    );
  });
});
