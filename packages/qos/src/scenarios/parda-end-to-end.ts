import type { ScenarioResult } from "@vmlab/core-vm";
import { z } from "zod";
import { runCluster, summarize } from "../cluster/cluster.js";
import { type ClusterEvent, type HostSpec, microVm } from "../cluster/config.js";
import { QosErrors } from "../errors.js";
import {
  checkedSpecs,
  clusterSpec,
  controlFields,
  depthField,
  requireControlActsIn,
  requireIosInWindow,
  requireSampledWindow,
  round,
  setupLabel,
  timeSeriesFigures,
  timeSeriesTable,
} from "./common.js";
import { defineQosScenario } from "./define.js";
import { pardaEndToEndChecks } from "./tolerances.js";
import { pinnedWindowsNote, windowLawLatencyMs } from "./window-law.js";

/** PARDA Table 6 (node 24): VM shares per host and their throughput (Ops/s for OLTP hosts 1–2, IOPS for hosts 3–4). */
const HOST_SHARES = [[20, 10], [10, 10], [20], [10]];
/** The VM of host 1 that idles for Fig. 13: its share-10 VM, so β falls 6 → 4 ("the modified lower value of β = 4"). */
const IDLE_VM = 1;
const PAPER_VM = [[1266, 591], [681, 673], [740], [400]];

export const PardaEndToEndConfig = z.object({
  oio: depthField("outstanding IOs per VM (the paper's OLTP VMs are modelled as 16 KB random-read VMs; assumption)"),
  ...controlFields,
  latencyThresholdMs: controlFields.latencyThresholdMs.default(25),
  betaPerShare: z.number().gt(0).max(100).default(0.2).describe("β per unit of VM share (paper: β = 6:4:4:2 for share sums 30:20:20:10)"),
  uncontrolledQueueDepth: depthField("adapter queue depth of the uncontrolled baseline"),
  idleFromS: z
    .number()
    .min(0)
    .max(3600)
    .default(0)
    .describe("host 1's share-10 VM idles from here, its β 6 → 4 (0 = never; paper Fig. 13: 140 s)"),
  idleToS: z
    .number()
    .min(0)
    .max(3600)
    .default(0)
    .describe("…until here, s; before durationS, so that the run shows the VM coming back (paper Fig. 13: 310 s)"),
  durationS: z.number().gt(0).max(3600).default(300).describe("simulated time per run, s"),
  measureFromS: z.number().min(0).max(3600).default(150).describe("averages are taken from here to the end (or to idleFromS), s"),
});

/** The runs' specs, after every check the run makes (the scenario's `check`). */
function plan(c: z.output<typeof PardaEndToEndConfig>, seed: number) {
  const idle = c.idleFromS > 0 && c.idleToS > c.idleFromS;
  if (c.idleFromS > 0 && !idle) throw QosErrors.badConfig("idleToS", `must be after idleFromS (${c.idleFromS} s), got ${c.idleToS}`);
  // An end without a start: idleFromS=0 is "never", so an idleToS alone ran with no VM idling, without a word.
  if (c.idleFromS === 0 && c.idleToS > 0)
    throw QosErrors.badConfig(
      "idleToS",
      `ends an idle period that idleFromS=0 never starts (0: no idle period); set idleFromS > 0 too (Fig. 13: 140 to 310), or leave idleToS at 0, got ${c.idleToS}`,
    );
  if (idle && c.idleFromS >= c.durationS)
    throw QosErrors.badConfig("idleFromS", `must be before durationS (${c.durationS} s), got ${c.idleFromS}`);
  // Table 6 is measured while every VM is busy: up to idleFromS when the VM idles (Fig. 13).
  const to = idle ? c.idleFromS : c.durationS;
  requireSampledWindow(
    "measureFromS",
    c.measureFromS,
    idle ? "the measured window before idleFromS" : "the measured window",
    c.measureFromS,
    to,
    c.sampleS,
    c.durationS,
  );
  requireControlActsIn(
    c.controlPeriodS,
    idle ? "the measured window before idleFromS" : "the measured window",
    c.measureFromS,
    to,
    `from measureFromS=${c.measureFromS} to ${idle ? `idleFromS=${c.idleFromS}` : `durationS=${c.durationS}`}`,
  );
  // Fig. 13 is about the VM coming back (by about 300 s the windows follow β again): a run that ended inside the idle
  // period (docs/parda.md's command once, 140–310 s in a 300 s run) never showed it, and said nothing.
  if (idle && c.idleToS >= c.durationS)
    throw QosErrors.badConfig(
      "idleToS",
      `must be before the run's end, durationS=${c.durationS}, so that the run shows the VM coming back (Fig. 13): raise durationS or lower idleToS; given idleToS=${c.idleToS}`,
    );
  // Fig. 13's idle window: the second half of the idle period.
  if (idle)
    requireSampledWindow(
      "idleToS",
      c.idleToS,
      "the second half of the idle period",
      (c.idleFromS + c.idleToS) / 2,
      c.idleToS,
      c.sampleS,
      c.durationS,
    );
  const mk = (control: HostSpec["control"]): HostSpec[] =>
    HOST_SHARES.map((shares) => ({
      vms: shares.map((share) => microVm({ share, oio: c.oio })),
      control,
      scheduler: control === "none" ? "fcfs" : "sfq",
      fixedDepth: c.uncontrolledQueueDepth,
    }));
  const events: ClusterEvent[] = idle
    ? [
        // Fig. 13 (Handling Bursts): host 1's window falls "according to the modified lower value of β = 4": its share-10 VM idles.
        { atS: c.idleFromS, kind: "stopVm", host: 0, vm: IDLE_VM },
        { atS: c.idleToS, kind: "startVm", host: 0, vm: IDLE_VM },
      ]
    : [];
  const spec = (control: HostSpec["control"]) => {
    const s = clusterSpec(c, mk(control), c.durationS, seed, { events });
    s.control.betaPerShare = c.betaPerShare;
    return s;
  };
  return { idle, to, specs: checkedSpecs({ base: spec("none"), parda: spec("parda") }) };
}

export const pardaEndToEnd = defineQosScenario({
  id: "parda-end-to-end",
  title: "PARDA Table 6 / Fig. 12–13: VM shares inside hosts and β across hosts, end to end",
  paper: "Gulati, Ahmad, Waldspurger. PARDA. FAST 2009, Table 6, Fig. 12 and Fig. 13",
  config: PardaEndToEndConfig,
  quick: { durationS: 160, measureFromS: 100 },
  check: ({ config, seed }) => {
    plan(config, seed);
  },
  run: ({ config: c, seed, progress }): ScenarioResult => {
    const { idle, to, specs } = plan(c, seed);
    const base = runCluster(specs.base, (d, t) => progress(d, 2 * t));
    const parda = runCluster(specs.parda, (d, t) => progress(t + d, 2 * t));
    const sb = summarize(base, c.measureFromS, to);
    const sp = summarize(parda, c.measureFromS, to);
    // Every VM runs in the measured window (it ends at idleFromS): each must have an IO for the VM and host ratios.
    const vms = HOST_SHARES.flatMap((shares, h) => shares.map((_, v) => ({ h, v })));
    for (const s of [sb, sp])
      requireIosInWindow(
        "measureFromS",
        c.measureFromS,
        idle ? "the measured window before idleFromS" : "the measured window",
        c.measureFromS,
        to,
        vms.map(({ h, v }) => s.vmIops[h][v]),
        (i) => `host ${vms[i].h + 1}'s VM ${vms[i].v + 1}`,
      );
    const rows = HOST_SHARES.flatMap((shares, h) =>
      shares.map((share, v) => ({
        host: `host ${h + 1}`,
        vm: v + 1,
        share,
        beta: round(shares.reduce((a, b) => a + b, 0) * c.betaPerShare, 2),
        uncontrolled_iops: round(sb.vmIops[h][v], 1),
        parda_iops: round(sp.vmIops[h][v], 1),
        parda_host_window: round(sp.hostWindow[h]),
        paper: PAPER_VM[h][v],
      })),
    );
    const ratio = (s: typeof sp, h: number) => s.vmIops[h][0] / s.vmIops[h][1];
    const hostShare = (s: typeof sp) => s.hostIops.map((x) => x / s.totalIops);
    const betas = HOST_SHARES.map((s) => s.reduce((a, b) => a + b, 0));
    const betaSum = betas.reduce((a, b) => a + b, 0);
    const metrics: Record<string, number> = {
      parda_host1_vm_ratio: round(ratio(sp, 0), 3),
      parda_host2_vm_ratio: round(ratio(sp, 1), 3),
      uncontrolled_host1_to_host2: round(sb.hostIops[0] / sb.hostIops[1], 3),
      parda_host1_to_host2: round(sp.hostIops[0] / sp.hostIops[1], 3),
      parda_host_share_error: round(Math.max(...hostShare(sp).map((x, h) => Math.abs(x / (betas[h] / betaSum) - 1))), 4),
      parda_latency_ms: round(sp.latencyMs),
      // L + Σβ / throughput (windowLawLatencyMs). β is not small here (6:4:4:2), nor is L(t) − L.
      window_law_latency_ms: round(windowLawLatencyMs(c.latencyThresholdMs, betaSum * c.betaPerShare, sp.totalIops)),
    };
    if (idle) {
      // Fig. 13: while the VM idles, host 1's β falls to its remaining VM's (share 20 × 0.2 = 4) and its window follows: to host 4's
      // (β 2) as 2 : 1, the paper's "converged to a 1:2 ratio".
      const during = summarize(parda, (c.idleFromS + c.idleToS) / 2, c.idleToS);
      metrics.idle_host1_window = round(during.hostWindow[0]);
      metrics.idle_host4_window = round(during.hostWindow[3]);
      metrics.busy_host1_window = round(sp.hostWindow[0]);
    }
    const checks = pardaEndToEndChecks(metrics);
    // Table 6's β (betaPerShare 0.2) of two hosts, and this run's where betaPerShare differs.
    const betaOf = (h: number, perShare: number) => round(HOST_SHARES[h].reduce((a, b) => a + b, 0) * perShare, 2);
    const betaLabel = (a: number, b: number) =>
      setupLabel("β", `${betaOf(a, 0.2)}:${betaOf(b, 0.2)}`, `${betaOf(a, c.betaPerShare)}:${betaOf(b, c.betaPerShare)}`);
    return {
      metrics,
      tables: [
        { name: "per-vm", columns: Object.keys(rows[0]), rows },
        timeSeriesTable("time-series", [
          { label: "uncontrolled", run: base },
          { label: `PARDA, L = ${c.latencyThresholdMs} ms`, run: parda },
        ]),
      ],
      figures: timeSeriesFigures("time-series", "end-to-end", "(Table 6 setup)"),
      reference: [
        {
          what: "host 1 VM throughput ratio (shares 20:10)",
          paper: round(1266 / 591, 2),
          ours: metrics.parda_host1_vm_ratio,
          unit: "ratio",
          // The ratio of Table 6's own figures: the paper's, only divided.
          source: "Table 6 (1266 : 591 IOPS)",
          ...checks.host1VmRatio,
        },
        {
          what: "host 2 VM throughput ratio (shares 10:10)",
          paper: round(681 / 673, 2),
          ours: metrics.parda_host2_vm_ratio,
          unit: "ratio",
          source: "Table 6 (681 : 673 IOPS)",
          ...checks.host2VmRatio,
        },
        {
          what: `host 3 to host 4 throughput (${betaLabel(2, 3)})`,
          paper: round(740 / 400, 2),
          ours: round(sp.hostIops[2] / sp.hostIops[3], 2),
          unit: "ratio",
          source: "Table 6 (740 : 400 IOPS)",
          ...checks.hostShares,
        },
        {
          what: `host 1 to host 2 throughput (${betaLabel(0, 1)})`,
          paper: round(1857 / 1316, 2),
          ours: metrics.parda_host1_to_host2,
          unit: "ratio",
          source: "Table 6 (1857 : 1316 IOPS)",
          ...checks.host1ToHost2,
        },
        {
          what: "host 1 to host 2 without control",
          paper: "about 1 (Table 1)",
          ours: metrics.uncontrolled_host1_to_host2,
          unit: "ratio",
          source: "Table 1",
          ...checks.uncontrolledHost1ToHost2,
        },
      ],
      notes: [
        "The paper's hosts 1–2 ran Filebench OLTP (Ops/s); we run 16 KB random-read VMs there too, so compare ratios, not absolute numbers.",
        // With a window at a bound the law's fixed point is not where latency settles: say that instead of claiming it.
        pinnedWindowsNote({ hostWindows: sp.hostWindow, windowMin: c.windowMin, windowMax: c.windowMax }) ??
          latencyNote(metrics, c.latencyThresholdMs, round(betaSum * c.betaPerShare, 2), sp.totalIops),
      ],
    };
  },
});

/**
 * Why PARDA holds this run's latency above L (Table 6's β makes it ~21% at the defaults, past the 15% the other PARDA
 * scenarios are held to): the window law's fixed point, not a failure of control. No check: the paper gives no latency.
 */
function latencyNote(m: Record<string, number>, thresholdMs: number, betaTotal: number, totalIops: number): string {
  const above = Math.round((m.parda_latency_ms / thresholdMs - 1) * 100);
  return `PARDA holds latency at ${m.parda_latency_ms} ms, ${above}% ${above >= 0 ? "above" : "below"} L = ${thresholdMs} ms, as its window law says: at the law's fixed point w = (L/L(t))·w + β each host's window is β more than L alone would give it, so with windows ≈ throughput × latency the cluster's latency settles at L + Σβ / throughput = ${thresholdMs} + ${betaTotal} / ${round(totalIops / 1000, 2)} IOs per ms = ${m.window_law_latency_ms} ms (Σβ = ${betaTotal}: β = betaPerShare × each host's shares; a smaller betaPerShare brings it nearer L).`;
}
