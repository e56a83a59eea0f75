import { NS_PER_MS, type Rng, type Simulation } from "@vmlab/core-vm";
import type { BlockTarget } from "../iostack/target.js";
import type { VirtualDisk } from "../iostack/virtual-disk.js";
import type { TraceReplayWorkload } from "../trace/replay.js";
import type { VscsiStats } from "../vscsistats/collector.js";
import { VscsiStatsObserver } from "../vscsistats/observer.js";
import { IometerWorkload, type Loop } from "../workload/iometer.js";
import type { WorkloadBase } from "../workload/workload.js";
import { DEFAULT_ARRAY_DISKS, DEFAULT_CPU_COSTS } from "./esx-disk-perf-config.js";
import { buildTestbed } from "./esx-disk-perf-testbed.js";
import type { VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";

/** One characterized workload: its histograms and what its issuer measured. */
export interface Characterized {
  id: string;
  label: string;
  stats: VscsiStats;
  /** Completions per second of virtual time (NaN for the trace read without a model). */
  iops: number;
  /** Virtual seconds the run took. */
  seconds: number;
  /**
   * IOs that found the guest adapter's queue full and waited in the guest for a slot (NaN for the trace read
   * without a model): vscsiStats sees them when they get one, so its interarrival and outstanding-IO histograms
   * show the storage's pace, not the workload's.
   */
  guestQueueWaits: number;
}

/** A VM with one virtual disk on the modelled storage, vscsiStats attached at its vSCSI layer. */
function vmWithVscsiStats(c: VscsiCharacterizeConfig): {
  sim: Simulation;
  disk: VirtualDisk;
  observer: VscsiStatsObserver;
  /** Ends the window: IOs reaching the vSCSI layer after it are not counted (those in flight still complete into it). */
  closeWindow: () => void;
} {
  const tb = buildTestbed({
    storage: c.storage,
    mode: "vm",
    cpu: DEFAULT_CPU_COSTS,
    hostCores: 1,
    adapterQueueDepth: 32,
    guestQueueDepth: c.guestQueueDepth,
    arrayDisks: DEFAULT_ARRAY_DISKS,
    arrayCacheMiB: 2048,
    workers: 1,
  });
  const disk = tb.targets[0] as VirtualDisk;
  const observer = new VscsiStatsObserver();
  let open = true;
  // Attached before the workload starts, as `vscsiStats -s` before starting Iometer. An IO issued once the window has
  // closed — one the guest had queued, let go by the drain — is not counted: an IO of 8 MiB at 64 outstanding put
  // 0.29 s of issues after a 1.5 s window into every histogram.
  disk.addObserver({
    onIssue: (req, nowNs) => {
      if (open) observer.onIssue(req, nowNs);
    },
    onComplete: (req, nowNs) => observer.onComplete(req, nowNs),
  });
  return { sim: tb.sim, disk, observer, closeWindow: () => void (open = false) };
}

/** Sectors of the VM's virtual disk on the configured storage (the most an Iometer test region can span). */
export function vmDiskSectors(c: VscsiCharacterizeConfig): number {
  return vmWithVscsiStats(c).disk.capacitySectors;
}

/**
 * The longest span of virtual time a timed replay may issue IOs over (ns, ~52 days): half the kernel's 2^53 ns, so
 * the replay's tail and the drain after it stay inside its clock. A user's trace recorded over longer (a week of MSR
 * Cambridge at traceSpeed 0.01) is cut where it passes it (`ReplayBound`), not failed mid-run by the kernel.
 */
export const MAX_REPLAY_SPAN_NS = 2 ** 52;
/**
 * Where the run loop stops a replay still running (ns, ~78 days): past every timed issue (`MAX_REPLAY_SPAN_NS`)
 * with room for its tail, and below 2^53 ns by ~26 days for the drain. Only a closed loop over hundreds of millions
 * of IOs, or a back-to-back fio log as long, gets there.
 */
export const REPLAY_CLOCK_LIMIT_NS = 2 ** 52 + 2 ** 51;

/** What `runWorkload` measured, and whether a replay was stopped at `REPLAY_CLOCK_LIMIT_NS` before its end. */
export type WorkloadRun = Omit<Characterized, "id" | "label"> & { stoppedAtClockLimit: boolean };

/**
 * Runs `w` on a fresh VM: for `untilNs` of virtual time, or (untilNs =
 * Infinity, a trace replay) until the trace is exhausted (or the clock reaches
 * `REPLAY_CLOCK_LIMIT_NS`); then lets the IOs in flight complete so every
 * issued IO has its latency sample. The histograms hold the IOs issued at the vSCSI layer within the window: those
 * still waiting in the guest when it ends are issued in the drain, uncounted.
 */
export function runWorkload(c: VscsiCharacterizeConfig, w: WorkloadBase, rng: Rng, untilNs: number): WorkloadRun {
  const { sim, disk, observer, closeWindow } = vmWithVscsiStats(c);
  // The guest's view of the disk: counts the IOs submitted while the adapter's queue is full (they wait in the guest).
  let guestQueueWaits = 0;
  const guest: BlockTarget = {
    capacitySectors: disk.capacitySectors,
    submit(req, sink) {
      if (disk.inFlight >= c.guestQueueDepth) guestQueueWaits++;
      disk.submit(req, sink);
    },
  };
  w.start({ sim, target: guest, rng, vm: 0 });
  const step = 1000 * NS_PER_MS;
  if (Number.isFinite(untilNs)) sim.run({ until: untilNs });
  // Chunks, not run-to-empty: a storage model may keep periodic events (destage) forever.
  else
    while ((!(w as TraceReplayWorkload).finished || w.outstanding > 0) && sim.now < REPLAY_CLOCK_LIMIT_NS)
      sim.run({ until: sim.now + step });
  const stoppedAtClockLimit = !Number.isFinite(untilNs) && !(w as TraceReplayWorkload).finished;
  const doneNs = (w as TraceReplayWorkload).doneNs;
  const measuredNs = Number.isFinite(untilNs) ? untilNs : doneNs >= 0 ? doneNs : sim.now;
  const completed = w.stats.completed;
  w.stop();
  closeWindow();
  for (let i = 0; i < 60 && w.outstanding > 0; i++) sim.run({ until: sim.now + step });
  return { stats: observer.stats, iops: completed / (measuredNs / 1e9), seconds: measuredNs / 1e9, guestQueueWaits, stoppedAtClockLimit };
}

/** The three Iometer workloads of the digest's acceptance checks. */
export function iometerWorkloads(c: VscsiCharacterizeConfig, rng: (name: string) => Rng): Characterized[] {
  const region = (c.testFileMiB * 1024 * 1024) / 512;
  const untilNs = c.durationMs * NS_PER_MS;
  const specs: { id: string; label: string; spec: ConstructorParameters<typeof IometerWorkload>[0]; loop: Loop }[] = [
    {
      id: "sequential-read",
      label: `sequential ${c.sequentialIoKiB} KiB reads, closed loop at ${c.sequentialOutstandingIos} outstanding`,
      spec: {
        ioSizeBytes: c.sequentialIoKiB * 1024,
        readPercent: 100,
        randomPercent: 0,
        outstandingIos: c.sequentialOutstandingIos,
        regionSectors: region,
      },
      loop: { kind: "closed" },
    },
    {
      id: "random-read",
      label: `random ${c.randomIoKiB} KiB reads, closed loop at ${c.randomOutstandingIos} outstanding`,
      spec: {
        ioSizeBytes: c.randomIoKiB * 1024,
        readPercent: 100,
        randomPercent: 100,
        outstandingIos: c.randomOutstandingIos,
        regionSectors: region,
      },
      loop: { kind: "closed" },
    },
    {
      id: "poisson-read",
      label: `open loop: Poisson arrivals at ${c.poissonIops} IOPS, random ${c.poissonIoKiB} KiB reads`,
      spec: { ioSizeBytes: c.poissonIoKiB * 1024, readPercent: 100, randomPercent: 100, outstandingIos: 1, regionSectors: region },
      loop: { kind: "open", iops: c.poissonIops, arrivals: "poisson" },
    },
  ];
  return specs.map((s) => {
    const w = new IometerWorkload(s.spec, s.loop, s.id);
    const { stoppedAtClockLimit: _, ...run } = runWorkload(c, w, rng(s.id), untilNs);
    return { id: s.id, label: s.label, ...run };
  });
}
