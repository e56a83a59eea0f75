import { beforeEach, expect } from "vitest";
import { startWatchdog } from "./watchdog.js";

/**
 * Vitest setup file (root `vitest.config.ts`): a watchdog per test file's process that kills it
 * when one stretch of synchronous code runs `VMLAB_TEST_HANG_MS` (default 300,000 ms: far beyond
 * any test's legitimate run, far short of CI's 90 minutes) and names the test that was running.
 */
const limitMs = Number(process.env.VMLAB_TEST_HANG_MS ?? 300_000);
const dog = startWatchdog(limitMs);

beforeEach(() => {
  const { testPath, currentTestName } = expect.getState();
  dog.label(`${testPath ?? "?"} > ${currentTestName ?? "?"}`);
});
