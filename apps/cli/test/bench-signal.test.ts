import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scratchDir } from "./scratch.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("vmlab bench and Ctrl-C", () => {
  // A Ctrl-C killed the process inside a snapshot benchmark: its fixture directory (up to 187 MB) stayed in /tmp.
  it("stops after the benchmark running, which removes its temporary files; prints what ran; ends with the signal", () => {
    const dir = scratchDir("vmlab-bench-sigint-");
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    // The child presses Ctrl-C (SIGINT to itself) when the first benchmark makes its temporary directory.
    const child = join(dir, "child.mts");
    writeFileSync(
      child,
      `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { main } from ${JSON.stringify(main)};
const mkdtemp = fs.mkdtempSync;
let pressed = false;
fs.mkdtempSync = (...args) => {
  if (!pressed) { pressed = true; process.kill(process.pid, "SIGINT"); }
  return mkdtemp(...args);
};
syncBuiltinESMExports();
const io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), stderrIsTTY: false, stdoutBytes: () => {} };
await main(["bench", "snapshot", "--quick", "--json"], io);
console.log("not reached: the held Ctrl-C ends the process");
`,
    );
    const r = spawnSync(process.execPath, ["--conditions=@vmlab/source", "--import", "tsx", child], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, TMPDIR: tmp },
    });
    expect(r.signal).toBe("SIGINT");
    expect(r.stderr).toBe("bench snapshot.save …\nvmlab bench: SIGINT: stopped after snapshot.save; 1 not run\n");
    const lines = JSON.parse(r.stdout) as { name: string; value: number }[];
    expect(lines.map((l) => l.name)).toEqual(["snapshot.save"]);
    expect(lines[0].value).toBeGreaterThan(0);
    // (tsx, which runs the child, keeps its cache there too.)
    expect(readdirSync(tmp).filter((n) => n.startsWith("vmlab-"))).toEqual([]);
  }, 120_000);
});
