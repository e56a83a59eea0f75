/**
 * Where the CLI writes. Injected so commands are tested in-process and the
 * terminal stays at the edge (house rule 2).
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bars only then). */
  stderrIsTTY: boolean;
  /** Write raw bytes to stdout (a guest's console). */
  stdoutBytes?(bytes: Uint8Array): void;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdoutBytes: (b) => process.stdout.write(b),
};

/** Exit codes (issue contract): 0 ok, 1 run failed, 2 bad usage or input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Thrown by commands to end with a specific exit code after printing `message`. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = "",
  ) {
    super(message);
  }
}
