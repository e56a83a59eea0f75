import { RngStreams, type Scenario } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { esxDiskPerf } from "./esx-disk-perf.js";
import { testFileLimitMiB } from "./esx-disk-perf-testbed.js";
import { vscsistatsCharacterize } from "./vscsistats-characterize.js";

/**
 * A storage model's own refusal raised while a scenario builds or runs its testbed names no config key and reaches
 * the user as VMLAB_STORAGE_BAD_CONFIG, not in the one config-refusal format `check` uses (and `--dry-run` would
 * not see it). None is reachable: every corner of the schemas (each bound, the extremes together) passes `check`
 * and runs — native and VM, the testbed built, the workers started, a short measurement. A new schema bound or
 * model rule that breaks this belongs in the scenario's `check`.
 */
async function checkedAndRun(scenario: Scenario, input: Record<string, unknown>): Promise<void> {
  const config = scenario.config.parse(input);
  scenario.check?.({ config, seed: 1, quick: false });
  const result = await scenario.run({ config, seed: 1, quick: false, rng: new RngStreams(1), progress: () => {} });
  expect(result.tables.length).toBeGreaterThan(0);
}

const short = { readPercents: [100], randomPercents: [100], outstandingIos: [1], warmupMs: 1, durationMs: 2 };
const local = testFileLimitMiB({ storage: "local", arrayDisks: 8, workers: 1 });
const array = (arrayDisks: number) => testFileLimitMiB({ storage: "array", arrayDisks, workers: 1 });

describe("every corner of a storage scenario's schema passes check and runs: no model refusal past check", () => {
  it.each([
    // The largest IO into the smallest test file, the deepest queue behind the shallowest adapter and guest queues.
    {
      storage: ["local"],
      ioSizesBytes: [1048576],
      readPercents: [0],
      outstandingIos: [256],
      testFileMiB: 1,
      adapterQueueDepth: 1,
      guestQueueDepth: 1,
      hostCores: 64,
      localDiskWriteCache: true,
    },
    // The smallest IO over the whole disk, the deepest queues, the costliest IO path.
    {
      storage: ["local"],
      ioSizesBytes: [512],
      testFileMiB: local,
      adapterQueueDepth: 4096,
      guestQueueDepth: 4096,
      nativeIssueUs: 100_000,
      nativeInterruptUs: 100_000,
      virtIssueUs: 100_000,
      virtInterruptUs: 100_000,
    },
    {
      storage: ["local"],
      ioSizesBytes: [4096],
      testFileMiB: 1,
      nativeIssueUs: 0,
      nativeInterruptUs: 0,
      virtIssueUs: 0,
      virtInterruptUs: 0,
      warmupMs: 1e-300,
      durationMs: 1e-300,
    },
    // The smallest array and cache, 1 MiB writes at 256 outstanding into a 1 MiB test file.
    {
      storage: ["array"],
      arrayDisks: 3,
      arrayCacheMiB: 1,
      ioSizesBytes: [1048576],
      readPercents: [0],
      outstandingIos: [256],
      testFileMiB: 1,
    },
    // The largest array without a cache, its whole LUN; the smallest array with the largest cache, its whole LUN.
    { storage: ["array"], arrayDisks: 64, arrayCacheMiB: 0, arrayCacheWarm: false, ioSizesBytes: [512], testFileMiB: array(64) },
    { storage: ["array"], arrayDisks: 3, arrayCacheMiB: 65536, arrayCacheWarm: false, ioSizesBytes: [1048576], testFileMiB: array(3) },
  ])(
    "esx-disk-perf %o",
    async (corner) => {
      await checkedAndRun(esxDiskPerf, { ...short, ...corner });
    },
    60_000,
  );

  it.each([
    {
      storage: "local",
      sequentialIoKiB: 1024,
      randomIoKiB: 1024,
      poissonIoKiB: 1024,
      sequentialOutstandingIos: 256,
      randomOutstandingIos: 256,
      testFileMiB: 1,
      guestQueueDepth: 1,
      poissonIops: 10_000,
      traceReplay: "closed",
      traceDepth: 256,
    },
    {
      storage: "array",
      sequentialIoKiB: 1,
      randomIoKiB: 1,
      poissonIoKiB: 1,
      testFileMiB: array(8),
      guestQueueDepth: 4096,
      poissonIops: 0.001,
      traceSpeed: 1e6,
    },
    { storage: "local", testFileMiB: local, durationMs: 1e-300, traceSpeed: 0.001, traceMaxIos: 3 },
  ])(
    "vscsistats-characterize %o",
    async (corner) => {
      await checkedAndRun(vscsistatsCharacterize, { durationMs: 5, traceMaxIos: 50, ...corner });
    },
    60_000,
  );
});
