import { type Benchmark, bestRate, RngStreams } from "@vmlab/core-vm";
import { IoPool } from "../iostack/stack-io.js";
import { DEFAULT_CPU_COSTS } from "../scenarios/esx-disk-perf-config.js";
import { buildTestbed, startWorkers, type TestbedOptions } from "../scenarios/esx-disk-perf-testbed.js";

/** 4 VMs on one host, each a virtual disk on a RAID-5 LUN over 8 Cheetah 15K.5 disks with a write-back cache. */
/** @internal exported for tests */
export const SIM_IOS_TESTBED: TestbedOptions = {
  storage: "array",
  mode: "vm",
  cpu: DEFAULT_CPU_COSTS,
  hostCores: 2,
  adapterQueueDepth: 64,
  guestQueueDepth: 32,
  arrayDisks: 8,
  arrayCacheMiB: 1024,
  workers: 4,
};

/** Iometer: 8 KiB, 70% read, 100% random, 8 KiB-aligned, 16 outstanding per VM, over a 16 GiB test file each. */
/** @internal exported for tests */
export const SIM_IOS_SPEC = { ioSizeBytes: 8192, readPercent: 70, randomPercent: 100, outstandingIos: 16, alignmentBytes: 8192 };
/** @internal exported for tests */
export const SIM_IOS_TEST_SECTORS = (16 * 1024 ** 3) / 512;

/** Simulates `virtualNs` of the testbed; returns completed IOs. @internal exported for tests */
export function simulate(virtualNs: number): number {
  return simulateCounting(virtualNs).ios;
}

/** The same, also counting kernel events (for the note: the model's cost per IO is mostly events). */
function simulateCounting(virtualNs: number): { ios: number; events: number } {
  const tb = buildTestbed(SIM_IOS_TESTBED);
  const rng = new RngStreams(42);
  const ws = startWorkers(tb, SIM_IOS_SPEC, SIM_IOS_TEST_SECTORS, (i) => rng.get(`vm${i}`));
  tb.sim.run({ until: virtualNs });
  return { ios: ws.reduce((s, w) => s + w.stats.completed, 0), events: tb.sim.executed };
}

function rate(virtualNs: number, rounds: number): number {
  const ios = simulate(virtualNs); // deterministic: every round completes the same IOs
  return bestRate(() => void simulate(virtualNs), ios, rounds);
}

export const simIosBenchmark: Benchmark = {
  name: "storage.sim-ios",
  unit: "IO completions/s",
  description:
    "simulated IO completions per second of wall time: 4 VMs (Iometer 8 KiB, 70% read, random, 8 KiB-aligned, 16 OIO) → virtual disks → host adapter (CPU costs, queue depth 64) → array (cache, RAID-5) → 8 Cheetah 15K.5 HDDs; baseline: the same model with per-IO object allocation (request pools off)",
  run: ({ quick }) => {
    const virtualNs = quick ? 20e9 : 200e9;
    const ours = rate(virtualNs, quick ? 2 : 5);
    IoPool.recycle = false;
    let naive: number;
    try {
      naive = rate(virtualNs, quick ? 1 : 3);
    } finally {
      IoPool.recycle = true;
    }
    const { ios, events } = simulateCounting(virtualNs);
    return {
      value: ours,
      baseline: { name: "same model, per-IO allocation", value: naive },
      note: `target >= 1e6 completions/s; ${(events / ios).toFixed(2)} kernel events per host IO`,
    };
  },
};
