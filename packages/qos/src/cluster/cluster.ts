import { NS_PER_S, Rng, RngStreams, Simulation } from "@vmlab/core-vm";
import { SharedLatencyFile } from "../control/shared-file.js";
import { QosErrors } from "../errors.js";
import { checkClusterSpec } from "./check-spec.js";
import type { ClusterSpec } from "./config.js";
import { buildLun, placeDisks } from "./lun-layout.js";
import { QosHost, type SchedulerFactory } from "./qos-host.js";

export { checkClusterSpec, MAX_SAMPLES_PER_RUN, MIN_CONTROL_PERIOD_S, MIN_SAMPLE_S } from "./check-spec.js";

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

/**
 * Hosts sharing one RAID-5 LUN, each running its own scheduler and control
 * loop, with no coordinator: PARDA's experimental setup (§5) in one
 * deterministic simulation. Each host's control ticks at its own random phase
 * within the period, as independent hosts' timers would, the first time in
 * the second period: its first step sees a whole period's latency ("average IO
 * latency measured over a fixed time period"), not the first milliseconds of
 * an idle array, which drew one host's window far from the others' for most
 * of a run.
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
    sim.schedule(periodNs + Math.floor(phase.random() * periodNs), kindTick, h);
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
