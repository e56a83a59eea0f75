import { NS_PER_S, Rng, RngStreams, Simulation } from "@vmlab/core-vm";
import { type BlockTarget, hddRaid5Array } from "@vmlab/storage";
import { Raid5Lun } from "../array/raid5-lun.js";
import { FC_10K_DISK, SptfDisk } from "../array/sptf-disk.js";
import { SharedLatencyFile } from "../control/shared-file.js";
import { checkWindowLaw } from "../control/window-law.js";
import { QosErrors } from "../errors.js";
import {
  requireArray,
  requireBoolean,
  requireInHalfOpen,
  requireInteger,
  requireKnownKeys,
  requireNonNegative,
  requireOneOf,
  requirePositive,
  requireSeed,
} from "../validate.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "./config.js";
import { QosHost, type SchedulerFactory } from "./qos-host.js";

/** The shortest control period taken (s): a window update per millisecond is far below any IO latency it reacts to. */
export const MIN_CONTROL_PERIOD_S = 1e-3;

/**
 * The shortest sampling interval taken (s): a shorter one rounded to 0 ns rescheduled the sampler at the
 * same instant forever; a sample every millisecond is already far finer than any chart needs.
 */
export const MIN_SAMPLE_S = 1e-3;
/**
 * Samples per run (per host): each is kept in memory and written to results.json, the CSV and the charts;
 * 1 ms over a 160 s run (160,000) took 3.8 GB and wrote a 237 MB results.json. The longest default
 * run (parda-threshold-change with 8 values of L for an hour each, every 2 s) takes 16,200.
 */
export const MAX_SAMPLES_PER_RUN = 20_000;

const SECTORS_PER_GB = 2 * 1024 * 1024;

/** One sample of one host: what its time-series charts show. */
export interface HostSample {
  t: number;
  host: number;
  window: number;
  iops: number;
  /** Mean device latency of the host's IOs in the interval, ms (0 if none). */
  latencyMs: number;
  ios: number;
  latencySumMs: number;
  /** IOs completed per VM of this host in the interval. */
  vmIos: number[];
}

/** What `runCluster` returns: each sample period's per-host and per-VM figures, for `summarize` and the scenarios' tables. */
export interface ClusterRun {
  samples: HostSample[];
  hosts: number;
  sampleS: number;
  /** Simulation events executed (for benchmarks). */
  events: number;
}

const CLUSTER_KEYS = ["hosts", "placement", "control", "array", "events", "durationS", "sampleS", "seed"] as const;
const HOST_KEYS = ["vms", "control", "scheduler", "fixedDepth"] as const;
const ARRAY_KEYS = ["model", "disks", "disk", "stripeUnitSectors", "cacheHitMs"] as const;
const VM_EVENT_KEYS = ["atS", "kind", "host", "vm"] as const;
const THRESHOLD_EVENT_KEYS = ["atS", "kind", "latencyThresholdMs"] as const;

/**
 * Checks a cluster spec, naming the offending key. A spec read from a JSON file escapes
 * TypeScript's checks, so unknown keys and enum values are refused too: a misspelt key was
 * ignored, and an unknown placement, scheduler, control mode or array model ran as another one.
 */
export function checkClusterSpec(spec: ClusterSpec): void {
  requireKnownKeys("", spec, CLUSTER_KEYS);
  requireArray("hosts", spec.hosts);
  if (spec.hosts.length === 0) throw QosErrors.badConfig("hosts", "need at least one host");
  requireOneOf("placement", spec.placement, ["interleaved", "contiguous"]);
  requirePositive("durationS", spec.durationS);
  requirePositive("sampleS", spec.sampleS);
  if (spec.sampleS > spec.durationS)
    throw QosErrors.badConfig("sampleS", `must be <= durationS (${spec.durationS} s) or the run has no sample, got ${spec.sampleS}`);
  if (spec.sampleS < MIN_SAMPLE_S) throw QosErrors.badConfig("sampleS", `must be >= ${MIN_SAMPLE_S} s (1 ms), got ${spec.sampleS}`);
  const samples = Math.floor(spec.durationS / spec.sampleS + 1e-9);
  if (samples > MAX_SAMPLES_PER_RUN)
    throw QosErrors.badConfig(
      "sampleS",
      `at most ${MAX_SAMPLES_PER_RUN} samples per run, got ${samples} (a run of ${spec.durationS} s sampled every ${spec.sampleS} s); make sampleS at least ${spec.durationS / MAX_SAMPLES_PER_RUN} s`,
    );
  requireSeed("seed", spec.seed);
  const c = spec.control;
  requireKnownKeys("control", c, Object.keys(PARDA_CONTROL));
  requirePositive("control.periodS", c.periodS);
  // A period that rounds to 0 ns schedules the next tick at the same instant forever: the run never ends.
  if (c.periodS < MIN_CONTROL_PERIOD_S)
    throw QosErrors.badConfig("control.periodS", `must be >= ${MIN_CONTROL_PERIOD_S} s (1 ms; the paper's is 2 s), got ${c.periodS}`);
  requirePositive("control.betaPerShare", c.betaPerShare);
  requirePositive("control.initialWindow", c.initialWindow);
  requireInHalfOpen("control.latencyEwmaAlpha", c.latencyEwmaAlpha, 0, 1);
  checkWindowLaw(
    {
      latencyThresholdMs: c.latencyThresholdMs,
      smoothingGamma: c.smoothingGamma,
      beta: c.betaPerShare,
      windowMin: c.windowMin,
      windowMax: c.windowMax,
      maxGrowthFactor: 2,
    },
    "control.",
  );
  const a = spec.array;
  requireKnownKeys("array", a, ARRAY_KEYS);
  requireOneOf("array.model", a.model, ["qos", "storage"]);
  requireInteger("array.disks", a.disks, 3);
  if (a.model === "qos") requireKnownKeys("array.disk", a.disk, Object.keys(FC_10K_DISK));
  const vmKeys = Object.keys(microVm());
  spec.hosts.forEach((h, i) => {
    requireKnownKeys(`hosts[${i}]`, h, HOST_KEYS);
    requireOneOf(`hosts[${i}].control`, h.control, ["none", "static", "parda", "flow"]);
    requireOneOf(`hosts[${i}].scheduler`, h.scheduler, ["sfq", "fcfs", "mclock"]);
    requireInteger(`hosts[${i}].fixedDepth`, h.fixedDepth, 1);
    requireArray(`hosts[${i}].vms`, h.vms);
    if (h.vms.length === 0) throw QosErrors.badConfig(`hosts[${i}].vms`, "need at least one VM");
    h.vms.forEach((v, j) => {
      const k = `hosts[${i}].vms[${j}]`;
      requireKnownKeys(k, v, vmKeys);
      requirePositive(`${k}.share`, v.share);
      requireNonNegative(`${k}.reservationIops`, v.reservationIops);
      if (!(v.limitIops >= v.reservationIops && v.limitIops > 0))
        throw QosErrors.badConfig(`${k}.limitIops`, `must be > 0 and >= reservationIops (Infinity for no limit), got ${v.limitIops}`);
      requireInteger(`${k}.oio`, v.oio, 1);
      requirePositive(`${k}.ioKB`, v.ioKB);
      // The VM issues ioKB·2 sectors: 0.3 KB ran as IOs of 0.6 sectors.
      if (!Number.isInteger(v.ioKB * 2))
        throw QosErrors.badConfig(`${k}.ioKB`, `must be a whole number of 512-byte sectors (a multiple of 0.5), got ${v.ioKB}`);
      requirePositive(`${k}.diskGB`, v.diskGB);
      checkDiskSize(spec, k, v.diskGB, v.ioKB);
      if (v.cacheResident === true && a.model !== "qos")
        throw QosErrors.badConfig(`${k}.cacheResident`, `cache-resident disks need the qos array model (array.model is "${a.model}")`);
      requireBoolean(`${k}.cacheResident`, v.cacheResident);
      requireNonNegative(`${k}.startS`, v.startS);
      requireBeforeEnd(spec, `${k}.startS`, v.startS, "a VM starting after the end of the run never issues an IO");
      if (!(v.stopS > v.startS))
        throw QosErrors.badConfig(`${k}.stopS`, `must be > startS (${v.startS}) or Infinity for never, got ${v.stopS}`);
      if (!(typeof v.readFraction === "number" && v.readFraction >= 0 && v.readFraction <= 1))
        throw QosErrors.badConfig(`${k}.readFraction`, `must be in [0, 1], got ${v.readFraction}`);
    });
  });
  requireArray("events", spec.events);
  spec.events.forEach((e, n) => {
    const k = `events[${n}]`;
    requireOneOf(`${k}.kind`, e?.kind, ["stopVm", "startVm", "setThreshold"]);
    requireNonNegative(`${k}.atS`, e.atS);
    requireBeforeEnd(spec, `${k}.atS`, e.atS, "an event after the end of the run never fires");
    if (e.kind === "setThreshold") {
      requireKnownKeys(k, e, THRESHOLD_EVENT_KEYS);
      requirePositive(`${k}.latencyThresholdMs`, e.latencyThresholdMs);
      return;
    }
    requireKnownKeys(k, e, VM_EVENT_KEYS);
    // An index past the end failed inside the run with a TypeError.
    if (!(Number.isInteger(e.host) && e.host >= 0 && e.host < spec.hosts.length))
      throw QosErrors.badConfig(`${k}.host`, `must be a host index in [0, ${spec.hosts.length - 1}], got ${e.host}`);
    const vms = spec.hosts[e.host].vms.length;
    if (!(Number.isInteger(e.vm) && e.vm >= 0 && e.vm < vms))
      throw QosErrors.badConfig(`${k}.vm`, `must be a VM index of host ${e.host} in [0, ${vms - 1}], got ${e.vm}`);
  });
  checkDisksFitLun(spec);
}

/** A time the run must reach (`why` says what is lost if it does not): a typo past durationS ran without the change asked for. */
function requireBeforeEnd(spec: ClusterSpec, key: string, atS: number, why: string): void {
  if (atS > spec.durationS) throw QosErrors.badConfig(key, `must be <= durationS (${spec.durationS} s): ${why}, got ${atS}`);
}

/**
 * A VM's disk size as its placement can lay it out (`k` names the VM): under interleaved
 * placement every VM's diskGB equals the first VM's and is whole GB (the disks are dealt out in
 * 1 GB extents); under contiguous placement it is whole sectors (0.3 GB put the next VM's disk at
 * LBA 629145.6 and its IOs at fractional sectors). Either way it holds at least one IO.
 */
function checkDiskSize(spec: ClusterSpec, k: string, diskGB: number, ioKB: number): void {
  if (spec.placement === "interleaved") {
    const first = spec.hosts[0].vms[0].diskGB;
    if (diskGB !== first)
      throw QosErrors.badConfig(
        `${k}.diskGB`,
        `interleaved placement needs every VM's diskGB equal to hosts[0].vms[0].diskGB (${first}), got ${diskGB}; use placement "contiguous" for unequal disks`,
      );
    if (!Number.isInteger(diskGB))
      throw QosErrors.badConfig(`${k}.diskGB`, `interleaved placement needs a whole number of GB (1 GB extents), got ${diskGB}`);
  } else if (!Number.isInteger(diskGB * SECTORS_PER_GB))
    throw QosErrors.badConfig(
      `${k}.diskGB`,
      `must be a whole number of 512-byte sectors (a multiple of 1/${SECTORS_PER_GB} GB), got ${diskGB}`,
    );
  if (diskGB * SECTORS_PER_GB < ioKB * 2)
    throw QosErrors.badConfig(`${k}.diskGB`, `must hold at least one ${ioKB} KB IO, got ${diskGB} GB`);
}

/**
 * Every VM's IOs stay inside one stripe unit of the qos array, and every VM's disk ends inside
 * the LUN, naming the first VM (in LUN order) that does not: the
 * LUN's size comes from the array model itself, built on a scratch simulation (which also checks
 * the array's own fields, \`array.stripeUnitSectors\`, \`array.disk.*\`, before anything runs).
 */
function checkDisksFitLun(spec: ClusterSpec): void {
  const capacity = buildLun(new Simulation(), spec, []).capacitySectors;
  const { layouts } = placeDisks(spec);
  const su = spec.array.stripeUnitSectors;
  // The qos array serves each IO from one member, so an IO must not cross a stripe unit (its own check, at the first IO).
  if (spec.array.model === "qos" && spec.placement === "interleaved" && SECTORS_PER_GB % su !== 0)
    throw QosErrors.badConfig(
      "array.stripeUnitSectors",
      `must divide the 1 GB extents of interleaved placement (${SECTORS_PER_GB} sectors), got ${su}`,
    );
  // Both placements lay the disks' ends out in spec order, so the first VM past the end is the first that does not fit.
  spec.hosts.forEach((h, i) => {
    h.vms.forEach((v, j) => {
      if (spec.array.model === "qos") {
        if (su % (v.ioKB * 2) !== 0)
          throw QosErrors.badConfig(
            `hosts[${i}].vms[${j}].ioKB`,
            `must divide the qos array's stripe unit (array.stripeUnitSectors ${su} = ${su / 2} KB): an IO may not span two member disks, got ${v.ioKB}`,
          );
        if (spec.placement === "contiguous" && (v.diskGB * SECTORS_PER_GB) % su !== 0)
          throw QosErrors.badConfig(
            `hosts[${i}].vms[${j}].diskGB`,
            `must be a whole number of the qos array's ${su}-sector stripe units under contiguous placement (the next disk would start inside a unit), got ${v.diskGB}`,
          );
      }
      const l = layouts[i][j];
      const extents = Math.ceil((v.diskGB * SECTORS_PER_GB) / l.extentSectors);
      const end = l.base + ((extents - 1) * l.stride + 1) * l.extentSectors;
      if (end > capacity)
        throw QosErrors.badConfig(
          `hosts[${i}].vms[${j}].diskGB`,
          `the virtual disks (${spec.placement} placement) reach sector ${end} of the LUN at this one's end, the LUN has ${capacity} (array.disks ${spec.array.disks}); use smaller disks or more member disks`,
        );
    });
  });
}

/**
 * Hosts sharing one RAID-5 LUN, each running its own scheduler and control
 * loop, with no coordinator: PARDA's experimental setup (§5) in one
 * deterministic simulation. Each host's control ticks start at its own
 * random phase within the period, as independent hosts' timers would.
 */
export function runCluster(
  spec: ClusterSpec,
  onProgress?: (doneS: number, totalS: number) => void,
  schedulerFactory?: SchedulerFactory,
): ClusterRun {
  checkClusterSpec(spec);
  const sim = new Simulation({ initialCapacity: 4096 });
  const rng = new RngStreams(spec.seed);
  const { layouts, cachedRanges } = placeDisks(spec);
  const lun = buildLun(sim, spec, cachedRanges);
  let vmBase = 0;
  const hosts = spec.hosts.map((h, i) => {
    const host = new QosHost(sim, i, h, spec.control, lun, vmBase, layouts[i], rng, schedulerFactory);
    vmBase += h.vms.length;
    return host;
  });
  const file = new SharedLatencyFile(hosts.length);
  const periodNs = spec.control.periodS * NS_PER_S;

  const kindTick = sim.on("qos.control.tick", (h) => {
    hosts[h].controlTick(file);
    sim.schedule(periodNs, kindTick, h);
  });
  const phase = new Rng(spec.seed, "control-phase");
  hosts.forEach((_, h) => {
    sim.schedule(Math.floor(phase.random() * periodNs) + 1, kindTick, h);
  });

  const kindStart = sim.on("qos.vm.start", (g, obj) => {
    hosts[obj as number].startVm(g);
  });
  const kindStop = sim.on("qos.vm.stop", (g, obj) => {
    hosts[obj as number].stopVm(g);
  });
  const kindThreshold = sim.on("qos.threshold", (ms) => {
    for (const h of hosts) h.latencyThresholdMs = ms;
  });
  spec.hosts.forEach((h, i) => {
    h.vms.forEach((v, j) => {
      sim.schedule(v.startS * NS_PER_S, kindStart, j, i);
      if (Number.isFinite(v.stopS)) sim.schedule(v.stopS * NS_PER_S, kindStop, j, i);
    });
  });
  for (const e of spec.events) {
    if (e.kind === "setThreshold") sim.schedule(e.atS * NS_PER_S, kindThreshold, e.latencyThresholdMs);
    else sim.schedule(e.atS * NS_PER_S, e.kind === "stopVm" ? kindStop : kindStart, e.vm, e.host);
  }

  const samples: HostSample[] = [];
  const lastVmIos = hosts.map((h) => h.vms.map(() => 0));
  const sampleNs = spec.sampleS * NS_PER_S;
  const kindSample = sim.on("qos.sample", () => {
    const t = sim.now / NS_PER_S;
    hosts.forEach((h, i) => {
      const vmIos = h.vms.map((vm, j) => {
        const c = vm.stats.completed;
        const d = c - lastVmIos[i][j];
        lastVmIos[i][j] = c;
        return d;
      });
      const latencySumMs = h.sampleLatencyNs / 1e6;
      samples.push({
        t,
        host: i,
        window: h.window,
        iops: h.sampleIos / spec.sampleS,
        latencyMs: h.sampleIos > 0 ? latencySumMs / h.sampleIos : 0,
        ios: h.sampleIos,
        latencySumMs,
        vmIos,
      });
      h.sampleIos = 0;
      h.sampleLatencyNs = 0;
    });
    onProgress?.(t, spec.durationS);
    if (sim.now + sampleNs <= spec.durationS * NS_PER_S) sim.schedule(sampleNs, kindSample);
  });
  sim.schedule(sampleNs, kindSample);
  sim.run({ until: spec.durationS * NS_PER_S });
  return { samples, hosts: hosts.length, sampleS: spec.sampleS, events: sim.executed };
}

/** The shared LUN, from the model the spec names (see `ArrayModel`). */
function buildLun(sim: Simulation, spec: ClusterSpec, cachedRanges: { startLba: number; sectors: number }[]): BlockTarget {
  const a = spec.array;
  if (a.model === "storage") {
    return hddRaid5Array(sim, { disks: a.disks, chunkSectors: a.stripeUnitSectors, namePrefix: "disk" }).array.lun(0);
  }
  const disks = Array.from({ length: a.disks }, () => new SptfDisk(sim, a.disk, "array.disk"));
  return new Raid5Lun(sim, disks, { stripeUnitSectors: a.stripeUnitSectors, cachedRanges, cacheHitMs: a.cacheHitMs });
}

type Layout = { base: number; extentSectors: number; stride: number };

/**
 * Lays the VMs' virtual disks on the LUN (see `Placement`); returns each VM's layout and the
 * cache-resident ranges. The sizes are `checkClusterSpec`'s to check (equal whole GB when
 * interleaved, whole sectors, inside the LUN).
 */
function placeDisks(spec: ClusterSpec): { layouts: Layout[][]; cachedRanges: { startLba: number; sectors: number }[] } {
  const cachedRanges: { startLba: number; sectors: number }[] = [];
  const all = spec.hosts.flatMap((h) => h.vms);
  if (spec.placement === "interleaved") {
    const gb = all[0]?.diskGB ?? 1;
    let g = 0;
    const layouts = spec.hosts.map((h) =>
      h.vms.map((v) => {
        const base = g * SECTORS_PER_GB;
        if (v.cacheResident)
          for (let k = 0; k < gb; k++) cachedRanges.push({ startLba: base + k * all.length * SECTORS_PER_GB, sectors: SECTORS_PER_GB });
        g++;
        return { base, extentSectors: SECTORS_PER_GB, stride: all.length };
      }),
    );
    return { layouts, cachedRanges };
  }
  let lba = 0;
  const layouts = spec.hosts.map((h) =>
    h.vms.map((v) => {
      const sectors = v.diskGB * SECTORS_PER_GB;
      if (v.cacheResident) cachedRanges.push({ startLba: lba, sectors });
      const layout = { base: lba, extentSectors: sectors, stride: 1 };
      lba += sectors;
      return layout;
    }),
  );
  return { layouts, cachedRanges };
}

/** Per-host and per-VM averages over [fromS, toS] of a run, from its samples. */
export interface ClusterSummary {
  hostIops: number[];
  hostLatencyMs: number[];
  hostWindow: number[];
  vmIops: number[][];
  totalIops: number;
  /** IO-weighted mean device latency over all hosts, ms. */
  latencyMs: number;
}

/** Averages a `runCluster` run's samples over the window (fromS, toS] (seconds): per-host IOPS, window and latency, and the cluster's; refuses a window that holds no sample (`VMLAB_QOS_BAD_CONFIG`). */
export function summarize(run: ClusterRun, fromS: number, toS: number): ClusterSummary {
  // A window holding no sample averaged to zeros (IOPS 0, latency 0) without a word.
  if (!run.samples.some((s) => s.t > fromS && s.t <= toS + 1e-9)) {
    const last = run.samples.length > 0 ? run.samples[run.samples.length - 1].t : 0;
    throw QosErrors.badConfig(
      "fromS",
      `the window (${fromS} s, ${toS} s] holds no sample (samples every ${run.sampleS} s up to ${last} s); measure over a window that holds one`,
    );
  }
  const n = run.hosts;
  const ios = new Array<number>(n).fill(0);
  const lat = new Array<number>(n).fill(0);
  const win = new Array<number>(n).fill(0);
  const cnt = new Array<number>(n).fill(0);
  const vmIos: number[][] = [];
  for (const s of run.samples) {
    if (s.t <= fromS || s.t > toS + 1e-9) continue;
    ios[s.host] += s.ios;
    lat[s.host] += s.latencySumMs;
    win[s.host] += s.window;
    cnt[s.host]++;
    if (!vmIos[s.host]) vmIos[s.host] = s.vmIos.map(() => 0);
    s.vmIos.forEach((v, j) => {
      vmIos[s.host][j] += v;
    });
  }
  const seconds = Math.max(1e-9, cnt[0] * run.sampleS);
  const totalIos = ios.reduce((a, b) => a + b, 0);
  return {
    hostIops: ios.map((x) => x / seconds),
    hostLatencyMs: ios.map((x, i) => (x > 0 ? lat[i] / x : 0)),
    hostWindow: win.map((w, i) => (cnt[i] > 0 ? w / cnt[i] : 0)),
    vmIops: vmIos.map((row) => (row ?? []).map((x) => x / seconds)),
    totalIops: totalIos / seconds,
    latencyMs: totalIos > 0 ? lat.reduce((a, b) => a + b, 0) / totalIos : 0,
  };
}
