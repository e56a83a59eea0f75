import { Worker } from "node:worker_threads";

/**
 * A watchdog for tests stuck in synchronous code. Vitest's `testTimeout` cannot interrupt a
 * synchronous loop (a model that never returns, say): the test file's process hangs until CI's
 * own limit, and nothing says which test. The watchdog is a worker thread — it runs while the
 * main thread is stuck — fed by a timer on the main thread's event loop. When the feeding stops
 * for `limitMs`, it writes which test was running straight to stderr (a worker's
 * `process.stderr` goes through the stuck main thread) and kills the process, so vitest fails
 * that file at once.
 */
export interface Watchdog {
  /** Names what runs now, for the message (a test's file and name). */
  label(text: string): void;
  /** Stops the watchdog. */
  stop(): void;
}

/** The worker: checks once a second that the heartbeat moved. Plain JS, run with `eval`. */
const WATCHDOG_WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const beat = new Int32Array(workerData.heartbeat);
let label = "(before the first test)";
parentPort.on("message", (m) => { label = m; });
let last = Atomics.load(beat, 0);
let lastMovedAt = Date.now();
setInterval(() => {
  const now = Date.now();
  const b = Atomics.load(beat, 0);
  if (b !== last) { last = b; lastMovedAt = now; return; }
  if (now - lastMovedAt < workerData.limitMs) return;
  writeSync(2, "\\nvmlab test watchdog: the main thread has run synchronous code for " +
    Math.round((now - lastMovedAt) / 1000) + " s without returning to its event loop; killing process " +
    process.pid + ". Running: " + label + "\\n");
  process.kill(process.pid, "SIGKILL");
}, 1000);
`;

/** Starts a watchdog on this process; `limitMs` of synchronous running kills it. */
export function startWatchdog(limitMs: number): Watchdog {
  if (!(limitMs >= 2000)) throw new RangeError(`watchdog limit must be >= 2000 ms, got ${limitMs}`);
  const heartbeat = new SharedArrayBuffer(4);
  const beat = new Int32Array(heartbeat);
  // execArgv []: the worker is plain CommonJS whatever flags (--input-type=module, loaders) the process has.
  const worker = new Worker(WATCHDOG_WORKER, { eval: true, execArgv: [], workerData: { heartbeat, limitMs } });
  const feed = setInterval(() => Atomics.add(beat, 0, 1), 250);
  // Neither may keep a finished test process alive.
  feed.unref();
  worker.unref();
  return {
    label: (text) => worker.postMessage(text),
    stop: () => {
      clearInterval(feed);
      void worker.terminate();
    },
  };
}
