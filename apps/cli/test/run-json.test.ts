import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ONE_POINT_RUN, runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** Runs the CLI in-process from `dir` (the pool is forks: each test file is its own process, so chdir is its own). */
async function runIn(dir: string, ...argv: string[]) {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await runCli(...argv);
  } finally {
    process.chdir(before);
  }
}

describe("vmlab run --json (help: print results.json to stdout)", () => {
  it("without --out prints results.json and writes nothing (it wrote the whole output set to out/<id> in the current directory)", async () => {
    const dir = scratchDir("vmlab-run-json-");
    const r = await runIn(dir, "run", ...ONE_POINT_RUN, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: "vmlab-results/1", scenario: { id: "queue-validation" } });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("with --out prints results.json and writes the output set there too, the same bytes", async () => {
    const dir = scratchDir("vmlab-run-json-");
    const out = join(dir, "o");
    const r = await runIn(dir, "run", ...ONE_POINT_RUN, "--json", "--out", out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(out, "results.json"), "utf8"));
    expect(readdirSync(dir)).toEqual(["o"]);
  });

  it("--dry-run --json without --out says no directory would be written (out: null)", async () => {
    const dir = scratchDir("vmlab-run-json-");
    const r = await runIn(dir, "run", ...ONE_POINT_RUN, "--json", "--dry-run");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scenario: "queue-validation", out: null });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("the help says when it writes files", async () => {
    const help = (await runCli("run", "--help")).stdout.replace(/\s+/g, " ");
    expect(help).toContain("--json print results.json to stdout; writes no files unless --out is given");
  });
});
