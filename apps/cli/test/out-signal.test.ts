import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scratchDir } from "./scratch.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const output = fileURLToPath(new URL("../src/render/output.ts", import.meta.url));

describe("writeFilesAtomically and Ctrl-C", () => {
  it("a Ctrl-C while a run's files go into an existing directory is held until they are all in place, then ends the process", () => {
    const base = scratchDir("vmlab-sigint-");
    const out = join(base, "out");
    mkdirSync(out);
    const names = ["results.json", "a.csv", "b.csv", "c.svg", "index.html"];
    for (const n of names) writeFileSync(join(out, n), "old run"); // an earlier run's (the write's `replaces`)
    // The child presses Ctrl-C (SIGINT to itself) after the first file has been renamed into place.
    const child = join(base, "child.mts");
    writeFileSync(
      child,
      `import { writeFilesAtomically } from ${JSON.stringify(output)};
class CtrlCAfterFirst extends Map<string, string> {
  *keys() {
    let i = 0;
    for (const k of super.keys()) {
      if (i++ === 1) process.kill(process.pid, "SIGINT");
      yield k;
    }
  }
}
await writeFilesAtomically(${JSON.stringify(out)}, new CtrlCAfterFirst(${JSON.stringify(names.map((n) => [n, "new run"]))}), ${JSON.stringify(names)});
console.log("not reached: the held Ctrl-C ends the process");
`,
    );
    const r = spawnSync(process.execPath, ["--conditions=@vmlab/source", "--import", "tsx", child], { cwd: repo, encoding: "utf8" });
    expect(r.signal).toBe("SIGINT");
    expect(r.stdout).toBe("");
    expect(readdirSync(out).sort()).toEqual([...names].sort());
    for (const n of names) expect(readFileSync(join(out, n), "utf8"), n).toBe("new run");
  }, 30_000);
});
