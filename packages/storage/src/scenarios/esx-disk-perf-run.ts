import { NS_PER_MS, Rng, type RngStreams } from "@vmlab/core-vm";
import { runMeasured } from "../workload/measure.js";
import type { EsxDiskPerfConfig } from "./esx-disk-perf-config.js";
import { buildTestbed, startWorkers, type TestbedOptions, warmArrayCache } from "./esx-disk-perf-testbed.js";

/** One Iometer cell: storage × access pattern × outstanding IOs. */
export interface Cell {
  storage: "local" | "array";
  ioSizeBytes: number;
  readPercent: number;
  randomPercent: number;
  outstandingIos: number;
}

/** What one run (native or VM) of a cell measured. */
export interface CellMeasurement {
  /** IOs completed in the measured window: what `iops` counts, and so how finely it can tell two runs apart. */
  ios: number;
  iops: number;
  mbPerSec: number;
  /** Mean IO latency seen by the worker, µs. */
  latencyUs: number;
  /** Host CPU time per IO, µs (the paper's CPU-cost metric). */
  cpuUsPerIo: number;
  /** Host CPU utilization over the run, 0–1. */
  cpuUtilization: number;
}

/** The testbed of one run: `storage` in `mode`, everything else from the config. */
function testbedOptions(config: EsxDiskPerfConfig, storage: Cell["storage"], mode: "native" | "vm"): TestbedOptions {
  return {
    storage,
    mode,
    cpu: {
      nativeIssueNs: config.nativeIssueUs * 1000,
      nativeInterruptNs: config.nativeInterruptUs * 1000,
      virtIssueNs: config.virtIssueUs * 1000,
      virtInterruptNs: config.virtInterruptUs * 1000,
    },
    hostCores: config.hostCores,
    adapterQueueDepth: config.adapterQueueDepth,
    guestQueueDepth: config.guestQueueDepth,
    localDiskWriteCache: config.localDiskWriteCache,
    arrayDisks: config.arrayDisks,
    arrayCacheMiB: config.arrayCacheMiB,
    workers: 1,
  };
}

/** Runs one cell in one mode; the random stream depends only on (seed, cell), so cells are independent. */
export function runCell(config: EsxDiskPerfConfig, cell: Cell, mode: "native" | "vm", rng: RngStreams): CellMeasurement {
  const tb = buildTestbed(testbedOptions(config, cell.storage, mode));
  const testSectors = (config.testFileMiB * 1024 * 1024) / 512;
  if (config.arrayCacheWarm) warmArrayCache(tb, testSectors);
  // Common random numbers: native and VM runs of a cell see the same address sequence, so each run
  // starts the cell's stream afresh (`rng.get` would hand the VM run the stream where native left it).
  const name = `${cell.storage}/${cell.ioSizeBytes}/${cell.readPercent}/${cell.randomPercent}/${cell.outstandingIos}`;
  const workers = startWorkers(
    tb,
    {
      ioSizeBytes: cell.ioSizeBytes,
      readPercent: cell.readPercent,
      randomPercent: cell.randomPercent,
      outstandingIos: cell.outstandingIos,
    },
    testSectors,
    (i) => new Rng(rng.seed, i === 0 ? name : `${name}/w${i}`),
  );
  tb.sim.run({ until: config.warmupMs * NS_PER_MS });
  for (const w of workers) w.stats.reset(tb.sim.now);
  // CPU time run in the window: jobs queued before it that run inside it count, jobs queued in it that run after do not.
  const busy0 = tb.cpu.doneNs(tb.sim.now);
  const elapsed = runMeasured(tb.sim, workers, 0, config.durationMs * NS_PER_MS);
  const w = workers[0];
  const now = tb.sim.now;
  const busy = tb.cpu.doneNs(now) - busy0;
  return {
    ios: w.stats.completed,
    iops: w.stats.iops(now),
    mbPerSec: w.stats.mbPerSec(now),
    latencyUs: w.stats.completed > 0 ? w.stats.latencyUs.mean : Number.NaN,
    cpuUsPerIo: w.stats.completed > 0 ? busy / 1000 / w.stats.completed : Number.NaN,
    cpuUtilization: tb.cpu.utilization(busy, elapsed),
  };
}
