import { setImmediate as nextTurn } from "node:timers/promises";

const HELD: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Signals held back from now until `release` (see `withSignalsDeferred`). */
export interface HeldSignals {
  /** The first signal that came and reached its listener, if any. */
  caught(): NodeJS.Signals | undefined;
  /**
   * Lets a signal that came during synchronous work reach its listener: it does only in the event loop's poll
   * phase, and two check phases (`setImmediate`) always have a poll phase between them, even when the work ran
   * before the loop's first turn.
   */
  settle(): Promise<void>;
  /** Stops holding, after `settle`; ends the process with the first signal that came, if one did. */
  release(): Promise<void>;
}

/** Holds Ctrl-C (SIGINT), SIGTERM and SIGHUP back from now: each is noted, not obeyed, until `release`. */
export function holdSignals(): HeldSignals {
  let caught: NodeJS.Signals | undefined;
  const hold = (s: NodeJS.Signals) => {
    caught ??= s;
  };
  for (const s of HELD) process.on(s, hold);
  const settle = async () => {
    await nextTurn();
    await nextTurn();
  };
  return {
    caught: () => caught,
    settle,
    async release() {
      await settle();
      for (const s of HELD) process.removeListener(s, hold);
      if (caught) process.kill(process.pid, caught);
    },
  };
}

/**
 * Runs `work` with Ctrl-C (SIGINT), SIGTERM and SIGHUP held back, then ends the process with the
 * first one that came. Without a listener Node dies at once on these — in the middle of a write,
 * leaving a temporary file behind, or between two renames with half a set of files in place.
 * `work` may be synchronous (a snapshot's write): see `HeldSignals.settle`.
 */
export async function withSignalsDeferred<T>(work: () => T | Promise<T>): Promise<T> {
  const held = holdSignals();
  try {
    return await work();
  } finally {
    await held.release();
  }
}
