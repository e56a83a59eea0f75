import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { DEFAULT_REORDER_WINDOW, MAX_REORDER_WINDOW } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { refusedConfig, runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** `ios` MSR Cambridge CSV lines, 2 ms apart (100 ns ticks), 4 KiB reads and writes; `extra` lines appended. */
function msr(ios: number, extra: string[] = []): string {
  const lines = Array.from(
    { length: ios },
    (_, i) =>
      `${128166372003061629n + BigInt(i) * 20000n},src1,2,${i % 3 ? "Read" : "Write"},${((i * 7919) % 65536) * 4096},4096,${200 + i}`,
  );
  return `${[...lines, ...extra].join("\n")}\n`;
}

const SCENARIO = "vscsistats-characterize";
const refused = (key: string, issue: string) => refusedConfig(SCENARIO, key, issue);

describe("vmlab run vscsistats-characterize --set traceFile=…: your own trace", () => {
  it("--dry-run refuses a missing file, an unknown format and an undetectable one naming the key: one line, exit 2, nothing written", async () => {
    const dir = scratchDir("vmlab-user-trace-");
    const out = join(dir, "out");
    const missing = join(dir, "src1_2.csv");
    const odd = join(dir, "trace.dat");
    writeFileSync(odd, "not a trace\n");
    for (const [sets, line] of [
      [["traceFile", missing], refused("traceFile", `${missing} does not exist`)],
      [
        ["traceFile", odd],
        refused(
          "traceFormat",
          `cannot tell the format of ${odd} from its first bytes or its name; set traceFormat to one of msr, vscsi, blkparse, fio`,
        ),
      ],
    ] as const) {
      const r = await runCli("run", SCENARIO, "--set", `${sets[0]}=${sets[1]}`, "--dry-run", "--out", out);
      expect(r.stderr).toBe(line);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
    }
    const unknown = await runCli("run", SCENARIO, "--set", `traceFile=${odd}`, "--set", "traceFormat=iolog", "--dry-run", "--out", out);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^vmlab: [^\n]*traceFormat[^\n]*"iolog"[^\n]*\n$/);
    expect(readdirSync(dir)).toEqual(["trace.dat"]);
  });

  it("a bad line stops the run with file:line, exit 2 (bad input), nothing written; a good file runs and results.json names it", async () => {
    const dir = scratchDir("vmlab-user-trace-");
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, msr(40, ["128166372013061629,src1,2,Read,x,4096,100"]));
    // The check reads the file's first bytes only: the bad line is found by the run, which then writes nothing.
    expect((await runCli("run", SCENARIO, "--quick", "--set", `traceFile=${bad}`, "--dry-run")).code).toBe(0);
    const failed = await runCli("run", SCENARIO, "--quick", "--set", `traceFile=${bad}`, "--out", join(dir, "out"));
    expect(failed.stderr).toMatch(new RegExp(`^vmlab: ${bad}:41: Offset [^\\n]*\\[VMLAB_TRACE_MALFORMED_LINE\\]\\n$`));
    expect(failed.code).toBe(2);
    expect(existsSync(join(dir, "out"))).toBe(false);

    const good = join(dir, "good.csv");
    writeFileSync(good, msr(200));
    const sha = createHash("sha256").update(readFileSync(good)).digest("hex");
    const texts: string[] = [];
    for (const o of ["a", "b"]) {
      const r = await runCli(
        "run",
        SCENARIO,
        "--quick",
        "--set",
        `traceFile=${good}`,
        "--set",
        "traceReplay=closed",
        "--out",
        join(dir, o),
      );
      expect(r.code, r.stderr).toBe(0);
      texts.push(readFileSync(join(dir, o, "results.json"), "utf8"));
    }
    // Same file, seed and config: byte-identical results.json, which identifies the input.
    expect(texts[0]).toBe(texts[1]);
    const results = JSON.parse(texts[0]) as { config: Record<string, unknown>; metrics: Record<string, number> };
    expect(results.config).toMatchObject({ traceFile: good, traceFormat: "auto", traceSkipBad: false });
    expect(results.metrics["trace.ios"]).toBe(200);
    expect(texts[0]).toContain(sha);
    expect(readFileSync(join(dir, "a", "trace.csv"), "utf8")).toContain(`${good},msr,${readFileSync(good).length},${sha},200,200,`);
  });
  // A relative traceFile was recorded as given only: the results did not say which file ran outside the directory they ran in.
  it("a relative traceFile: results.json keeps it as given and adds its absolute path; by either path, the same results but for the path as given", async () => {
    const dir = scratchDir("vmlab-user-trace-");
    const abs = join(dir, "rel.csv");
    writeFileSync(abs, msr(100));
    const rel = relative(process.cwd(), abs);
    expect(isAbsolute(rel)).toBe(false);
    type Results = { config: Record<string, unknown>; tables: { name: string; rows: Record<string, unknown>[] }[] };
    const results: Results[] = [];
    for (const [o, given] of [
      ["by-abs", abs],
      ["by-rel", rel],
    ]) {
      const r = await runCli(
        "run",
        SCENARIO,
        "--quick",
        "--set",
        `traceFile=${given}`,
        "--set",
        "traceReplay=closed",
        "--out",
        join(dir, o),
      );
      expect(r.code, r.stderr).toBe(0);
      results.push(JSON.parse(readFileSync(join(dir, o, "results.json"), "utf8")) as Results);
    }
    const [byAbs, byRel] = results;
    expect(byRel.config.traceFile).toBe(rel);
    expect(byRel.tables.find((t) => t.name === "trace")?.rows[0]).toMatchObject({ path: rel, absolutePath: abs });
    expect(readFileSync(join(dir, "by-rel", "trace.csv"), "utf8")).toContain(`${rel},${abs},msr,`);
    const withoutGiven = (r: Results) =>
      JSON.stringify({
        ...r,
        config: { ...r.config, traceFile: null },
        tables: r.tables.map((t) => ({ ...t, rows: t.rows.map(({ path: _, ...row }) => row) })),
      });
    expect(withoutGiven(byRel)).toBe(withoutGiven(byAbs));
  });
  // No key for vmlab vscsistats --reorder-window: a trace out of order by more than 4,096 records could not be put in order.
  it("vmlab describe explains traceReorderWindow: the default, bounds and meaning of vmlab vscsistats --reorder-window", async () => {
    const r = await runCli("describe", SCENARIO);
    expect(r.stdout).toMatch(
      new RegExp(`\\n {2}traceReorderWindow +integer +default ${DEFAULT_REORDER_WINDOW} +\\[≥ 0, ≤ ${MAX_REORDER_WINDOW}\\]\\n`),
    );
    expect(r.stdout).toContain("records held back to read and replay the trace in issue order");
    expect(r.stdout).toContain("as `vmlab vscsistats --reorder-window`");
    const refused = await runCli("run", SCENARIO, "--set", `traceReorderWindow=${MAX_REORDER_WINDOW + 1}`, "--dry-run");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^vmlab: [^\n]*traceReorderWindow[^\n]*\n$/);
  });
});
