import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPressingCtrlC } from "./ctrl-c-child.js";
import { scratchDir } from "./scratch.js";

describe("vmlab bench and Ctrl-C", () => {
  // A Ctrl-C killed the process inside a snapshot benchmark: its fixture directory (up to 187 MB) stayed in /tmp.
  it("stops after the benchmark running, which removes its temporary files; prints what ran; ends with the signal", () => {
    const dir = scratchDir("vmlab-bench-sigint-");
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    // Ctrl-C when the first benchmark makes its temporary directory.
    const r = runPressingCtrlC(dir, "mkdtempSync", ["bench", "snapshot", "--quick", "--json"], { ...process.env, TMPDIR: tmp });
    expect(r.signal).toBe("SIGINT");
    expect(r.stderr).toBe("bench snapshot.save …\nvmlab bench: SIGINT: stopped after snapshot.save; 1 not run\n");
    const lines = JSON.parse(r.stdout) as { name: string; value: number }[];
    expect(lines.map((l) => l.name)).toEqual(["snapshot.save"]);
    expect(lines[0].value).toBeGreaterThan(0);
    // (tsx, which runs the child, keeps its cache there too.)
    expect(readdirSync(tmp).filter((n) => n.startsWith("vmlab-"))).toEqual([]);
  }, 120_000);
});
