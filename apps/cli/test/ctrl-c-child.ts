import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/**
 * Runs `vmlab <argv>` (the CLI's `main`, from source) in a child process that presses Ctrl-C — SIGINT to itself —
 * the first time it calls `fs.<call>`: an exact point of the work, not a timer's guess. The child's stdout and
 * stderr are the CLI's; a run that goes on past a held Ctrl-C prints "not reached" on stdout.
 */
export function runPressingCtrlC(
  dir: string,
  call: "writevSync" | "mkdtempSync",
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): SpawnSyncReturns<string> {
  const child = join(dir, "child.mts");
  writeFileSync(
    child,
    `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { main } from ${JSON.stringify(main)};
const original = fs.${call};
let pressed = false;
fs.${call} = (...args) => {
  if (!pressed) { pressed = true; process.kill(process.pid, "SIGINT"); }
  return original(...args);
};
syncBuiltinESMExports();
const io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), stderrIsTTY: false, stdoutBytes: (b) => process.stdout.write(b) };
await main(${JSON.stringify(argv)}, io);
console.log("not reached: the held Ctrl-C ends the process");
`,
  );
  return spawnSync(process.execPath, ["--conditions=@vmlab/source", "--import", "tsx", child], { cwd: repo, encoding: "utf8", env });
}
