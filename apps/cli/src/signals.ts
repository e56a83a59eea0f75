import { setImmediate as nextTurn } from "node:timers/promises";

const HELD: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs `work` with Ctrl-C (SIGINT), SIGTERM and SIGHUP held back, then ends the process with the
 * first one that came. Without a listener Node dies at once on these — in the middle of a write,
 * leaving a temporary file behind, or between two renames with half a set of files in place.
 *
 * `work` may be synchronous (a snapshot's write): a signal that comes during it only reaches its
 * listener in the event loop's poll phase, so the listeners stay until one has passed — two
 * check phases (`setImmediate`) after the work always have a poll phase between them, even when
 * the work ran before the loop's first turn.
 */
export async function withSignalsDeferred<T>(work: () => T | Promise<T>): Promise<T> {
  let caught: NodeJS.Signals | undefined;
  const hold = (s: NodeJS.Signals) => {
    caught ??= s;
  };
  for (const s of HELD) process.on(s, hold);
  try {
    return await work();
  } finally {
    await nextTurn();
    await nextTurn();
    for (const s of HELD) process.removeListener(s, hold);
    if (caught) process.kill(process.pid, caught);
  }
}
