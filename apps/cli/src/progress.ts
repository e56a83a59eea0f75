import { SingleBar } from "cli-progress";
import type { CliIo } from "./io.js";

/** A progress bar on stderr when it is a terminal; silent otherwise (CI logs, pipes, tests). */
export function createProgress(io: CliIo, label: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (!io.stderrIsTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total}`,
    stream: process.stderr,
    hideCursor: true,
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
