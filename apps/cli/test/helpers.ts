import type { CliIo } from "../src/io.js";
import { main } from "../src/main.js";

/** The smallest queue-validation run (one point, a second or so): for tests of what a run writes, not what it finds. */
export const ONE_POINT_RUN = ["queue-validation", "--quick", "--set", "servers=1", "--set", "utilizations=0.5"];

/** The one line `vmlab run` prints when `scenario`'s config is refused at `key` for `issue` (exit 2). */
export const refusedConfig = (scenario: string, key: string, issue: string) =>
  `vmlab: invalid config for ${scenario}: ${key}: ${issue} (see \`vmlab describe ${scenario}\`) [VMLAB_SCENARIO_BAD_CONFIG]\n`;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process and captures its output. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: false,
    stdoutBytes: (b) => {
      stdout += Buffer.from(b).toString("latin1");
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
