import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ONE_POINT_RUN, runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** What a write killed (`kill -9`) while it put its files in place leaves (README: "run again, then delete it"). */
function leaveInterruptedWrite(out: string): string {
  const tmp = join(out, ".vmlab.tmp-Ab12Cd");
  mkdirSync(join(tmp, "previous"), { recursive: true });
  mkdirSync(join(tmp, "new"));
  writeFileSync(join(tmp, "previous", "results.json"), "{}");
  return tmp;
}

describe("a run into a directory an interrupted write left its temporary directory in", () => {
  it("names it on stderr, says what it holds, and leaves it alone (its earlier files may be the only copy)", async () => {
    const out = join(scratchDir("vmlab-leftover-"), "qv");
    expect((await runCli("run", ...ONE_POINT_RUN, "--out", out)).stderr).not.toMatch(/note:/);
    const tmp = leaveInterruptedWrite(out);
    const r = await runCli("run", ...ONE_POINT_RUN, "--out", out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `vmlab: note: ${tmp} is left from an interrupted write into ${out}: its previous/ holds files an earlier run`,
    );
    expect(readdirSync(join(tmp, "previous"))).toEqual(["results.json"]);
    // `vmlab report` writes there too: it says the same.
    const rep = await runCli("report", out);
    expect(rep.code).toBe(0);
    expect(rep.stderr).toContain(`vmlab: note: ${tmp} is left`);
  }, 60_000);

  it("names one left beside a new output directory (a first write into it, interrupted before its one rename)", async () => {
    const base = scratchDir("vmlab-leftover-");
    const out = join(base, "qv");
    const tmp = join(base, ".qv.tmp-Xy34Zw");
    mkdirSync(tmp);
    writeFileSync(join(tmp, "results.json"), "{}");
    // Another directory's leftovers are not this one's.
    mkdirSync(join(base, ".qv2.tmp-Xy34Zw"));
    const r = await runCli("run", ...ONE_POINT_RUN, "--out", out);
    expect(r.code).toBe(0);
    const notes = r.stderr.split("\n").filter((l) => l.includes("note:"));
    expect(notes).toEqual([
      `vmlab: note: ${tmp} is left from an interrupted write of ${out}: it holds that run's files, never put in place; delete it`,
    ]);
  }, 60_000);
});
