import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ONE_POINT_RUN, runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** `vmlab report <dir>` reads a results.json the user may have edited: bad input gets one line, exit 2, nothing written. */
describe("vmlab report on a results.json it cannot use", () => {
  it("a file that is not JSON (an edit gone wrong): one line saying so, exit 2, the directory as it was", async () => {
    const dir = scratchDir("vmlab-report-input-");
    writeFileSync(join(dir, "results.json"), '{"format": "vmlab-results/1",');
    writeFileSync(join(dir, "index.html"), "stale");
    const r = await runCli("report", dir);
    expect(r.stderr).toMatch(/^vmlab: "[^"]*results\.json" is not a vmlab results\.json: not JSON \([^\n]*\) \[VMLAB_CLI_BAD_RESULTS\]\n$/);
    expect(r.code).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.json"]);
    expect(readFileSync(join(dir, "index.html"), "utf8")).toBe("stale");
  });

  it("fields missing: the first problem and how many more, naming their fields, not every validator message", async () => {
    const dir = scratchDir("vmlab-report-input-");
    writeFileSync(join(dir, "results.json"), '{"format":"vmlab-results/1"}');
    const r = await runCli("report", dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vmlab: "[^"]*results\.json" is not a vmlab results\.json: [^\n]+ \[VMLAB_CLI_BAD_RESULTS\]\n$/);
    expect(r.stderr).toContain(
      "is not a vmlab results.json: scenario: missing (expected object); 9 more problems, at seed, quick, config, versions, metrics, tables, figures, reference, notes [",
    );
    // One message, not ten "Invalid input: expected …, received undefined".
    expect(r.stderr).not.toContain("Invalid input");
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });

  it("JSON that is not a run's results (null, a list, a row with a list for a cell): names what is wrong, exit 2", async () => {
    const dir = scratchDir("vmlab-report-input-");
    for (const text of ["null", "[]"]) {
      writeFileSync(join(dir, "results.json"), text);
      const r = await runCli("report", dir);
      expect(r.stderr).toMatch(/^vmlab: "[^"]*results\.json" is not a vmlab results\.json: [^\n]+ \[VMLAB_CLI_BAD_RESULTS\]\n$/);
      expect(r.code).toBe(2);
    }
    const out = join(dir, "run");
    expect((await runCli("run", ...ONE_POINT_RUN, "--out", out)).code).toBe(0);
    const file = join(out, "results.json");
    const results = JSON.parse(readFileSync(file, "utf8")) as { tables: { rows: Record<string, unknown>[] }[] };
    const column = Object.keys(results.tables[0].rows[0])[0];
    results.tables[0].rows[0][column] = [1, 2];
    writeFileSync(file, JSON.stringify(results));
    const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]);
    const r = await runCli("report", out);
    expect(r.stderr).toContain(`is not a vmlab results.json: tables.0.rows.0.${column}: `);
    expect(r.code).toBe(2);
    expect(readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")])).toEqual(before);
  });

  it("a figure naming a table the results do not have: names it, exit 2, instead of drawing an empty chart", async () => {
    const out = join(scratchDir("vmlab-report-input-"), "run");
    expect((await runCli("run", ...ONE_POINT_RUN, "--out", out)).code).toBe(0);
    const file = join(out, "results.json");
    const results = JSON.parse(readFileSync(file, "utf8")) as { figures: { table: string }[] };
    results.figures[0].table = "nope";
    writeFileSync(file, JSON.stringify(results));
    const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]);
    const r = await runCli("report", out);
    expect(r.stderr).toMatch(
      /is not a vmlab results\.json: figures\.0\.table: names no table of the results \("nope"; the tables are "[^\n]+\) \[VMLAB_CLI_BAD_RESULTS\]\n$/,
    );
    expect(r.code).toBe(2);
    expect(readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")])).toEqual(before);
  });

  it("a directory without one: names the file and says where one comes from, exit 2", async () => {
    const dir = scratchDir("vmlab-report-input-");
    const r = await runCli("report", dir);
    expect(r.stderr).toMatch(
      /^vmlab: cannot read "[^"]*results\.json": [^\n]*; pass a directory written by `vmlab run --out` \[VMLAB_CLI_UNREADABLE_RESULTS\]\n$/,
    );
    expect(r.code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });
});
