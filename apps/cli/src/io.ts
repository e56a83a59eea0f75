import { CliErrors } from "./errors.js";

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

/** The failure `writeStdout` reported, if one: the stream's error event that follows it says nothing more (bin.ts). */
let reportedStdoutFailure: Error | null = null;

/** Whether `error` is the stdout failure a command already stopped on (and `vmlab` reported in one line). */
export function stdoutFailureReported(error: Error): boolean {
  return error === reportedStdoutFailure;
}

/**
 * Writes to stdout. A write the stream refused (ENOSPC under `> file`; the stream marks itself errored at once, its
 * error event comes later) stops the command there: it went on and said "50000 IOs" on stderr before the failure
 * surfaced. EPIPE (the reader left: `| head`) is not a failure; bin.ts ends quietly on it.
 */
function writeStdout(data: string | Uint8Array): void {
  process.stdout.write(data);
  const e = process.stdout.errored as NodeJS.ErrnoException | null;
  if (e && e.code !== "EPIPE") {
    reportedStdoutFailure = e;
    throw CliErrors.stdoutWrite(e.message);
  }
}

export const processIo: CliIo = {
  stdout: writeStdout,
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdoutBytes: writeStdout,
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
