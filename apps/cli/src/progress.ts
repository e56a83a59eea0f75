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
    format: `${label} [{bar}] {percentage}% {value}/{total}`,
    stream,
    hideCursor: false,
    linewrap: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
