import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const elf = join(repo, "guest/bin/hello.elf");

describe("vmlab boot --save and Ctrl-C", () => {
  it("a Ctrl-C during the snapshot's write is held until the file is in place, then ends the process", async () => {
    const dir = scratchDir("vmlab-save-sigint-");
    const snap = join(dir, "hello.snap");
    // The child presses Ctrl-C (SIGINT to itself) at the first write into the snapshot's temporary file.
    const child = join(dir, "child.mts");
    writeFileSync(
      child,
      `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { main } from ${JSON.stringify(main)};
const writev = fs.writevSync;
let pressed = false;
fs.writevSync = (...args) => {
  if (!pressed) { pressed = true; process.kill(process.pid, "SIGINT"); }
  return writev(...args);
};
syncBuiltinESMExports();
const io = { stdout: () => {}, stderr: (t) => process.stderr.write(t), stderrIsTTY: false, stdoutBytes: () => {} };
await main(["boot", ${JSON.stringify(elf)}, "--snapshot-at", "2000", "--save", ${JSON.stringify(snap)}], io);
console.log("not reached: the held Ctrl-C ends the process");
`,
    );
    const r = spawnSync(process.execPath, ["--conditions=@vmlab/source", "--import", "tsx", child], { cwd: repo, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.signal).toBe("SIGINT");
    expect(r.stdout).toBe("");
    // The whole snapshot, nothing temporary beside it: it resumes.
    expect(readdirSync(dir).sort()).toEqual(["child.mts", "hello.snap"]);
    const resumed = await runCli("resume", snap);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
  }, 30_000);
});
