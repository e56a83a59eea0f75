import type { ScenarioResult } from "@vmlab/core-vm";
import { z } from "zod";
import { runCluster, summarize } from "../cluster/cluster.js";
import { type HostSpec, microVm } from "../cluster/config.js";
import { requireShares } from "../validate.js";
import {
  checkedSpecs,
  clusterSpec,
  controlFields,
  depthField,
  jainIndex,
  requireHostIosMeasured,
  requireMeasuredWindow,
  round,
  setupLabel,
  thresholdLabel,
  timeSeriesFigures,
  timeSeriesTable,
} from "./common.js";
import { defineQosScenario } from "./define.js";
import { pardaProportionalChecks, QOS_TOLERANCES } from "./tolerances.js";
import { windowLawNote } from "./window-law.js";

export const PardaProportionalConfig = z.object({
  shares: z
    .array(z.number().gt(0).max(1000))
    .min(2)
    .max(16)
    .default([1, 1, 2, 2])
    .describe("β per host, one micro-benchmark VM each (paper Fig. 8: 1,1,2,2); each > 0"),
  oio: depthField("outstanding IOs per VM"),
  ...controlFields,
  latencyThresholdMs: controlFields.latencyThresholdMs.default(25),
  uncontrolledQueueDepth: depthField("adapter queue depth of the FCFS baseline (ESX default: 32)"),
  durationS: z.number().gt(0).max(3600).default(300).describe("simulated time per run, s"),
  measureFromS: z.number().min(0).max(3600).default(150).describe("averages are taken from here to the end, s"),
});

/** The runs' cluster specs, after every check the run makes (the scenario's `check`). */
function plan(c: z.output<typeof PardaProportionalConfig>, seed: number) {
  requireShares("shares", c.shares);
  requireMeasuredWindow(c);
  const totalDepth = c.shares.length * c.uncontrolledQueueDepth;
  const shareSum = c.shares.reduce((a, b) => a + b, 0);
  const mk = (control: HostSpec["control"]): HostSpec[] =>
    c.shares.map((share) => ({
      vms: [microVm({ oio: c.oio, share })],
      control,
      scheduler: control === "none" ? "fcfs" : "sfq",
      // Static baseline: the same total depth as FCFS, split by share (what an administrator would set by hand).
      fixedDepth: control === "static" ? Math.max(1, Math.round((totalDepth * share) / shareSum)) : c.uncontrolledQueueDepth,
    }));
  const spec = (control: HostSpec["control"]) => clusterSpec(c, mk(control), c.durationS, seed);
  return checkedSpecs({ none: spec("none"), static: spec("static"), parda: spec("parda") });
}

export const pardaProportional = defineQosScenario({
  id: "parda-proportional",
  title: "PARDA Fig. 8: proportional shares 1:1:2:2 — windows, latency and IOPS over time",
  paper: "Gulati, Ahmad, Waldspurger. PARDA. FAST 2009, Fig. 8",
  config: PardaProportionalConfig,
  quick: { durationS: 160, measureFromS: 100 },
  check: ({ config, seed }) => {
    plan(config, seed);
  },
  run: ({ config: c, seed, progress }): ScenarioResult => {
    const specs = plan(c, seed);
    const shareSum = c.shares.reduce((a, b) => a + b, 0);
    const runs = [
      { label: "FCFS, no host control", run: runCluster(specs.none, (d, t) => progress(d, 3 * t)) },
      { label: "static depths ∝ shares", run: runCluster(specs.static, (d, t) => progress(t + d, 3 * t)) },
      { label: `PARDA, L = ${c.latencyThresholdMs} ms`, run: runCluster(specs.parda, (d, t) => progress(2 * t + d, 3 * t)) },
    ];
    const sums = runs.map((r) => summarize(r.run, c.measureFromS, c.durationS));
    for (const s of sums) requireHostIosMeasured(c, s.hostIops);
    const [fcfs, stat, parda] = sums;
    /** Largest relative error of host i's throughput share vs its β share. */
    const ratioError = (iops: number[]) => {
      const tot = iops.reduce((a, b) => a + b, 0);
      return Math.max(...iops.map((x, i) => Math.abs(x / tot / (c.shares[i] / shareSum) - 1)));
    };
    const rows = c.shares.map((share, h) => ({
      host: `host ${h + 1}`,
      beta: share,
      fcfs_iops: round(fcfs.hostIops[h], 1),
      static_depth: specs.static.hosts[h].fixedDepth,
      static_iops: round(stat.hostIops[h], 1),
      parda_window: round(parda.hostWindow[h]),
      parda_iops: round(parda.hostIops[h], 1),
      parda_latency_ms: round(parda.hostLatencyMs[h]),
    }));
    const minShare = Math.min(...c.shares);
    // Fig. 8's β 1:1:2:2 ("≈ 2" in the paper column), and this run's where it differs.
    const betaLabel = setupLabel("Fig. 8's β", "1:1:2:2", c.shares.join(":"));
    const pWin = parda.hostWindow;
    const metrics = {
      fcfs_ratio_error: round(ratioError(fcfs.hostIops), 4),
      static_ratio_error: round(ratioError(stat.hostIops), 4),
      parda_ratio_error: round(ratioError(parda.hostIops), 4),
      parda_jain_index: round(jainIndex(parda.hostIops, c.shares), 5),
      fcfs_jain_index: round(jainIndex(fcfs.hostIops, c.shares), 5),
      fcfs_latency_ms: round(fcfs.latencyMs),
      static_latency_ms: round(stat.latencyMs),
      parda_latency_ms: round(parda.latencyMs),
      parda_total_iops: round(parda.totalIops, 1),
      fcfs_total_iops: round(fcfs.totalIops, 1),
    };
    const checks = pardaProportionalChecks(metrics, c.latencyThresholdMs);
    return {
      metrics,
      tables: [{ name: "per-host", columns: Object.keys(rows[0]), rows }, timeSeriesTable("time-series", runs)],
      figures: timeSeriesFigures("time-series", "proportional", "(Fig. 8 setup)"),
      reference: [
        {
          what: `window ratio, host with the largest β to host with the smallest (${betaLabel})`,
          paper: "≈ 2 (windows converge about 1:1:2:2)",
          ours: round(Math.max(...pWin) / Math.min(...pWin), 2),
          unit: "ratio",
          source: "Fig. 8",
        },
        {
          what: `IOPS ratio, largest-β host to smallest (${betaLabel})`,
          paper: "≈ 2 (IOPS roughly follow 1:1:2:2)",
          ours: round(Math.max(...parda.hostIops) / Math.min(...parda.hostIops), 2),
          unit: "ratio",
          source: "Fig. 8",
          note: `β ratio ${round(Math.max(...c.shares) / minShare, 2)}`,
          ...checks.iopsRatio,
        },
        {
          what: `latency under PARDA (${thresholdLabel(25, c.latencyThresholdMs)})`,
          paper: 25,
          ours: round(parda.latencyMs, 1),
          unit: "ms",
          source: "Fig. 8 (converges to about L = 25 ms)",
          ...checks.latency,
        },
      ],
      notes: [
        "FCFS gives each host service in proportion to its outstanding IOs (all equal here), whatever its β.",
        ...windowLawNote({
          thresholdMs: c.latencyThresholdMs,
          betaSum: shareSum,
          totalIops: parda.totalIops,
          bound: QOS_TOLERANCES.pardaProportional.latencyVsThreshold,
          latencyMs: parda.latencyMs,
          hostWindows: pWin,
          windowMin: c.windowMin,
          windowMax: c.windowMax,
        }),
      ],
    };
  },
});
