import { eachOnce, type ScenarioResult } from "@vmlab/core-vm";
import { z } from "zod";
import { runCluster, summarize } from "../cluster/cluster.js";
import { type HostSpec, microVm } from "../cluster/config.js";
import { QosErrors } from "../errors.js";
import {
  ascending,
  checkedSpecs,
  clusterSpec,
  controlFields,
  depthField,
  hostName,
  jainIndex,
  requireHostIosMeasured,
  requireIosInWindow,
  requireMeasuredWindow,
  requireSampledWindow,
  round,
  timeSeriesFigures,
  timeSeriesTable,
} from "./common.js";
import { defineQosScenario } from "./define.js";
import { flowControlChecks } from "./tolerances.js";

/**
 * The most virtual time of the whole latency-vs-load sweep (points × sweepDurationS), s: the default sweep at the
 * largest per-point duration. With the storage array at 16 hosts a virtual second costs ~0.033 s of wall time,
 * so the longest allowed sweep takes about 12 minutes; 255 points of 3600 s were accepted, about 8 hours.
 */
export const MAX_SWEEP_S = 21_600;

export const FlowControlConfig = z.object({
  hosts: z
    .number()
    .int()
    .min(2)
    .max(16)
    .default(4)
    .describe(
      "hosts sharing the LUN, one micro-benchmark VM each, in the control runs and the OIO sweep (the static-depth run has one host per staticDepths entry)",
    ),
  oio: depthField("outstanding IOs per VM in the control runs"),
  staticDepths: z
    .array(z.number().int().min(1).max(256))
    .min(2)
    .max(16)
    .default([32, 16, 8, 4])
    .describe("per-host queue depths of the static-depth run, one host per entry (its host count, whatever hosts is)"),
  // A sweep axis: a repeated value was merged into one point without a word (4,16,4 ran two points).
  oioSweep: eachOnce(z.array(z.number().int().min(1).max(256)).min(2))
    .default([2, 4, 8, 16, 32, 48])
    .describe("per-host OIO values of the latency-vs-load sweep (uncontrolled), at least 2, each once; run in ascending order"),
  ...controlFields,
  latencyThresholdMs: controlFields.latencyThresholdMs.default(30),
  // Contiguous here, so that the control runs show the local signals diverging (PARDA Fig. 3); the other runs must not
  // differ between hosts but by queue depth or load, hence interleaved there whatever this says.
  placement: controlFields.placement
    .default("contiguous")
    .describe(
      "virtual disks on the LUN for the control runs (local latency vs PARDA): contiguous, one after another (the middle hosts' data lies nearer the others', so local latencies diverge), or interleaved in 1 GB extents; the static-depth and latency-vs-load runs are always interleaved, so that only depth or load differs between hosts",
    ),
  durationS: z.number().gt(0).max(3600).default(300).describe("simulated time per control run, s"),
  sweepDurationS: z
    .number()
    .gt(0)
    .max(3600)
    .default(60)
    .describe(`simulated time per sweep point, s (the sweep's points × sweepDurationS at most ${MAX_SWEEP_S} s)`),
  measureFromS: z.number().min(0).max(3600).default(150).describe("averages of the control runs are taken from here to the end, s"),
});

/** The runs' specs, after every check the run makes (the scenario's `check`). */
function plan(c: z.output<typeof FlowControlConfig>, seed: number) {
  requireMeasuredWindow(c, "the control runs' measured window");
  const points = new Set(c.oioSweep).size;
  if (points * c.sweepDurationS > MAX_SWEEP_S)
    throw QosErrors.badConfig(
      "sweepDurationS",
      `the sweep's ${points} points × ${c.sweepDurationS} s = ${points * c.sweepDurationS} s of virtual time, more than ${MAX_SWEEP_S} s; at most ${Math.floor((MAX_SWEEP_S / points) * 10) / 10} s with ${points} points, got ${c.sweepDurationS}`,
    );
  const sweepFromS = c.sweepDurationS / 4;
  requireSampledWindow(
    "sweepDurationS",
    c.sweepDurationS,
    "each sweep point's measured window",
    sweepFromS,
    c.sweepDurationS,
    c.sampleS,
    c.sweepDurationS,
  );
  const hosts = (control: HostSpec["control"], depths?: number[]): HostSpec[] =>
    Array.from({ length: depths ? depths.length : c.hosts }, (_, i) => ({
      vms: [microVm({ oio: depths ? Math.max(c.oio, depths[i]) : c.oio })],
      control,
      scheduler: control === "none" || control === "static" ? "fcfs" : "sfq",
      fixedDepth: depths ? depths[i] : 32,
    }));
  const oioSweep = ascending(c.oioSweep);
  // Each value runs once: oioSweep=4,4 ran one point and answered "does latency rise with load?" with yes.
  if (oioSweep.length < 2)
    throw QosErrors.badConfig("oioSweep", `needs at least 2 distinct OIO values to show latency vs load, got ${c.oioSweep.join(",")}`);
  // 1. Static per-host queue depths, with interleaved disks so that only the depth differs between hosts.
  const even = { ...c, placement: "interleaved" as const };
  // 2. Latency vs total outstanding IOs, no control.
  const sweep = oioSweep.map((oio) =>
    clusterSpec(
      even,
      Array.from({ length: c.hosts }, () => ({
        vms: [microVm({ oio })],
        control: "none" as const,
        scheduler: "fcfs" as const,
        fixedDepth: Math.max(32, oio),
      })),
      c.sweepDurationS,
      seed,
    ),
  );
  // 3. Local latency (SPEED'08) vs the cluster average (PARDA), same workload and seed.
  const specs = checkedSpecs({
    stat: clusterSpec(even, hosts("static", c.staticDepths), c.durationS, seed),
    sweep,
    local: clusterSpec(c, hosts("flow"), c.durationS, seed),
    global: clusterSpec(c, hosts("parda"), c.durationS, seed),
  });
  return { sweepFromS, oioSweep, specs };
}

/**
 * The SPEED'08 workshop paper's questions (its body is not public; see
 * docs/flow-control.md): does per-host queue-depth limiting split throughput,
 * does latency rise with load once the array saturates, and does a purely
 * local latency signal converge? The last is answered against PARDA's
 * cluster-wide average on the same workload and seed.
 */
export const flowControl = defineQosScenario({
  id: "flow-control",
  title: "SPEED'08 flow control: static depths, latency vs load, and local-latency FAST-TCP control vs PARDA",
  paper: "Gulati, Ahmad. Towards Distributed Storage Resource Management using Flow Control. SPEED 2008",
  config: FlowControlConfig,
  quick: { durationS: 160, measureFromS: 100, sweepDurationS: 20, oioSweep: [4, 16, 32] },
  check: ({ config, seed }) => {
    plan(config, seed);
  },
  run: ({ config: c, seed, progress }): ScenarioResult => {
    const { sweepFromS, oioSweep, specs } = plan(c, seed);
    const total = 3 + oioSweep.length;
    let step = 0;
    const tick = () => progress(step++, total);
    tick();
    const measured = (s: ReturnType<typeof summarize>) => requireHostIosMeasured(c, s.hostIops, "the control runs' measured window");
    const stat = summarize(runCluster(specs.stat), c.measureFromS, c.durationS);
    measured(stat);
    const sweep = oioSweep.map((oio, i) => {
      tick();
      const s = summarize(runCluster(specs.sweep[i]), sweepFromS, c.sweepDurationS);
      requireIosInWindow(
        "sweepDurationS",
        c.sweepDurationS,
        "each sweep point's measured window",
        sweepFromS,
        c.sweepDurationS,
        s.hostIops,
        hostName,
      );
      return { total_oio: oio * c.hosts, iops: round(s.totalIops, 1), latency_ms: round(s.latencyMs) };
    });
    tick();
    const localRun = runCluster(specs.local);
    tick();
    const globalRun = runCluster(specs.global);
    const local = summarize(localRun, c.measureFromS, c.durationS);
    const global = summarize(globalRun, c.measureFromS, c.durationS);
    measured(local);
    measured(global);
    const ones = local.hostIops.map(() => 1);
    const spread = (w: number[]) => Math.max(...w) / Math.min(...w);
    const rows = local.hostIops.map((_, h) => ({
      host: `host ${h + 1}`,
      local_window: round(local.hostWindow[h]),
      local_latency_ms: round(local.hostLatencyMs[h]),
      local_iops: round(local.hostIops[h], 1),
      parda_window: round(global.hostWindow[h]),
      parda_latency_ms: round(global.hostLatencyMs[h]),
      parda_iops: round(global.hostIops[h], 1),
    }));
    const staticRows = c.staticDepths.map((d, h) => ({
      host: `host ${h + 1}`,
      depth: d,
      iops: round(stat.hostIops[h], 1),
      latency_ms: round(stat.hostLatencyMs[h]),
    }));
    let monotone = true;
    for (let i = 1; i < sweep.length; i++) if (sweep[i].latency_ms < sweep[i - 1].latency_ms) monotone = false;
    const metrics = {
      static_iops_ratio_first_to_last: round(stat.hostIops[0] / stat.hostIops[c.staticDepths.length - 1], 3),
      static_depth_ratio_first_to_last: round(c.staticDepths[0] / c.staticDepths[c.staticDepths.length - 1], 3),
      latency_monotone_in_load: monotone ? 1 : 0,
      local_window_spread: round(spread(local.hostWindow), 3),
      parda_window_spread: round(spread(global.hostWindow), 3),
      local_jain_index: round(jainIndex(local.hostIops, ones), 5),
      parda_jain_index: round(jainIndex(global.hostIops, ones), 5),
      local_latency_ms: round(local.latencyMs),
      parda_latency_ms: round(global.latencyMs),
    };
    const checks = flowControlChecks(metrics);
    return {
      metrics,
      tables: [
        { name: "local-vs-global", columns: Object.keys(rows[0]), rows },
        { name: "static-depths", columns: Object.keys(staticRows[0]), rows: staticRows },
        { name: "latency-vs-load", columns: ["total_oio", "iops", "latency_ms"], rows: sweep },
        timeSeriesTable("time-series", [
          { label: "local latency (SPEED'08)", run: localRun },
          { label: "cluster average (PARDA)", run: globalRun },
        ]),
      ],
      figures: [
        ...timeSeriesFigures("time-series", "flow", "— local vs cluster-average latency signal"),
        {
          name: "latency-vs-load",
          // Latency only: the throughput of each point is in the table (the paper's figure is not public to say it drew both).
          title: "Array latency vs total outstanding IOs (no control)",
          table: "latency-vs-load",
          spec: {
            mark: { type: "line", point: true },
            encoding: {
              x: { field: "total_oio", type: "quantitative", title: "total outstanding IOs" },
              y: { field: "latency_ms", type: "quantitative", title: "mean latency (ms)" },
            },
          },
        },
      ],
      reference: [
        {
          what: "does latency rise monotonically with load once the array saturates?",
          paper: "asked (abstract); numbers not public",
          ours: monotone ? "yes" : "no",
          ...checks.latencyMonotone,
        },
        {
          what: "throughput split by static queue depth (first : last host)",
          paper: "asked (abstract); numbers not public",
          ours: `${round(stat.hostIops[0] / stat.hostIops[c.staticDepths.length - 1], 2)} for depths ${c.staticDepths[0]} : ${c.staticDepths[c.staticDepths.length - 1]}`,
          unit: "ratio",
          ...checks.staticSplit,
        },
        {
          what: "window spread (max/min) with local latency vs cluster average",
          paper: "local signals can diverge (PARDA Fig. 3); the global average fixes it",
          ours: `${round(spread(local.hostWindow), 2)} vs ${round(spread(global.hostWindow), 2)}`,
          unit: "ratio",
          ...checks.windowSpread,
        },
      ],
      notes: [
        // Said of the run's placement only: an interleaved run printed it too, with no host's data nearer the others'.
        ...(c.placement === "contiguous"
          ? [
              "With contiguous placement the middle hosts' data lies nearer the others', so SPTF serves them faster and they see lower local latency: the divergence PARDA describes.",
            ]
          : [
              "With interleaved placement no host's data lies nearer the others' (placement=contiguous shows the divergence PARDA describes).",
            ]),
        "The workshop paper's equations, parameters and experiments are not public; we use PARDA's law with FAST TCP's 2w growth cap and the host's own latency (see docs/flow-control.md).",
      ],
    };
  },
});
