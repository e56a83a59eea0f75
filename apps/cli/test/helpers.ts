import type { CliIo } from "../src/io.js";
import { main } from "../src/main.js";

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
