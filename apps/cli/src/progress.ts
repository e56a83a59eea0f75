import { SingleBar } from "cli-progress";
import type { CliIo } from "./io.js";

/**
 * A progress bar on stderr when it is a terminal; silent otherwise (CI logs, pipes, tests).
 *
 * It changes no terminal mode (cursor hidden, line wrapping off): a scenario runs synchronously, so a
 * Ctrl-C kills the process before any handler could restore them, and the user's shell was left with
 * an invisible cursor. The bar is cut to the terminal's width instead of relying on wrapping being off.
 */
export function createProgress(
  io: CliIo,
  label: string,
  stream: NodeJS.WritableStream = process.stderr,
): { update: (done: number, total: number) => void; stop: () => void } {
  if (!io.stderrIsTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({
    // Steps done as a whole number: a scenario may report a fraction of a step (a trace's bytes read), which
    // printed as 4.180975129970493/5 and pushed the total off an 80-column line.
    format: `${label} [{bar}] {percentage}% {step}/{total}`,
    stream,
    hideCursor: false,
    linewrap: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update: (done, total) => {
      const step = Math.floor(done);
      if (!started) {
        bar.start(total, done, { step });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { step });
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
