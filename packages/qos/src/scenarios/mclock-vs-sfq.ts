import type { ScenarioResult } from "@vmlab/core-vm";
import { z } from "zod";
import { runCluster, summarize } from "../cluster/cluster.js";
import { type HostSpec, microVm, PARDA_CONTROL } from "../cluster/config.js";
import { QosErrors } from "../errors.js";
import { requireShares } from "../validate.js";
import { type ControlConfig, checkedSpecs, clusterSpec, controlFields, depthField, requireSampledWindow, round } from "./common.js";
import { defineQosScenario } from "./define.js";
import { mclockChecks, mclockMeetsControls } from "./tolerances.js";

export const MClockVsSfqConfig = z.object({
  shares: z.array(z.number().gt(0).max(1000)).min(2).max(16).default([1, 1, 2, 2]).describe("VM shares on the one host, each > 0"),
  reservationsIops: z.array(z.number().min(0).max(1e6)).default([600, 0, 0, 0]).describe("mClock reservation per VM, IOPS (0 = none)"),
  limitsIops: z.array(z.number().min(0).max(1e6)).default([0, 250, 0, 0]).describe("mClock limit per VM, IOPS (0 = none)"),
  oio: depthField("outstanding IOs per VM"),
  hostDepth: depthField("the host's issue-queue depth D"),
  // The one host runs at a static depth (hostDepth): no control loop, so only the array's and the sampling fields apply.
  // PARDA's control fields (latencyThresholdMs, smoothingGamma, windowMax, …) were taken and changed nothing.
  disks: controlFields.disks,
  arrayModel: controlFields.arrayModel,
  placement: controlFields.placement,
  sampleS: controlFields.sampleS,
  durationS: z.number().gt(0).max(3600).default(120).describe("simulated time per run, s"),
  measureFromS: z.number().min(0).max(3600).default(20).describe("averages are taken from here to the end, s"),
});

/** The runs' specs, after every check the run makes (the scenario's `check`). */
function plan(c: z.output<typeof MClockVsSfqConfig>, seed: number) {
  requireShares("shares", c.shares);
  requireSampledWindow("measureFromS", c.measureFromS, "the measured window", c.measureFromS, c.durationS, c.sampleS, c.durationS);
  const n = c.shares.length;
  if (c.reservationsIops.length !== n)
    throw QosErrors.badConfig("reservationsIops", `give one value per VM (${n}), got ${c.reservationsIops.length}`);
  if (c.limitsIops.length !== n) throw QosErrors.badConfig("limitsIops", `give one value per VM (${n}), got ${c.limitsIops.length}`);
  const limit = (i: number) => (c.limitsIops[i] > 0 ? c.limitsIops[i] : Number.POSITIVE_INFINITY);
  // Checked here, under the user's key, before the SFQ(D) run: mClock's own check came after it, as vms[i].limitIops.
  c.reservationsIops.forEach((r, i) => {
    if (limit(i) < r) throw QosErrors.badConfig(`limitsIops[${i}]`, `must be 0 (none) or >= the reservation ${r}, got ${c.limitsIops[i]}`);
  });
  // clusterSpec fills in a control loop the static host never runs: PARDA's defaults.
  const noControl: ControlConfig = {
    ...c,
    latencyThresholdMs: PARDA_CONTROL.latencyThresholdMs,
    smoothingGamma: PARDA_CONTROL.smoothingGamma,
    latencyEwmaAlpha: PARDA_CONTROL.latencyEwmaAlpha,
    latencyEwmaForm: PARDA_CONTROL.latencyEwmaForm,
    controlPeriodS: PARDA_CONTROL.periodS,
    windowMin: PARDA_CONTROL.windowMin,
    windowMax: PARDA_CONTROL.windowMax,
  };
  const mk = (scheduler: HostSpec["scheduler"]): HostSpec[] => [
    {
      vms: c.shares.map((share, i) => microVm({ share, oio: c.oio, reservationIops: c.reservationsIops[i], limitIops: limit(i) })),
      control: "static",
      scheduler,
      fixedDepth: c.hostDepth,
    },
  ];
  return {
    n,
    limit,
    specs: checkedSpecs({
      sfq: clusterSpec(noControl, mk("sfq"), c.durationS, seed),
      mclock: clusterSpec(noControl, mk("mclock"), c.durationS, seed),
    }),
  };
}

/** "VM 3", "VM 3 and VM 4", "VM 2, VM 3 and VM 4". */
const names = (xs: string[]) => (xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);

/** The reservations add up to no more than the array delivered (the larger of the two runs' totals stands for its capacity). */
function reservationsFit(rows: { reservation_iops: number }[], sfqTotal: number, mclockTotal: number): boolean {
  return rows.reduce((sum, r) => sum + r.reservation_iops, 0) <= Math.max(sfqTotal, mclockTotal);
}

/**
 * Whether a reservation or a limit binds: some VM's reservation is above, or its limit below, its share of the
 * throughput SFQ(D) delivered (all VMs keep their queues full, so shares split it). Otherwise shares alone meet every
 * control, and SFQ(D) meeting them is no failure.
 */
function controlsBind(shares: readonly number[], reservations: readonly number[], limit: (i: number) => number, sfqTotal: number): boolean {
  const sum = shares.reduce((a, b) => a + b, 0);
  return shares.some((share, i) => {
    const byShare = (sfqTotal * share) / sum;
    return reservations[i] > byShare || limit(i) < byShare;
  });
}

/**
 * A note when the reservations add up to more than the array delivered (its capacity is not known beforehand: the
 * larger of the two runs' totals stands for it). mClock serves reservations first, so the VMs without one got what
 * was left — 0 IOPS at 1500,1500,0,0 — with only a fail row to show for it. mClock's admission control, which
 * refuses reservations the capacity cannot hold, is not modelled.
 */
function overCapacityNote(
  rows: { vm: string; reservation_iops: number; mclock_iops: number }[],
  sfqTotal: number,
  mclockTotal: number,
): string[] {
  if (reservationsFit(rows, sfqTotal, mclockTotal)) return [];
  const reserved = rows.reduce((sum, r) => sum + r.reservation_iops, 0);
  const others = rows.filter((r) => r.reservation_iops === 0);
  const got = others.every((r) => r.mclock_iops === others[0].mclock_iops)
    ? `${names(others.map((r) => r.vm))} got ${others[0]?.mclock_iops} IOPS`
    : others.map((r) => `${r.vm} got ${r.mclock_iops} IOPS`).join(", ");
  const outcome =
    others.length > 0
      ? `so reservations above capacity leave nothing for the others: ${got}`
      : "so reservations above capacity cannot all be met";
  return [
    `The reservations sum to ${round(reserved, 1)} IOPS, more than the array delivered (${round(sfqTotal, 0)} IOPS under SFQ(D), ${round(mclockTotal, 0)} under mClock): mClock serves reservations first, ${outcome}. mClock's admission control, which would refuse such reservations, is out of scope here.`,
  ];
}

/**
 * Beyond the papers: mClock (Gulati, Merchant, Varman, OSDI 2010) — PARDA's
 * stated follow-up for reservations and limits — against SFQ(D) as the host
 * scheduler, on the same VMs, array and seed.
 */
export const mclockVsSfq = defineQosScenario({
  id: "mclock-vs-sfq",
  title: "mClock vs SFQ(D): reservations and limits that shares alone cannot express",
  paper: "Gulati, Merchant, Varman. mClock. OSDI 2010 (follow-up named in PARDA §7)",
  config: MClockVsSfqConfig,
  quick: { durationS: 40, measureFromS: 10 },
  check: ({ config, seed }) => {
    plan(config, seed);
  },
  run: ({ config: c, seed, progress }): ScenarioResult => {
    const { n, limit, specs } = plan(c, seed);
    const sfq = summarize(
      runCluster(specs.sfq, (d, t) => progress(d, 2 * t)),
      c.measureFromS,
      c.durationS,
    );
    const mclock = summarize(
      runCluster(specs.mclock, (d, t) => progress(t + d, 2 * t)),
      c.measureFromS,
      c.durationS,
    );
    const rows = c.shares.map((share, i) => ({
      vm: `VM ${i + 1}`,
      share,
      reservation_iops: c.reservationsIops[i],
      limit_iops: c.limitsIops[i] > 0 ? c.limitsIops[i] : "none",
      sfq_iops: round(sfq.vmIops[0][i], 1),
      mclock_iops: round(mclock.vmIops[0][i], 1),
      sfq_meets_controls: mclockMeetsControls(sfq.vmIops[0][i], c.reservationsIops[i], limit(i)),
      mclock_meets_controls: mclockMeetsControls(mclock.vmIops[0][i], c.reservationsIops[i], limit(i)),
    }));
    const chartRows = rows.flatMap((r) => [
      { vm: r.vm, scheduler: "SFQ(D)", iops: r.sfq_iops },
      { vm: r.vm, scheduler: "mClock", iops: r.mclock_iops },
    ]);
    const checks = mclockChecks(
      rows.filter((r) => r.sfq_meets_controls).length,
      rows.filter((r) => r.mclock_meets_controls).length,
      n,
      reservationsFit(rows, sfq.totalIops, mclock.totalIops),
      controlsBind(c.shares, c.reservationsIops, limit, sfq.totalIops),
    );
    return {
      metrics: {
        sfq_total_iops: round(sfq.totalIops, 1),
        mclock_total_iops: round(mclock.totalIops, 1),
        sfq_controls_met: rows.filter((r) => r.sfq_meets_controls).length,
        mclock_controls_met: rows.filter((r) => r.mclock_meets_controls).length,
        vms: n,
      },
      tables: [
        { name: "per-vm", columns: Object.keys(rows[0]), rows },
        { name: "per-vm-long", columns: ["vm", "scheduler", "iops"], rows: chartRows },
      ],
      figures: [
        {
          name: "mclock-vs-sfq",
          title: "Per-VM throughput: SFQ(D) vs mClock on the same workload",
          table: "per-vm-long",
          spec: {
            mark: { type: "bar" },
            encoding: {
              x: { field: "vm", type: "nominal", title: null },
              xOffset: { field: "scheduler" },
              y: { field: "iops", type: "quantitative", title: "IOPS" },
              color: { field: "scheduler", type: "nominal" },
            },
          },
        },
      ],
      reference: [
        {
          what: "VMs whose reservation and limit are met, SFQ(D)",
          paper: "shares only (no reservations or limits)",
          ours: `${rows.filter((r) => r.sfq_meets_controls).length} of ${n}`,
          unit: "VMs",
          ...checks.sfq,
        },
        {
          what: "VMs whose reservation and limit are met, mClock",
          paper: "all, when the reservations fit the capacity (mClock §5)",
          ours: `${rows.filter((r) => r.mclock_meets_controls).length} of ${n}`,
          unit: "VMs",
          ...checks.mclock,
        },
      ],
      notes: overCapacityNote(rows, sfq.totalIops, mclock.totalIops),
    };
  },
});
