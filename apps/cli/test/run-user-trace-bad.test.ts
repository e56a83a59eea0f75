import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refusedConfig, runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const SCENARIO = "vscsistats-characterize";
const refused = (key: string, issue: string) => refusedConfig(SCENARIO, key, issue);

describe("vmlab run vscsistats-characterize on a traceFile that is no trace", () => {
  // --dry-run said the config was valid; the run then refused the file (advising traceFormat, though it was auto).
  it("--dry-run and the run refuse an empty file the same way, naming traceFile: one line, exit 2, nothing written", async () => {
    const dir = scratchDir("vmlab-user-trace-bad-");
    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    for (const extra of [["--dry-run"], [], ["--set", "traceFormat=msr", "--dry-run"], ["--set", "traceFormat=vscsi"]]) {
      const r = await runCli("run", SCENARIO, "--quick", "--set", `traceFile=${empty}`, ...extra, "--out", join(dir, "out"));
      expect(r.stderr, extra.join(" ")).toBe(refused("traceFile", `${empty} is empty (0 bytes)`));
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.stdout, extra.join(" ")).toBe("");
    }
    expect(readdirSync(dir)).toEqual(["empty.csv"]);
  });

  // It ran to "done; 6 pass" with 0 trace IOs: every line of the file skipped as bad.
  it("traceSkipBad over a file with no IO, only bad lines: the run refuses it naming the file and traceFormat, exit 2, no --out", async () => {
    const dir = scratchDir("vmlab-user-trace-bad-");
    const junk = join(dir, "junk.txt");
    writeFileSync(junk, "not a trace\nnor is this\n");
    const out = join(dir, "out");
    const r = await runCli(
      "run",
      SCENARIO,
      "--quick",
      "--set",
      `traceFile=${junk}`,
      "--set",
      "traceFormat=msr",
      "--set",
      "traceSkipBad=true",
      "--out",
      out,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `^vmlab: ${junk}: no IO read, only 2 bad lines \\(skipped; first: ${junk}:1: [^\\n]*\\): is the file msr\\? check traceFormat \\[VMLAB_TRACE_MALFORMED_LINE\\]\\n$`,
      ),
    );
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
