import {
  atLeastShare,
  defineScenario,
  exactShare,
  type ReferenceValue,
  type ScenarioResult,
  scenarioConfigError,
  type Table,
  withinAbsolute,
  withinRelative,
} from "@vmlab/core-vm";
import { VSCSI_HISTOGRAMS } from "../vscsistats/bins.js";
import { histogramOf, toJson, type VscsiStatsJson } from "../vscsistats/format.js";
import { type KeyUse, unusedKeyRefusals } from "./unused-keys.js";
import { VSCSI_CHARACTERIZE_QUICK, VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";
import { vscsiFigures } from "./vscsistats-characterize-figures.js";
import { type Characterized, iometerWorkloads, vmDiskSectors } from "./vscsistats-characterize-run.js";
import { VSCSI_TOLERANCES as T } from "./vscsistats-characterize-tolerances.js";
import { traceWorkloads } from "./vscsistats-characterize-trace.js";
import { traceRefusals } from "./vscsistats-characterize-trace-check.js";
import { traceNotes, traceReferenceRow, traceTable, userTraceMetrics } from "./vscsistats-characterize-trace-results.js";

const PAPER = "Ahmad. Easy and Efficient Disk I/O Workload Characterization in VMware ESX Server. IEEE IISWC 2007";
const DIGEST = "digest 04-disk-perf-vscsistats.md, acceptance check";

/** 6 significant digits: readable JSON, still deterministic. */
const r6 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : Number.NaN);
/** A table cell or reference value: not-a-number (nothing measured) becomes null / "n/a", as results.json has no NaN. */
const cell = (x: number) => (Number.isFinite(x) ? r6(x) : null);
const ours = (x: number) => (Number.isFinite(x) ? r6(x) : "n/a");

/**
 * Share of a histogram's samples in the bucket that holds `value` (limit L with previous < value ≤ L, or the
 * overflow bucket), and that bucket's name for the reference rows: "65536" when `value` is a limit itself,
 * "bucket holding 3072 (≤ 4095)" when it is not.
 */
function shareHolding(json: VscsiStatsJson, metric: Parameters<typeof histogramOf>[1], value: number): { share: number; bucket: string } {
  const h = histogramOf(json, metric);
  let i = 0;
  while (i < h.limits.length && value > h.limits[i]) i++;
  const bucket =
    h.limits[i] === value
      ? `${value} bucket`
      : `bucket holding ${value} (${i < h.limits.length ? `≤ ${h.limits[i]}` : `overflow, > ${h.limits[h.limits.length - 1]}`})`;
  return { share: h.count > 0 ? h.counts[i] / h.count : Number.NaN, bucket };
}

/** Share of a histogram's samples in the bucket whose limit is `limit`. */
function shareAt(json: VscsiStatsJson, metric: Parameters<typeof histogramOf>[1], limit: number): number {
  return shareHolding(json, metric, limit).share;
}

/** Exact mean of an all-IOs histogram (the printed ESX mean is truncated to an integer). */
function exactMean(w: Characterized, metric: "latency" | "interarrival" | "outstandingIOs"): number {
  const h = w.stats[metric][0];
  return h.count > 0 ? h.sum / h.count : Number.NaN;
}

/** "−1.6%", "+0.3%": a signed relative difference. */
const signedPct = (x: number) => `${x < 0 ? "−" : "+"}${Math.abs(x * 100).toFixed(1)}%`;

/**
 * The Poisson row's note: its sampling error (the mean of n exponential gaps has a standard error of 1/√n of
 * the mean), and first, when IOs waited in the guest, that the check does not apply — vscsiStats saw them
 * as queue slots freed, paced by the storage rather than by λ.
 */
function poissonNote(samples: number, off: number, guestQueueWaits: number, guestQueueDepth: number): string {
  const se = 1 / Math.sqrt(samples);
  const sampling =
    samples > 0
      ? `${samples} samples: the standard error of their mean is 1/√${samples} = ${(se * 100).toFixed(1)}%; ours is ${signedPct(off)}, ${(Math.abs(off) / se).toFixed(1)} standard errors`
      : "no interarrival samples: the run is too short for a second IO";
  if (guestQueueWaits === 0) return sampling;
  return `${guestQueueWaits} of the IOs waited in the guest for a slot of its queue (depth ${guestQueueDepth}): the storage did not keep up with λ, so they reached the vSCSI layer as slots freed, not at their arrival; the check does not hold here. ${sampling}`;
}

function histogramRows(ws: Characterized[]): Table["rows"] {
  const rows: Table["rows"] = [];
  for (const w of ws) {
    const json = toJson(w.stats);
    json.histograms.forEach((h, order) => {
      const spec = VSCSI_HISTOGRAMS[order];
      h.counts.forEach((count, bucket) => {
        const last = bucket === h.limits.length;
        rows.push({
          workload: w.id,
          histogram: `${spec.metric} (${spec.unit})`,
          split: h.split,
          order,
          bucket,
          limit: last ? `>${h.limits[h.limits.length - 1]}` : String(h.limits[bucket]),
          count,
          fraction: h.count > 0 ? r6(count / h.count) : null,
        });
      });
    });
  }
  return rows;
}

const DEFAULTS = VscsiCharacterizeConfig.parse({});

/** Keys only some replays use (`traceFormat` without a `traceFile` is `traceRefusals`'). */
const KEY_USES: readonly KeyUse<VscsiCharacterizeConfig>[] = [
  {
    key: "traceDepth",
    usedBy: (c) => c.traceReplay === "closed",
    why: () => "traceReplay=closed (the IOs its closed loop keeps outstanding); the trace is replayed as recorded (traceReplay=timed)",
  },
  {
    key: "traceSpeed",
    usedBy: (c) => c.traceReplay === "timed",
    why: (c) => `traceReplay=timed (a speed-up over the recorded times); the trace is replayed closed loop at traceDepth ${c.traceDepth}`,
  },
  {
    key: "traceSkipBad",
    usedBy: (c) => c.traceFile !== "",
    why: () => "traceFile (your trace's malformed lines); the shipped trace has none",
  },
];

/** The config's rules the schema cannot state, checked before any workload runs (the scenario's `check`). */
function check(c: VscsiCharacterizeConfig): void {
  // Named in the user's key and unit: the workload's own refusal speaks of a region and a target in sectors.
  const capacityMiB = Math.floor(vmDiskSectors(c) / 2048);
  const refusals = [...traceRefusals(c), ...unusedKeyRefusals(c, DEFAULTS, KEY_USES)];
  if (c.testFileMiB > capacityMiB)
    refusals.unshift({
      key: "testFileMiB",
      issue: `must fit the VM's disk on the ${c.storage === "local" ? "local disk" : "array LUN"} (${capacityMiB} MiB), got ${c.testFileMiB}`,
    });
  if (refusals.length > 0) throw scenarioConfigError("vscsistats-characterize", refusals);
}

export const vscsistatsCharacterize = defineScenario({
  id: "vscsistats-characterize",
  // The title heads every run's index.html: it names the trace for a run of the shipped one and of yours alike.
  title:
    "vscsiStats histograms of Iometer workloads and of a VM disk trace (vmlab's generated one, or yours: traceFile), with the self-consistency checks",
  paper: PAPER,
  config: VscsiCharacterizeConfig,
  quick: VSCSI_CHARACTERIZE_QUICK,
  check: ({ config }) => check(config),
  run(ctx): ScenarioResult {
    const c = ctx.config; // checked: defineScenario's run calls `check` first
    const iometer = iometerWorkloads(c, (name) => ctx.rng.get(`vscsistats-characterize/${name}`));
    ctx.progress(3, 5);
    // A user's trace may be long: its two passes report progress by bytes read (the shipped one is read in a blink).
    const { workloads: traces, info } = traceWorkloads(c, ctx.rng.get("vscsistats-characterize/trace-replay"), vmDiskSectors(c), (done) =>
      ctx.progress(3 + 2 * done, 5),
    );
    ctx.progress(5, 5);
    const all = [...iometer, ...traces];
    const byId = new Map(all.map((w) => [w.id, w]));
    const json = (id: string) => toJson((byId.get(id) as Characterized).stats);

    const seq = json("sequential-read");
    const rnd = byId.get("random-read") as Characterized;
    const poisson = byId.get("poisson-read") as Characterized;
    const seekPlus1 = shareAt(seq, "seekDistance", 1);
    const seqLength = shareHolding(seq, "ioLength", c.sequentialIoKiB * 1024);
    // The vSCSI layer sees at most the guest adapter's queue depth outstanding; IOs beyond it wait in the guest.
    const vscsiOio = Math.min(c.randomOutstandingIos, c.guestQueueDepth);
    const oioLabel =
      vscsiOio < c.randomOutstandingIos
        ? `${c.randomOutstandingIos} OIO (${vscsiOio} at the vSCSI layer: guest queue depth ${c.guestQueueDepth})`
        : `${c.randomOutstandingIos} OIO`;
    const oio = shareHolding(toJson(rnd.stats), "outstandingIOs", vscsiOio);
    const littleUs = (vscsiOio / rnd.iops) * 1e6;
    const latencyUs = exactMean(rnd, "latency");
    // The 16 bucket holds 13..16 outstanding: the exact mean tells the configured depth from its neighbours.
    const meanOio = exactMean(rnd, "outstandingIOs");
    // A closed loop issues its first IOs at 1, 2, …, depth outstanding and every later one at depth (on a completion).
    const expectedMeanOio = vscsiOio - (vscsiOio * (vscsiOio - 1)) / 2 / rnd.stats.ios;
    const interarrivalUs = exactMean(poisson, "interarrival");
    const interarrivalSamples = poisson.stats.interarrival[0].count;
    const expectedInterarrivalUs = 1e6 / c.poissonIops;
    const file = json("trace-file");
    const traceFile = byId.get("trace-file") as Characterized;
    const replay = byId.get("trace-replay") as Characterized;

    const measured: Record<string, number> = {
      "sequential.seekPlus1Share": r6(seekPlus1),
      "sequential.ioLengthBinShare": r6(seqLength.share),
      "random.outstandingBinShare": r6(oio.share),
      "random.meanOutstandingIos": r6(meanOio),
      "random.expectedMeanOutstandingIos": r6(expectedMeanOio),
      "random.iops": r6(rnd.iops),
      "random.meanLatencyUs": r6(latencyUs),
      "random.littleLatencyUs": r6(littleUs),
      "poisson.meanInterarrivalUs": r6(interarrivalUs),
      "poisson.expectedInterarrivalUs": r6(expectedInterarrivalUs),
      "poisson.interarrivalSamples": interarrivalSamples,
      "poisson.standardError": r6(1 / Math.sqrt(interarrivalSamples)),
      "poisson.guestQueueWaits": poisson.guestQueueWaits,
      "trace.ios": file.ios,
      "trace.readShare": r6(histogramOf(file, "ioLength", "reads").count / file.histograms[0].count),
      "trace.sequentialShare": r6(shareAt(file, "seekDistance", 1)),
      "trace.recordedMeanLatencyUs": r6(exactMean(traceFile, "latency")),
      "trace.replay.iops": r6(replay.iops),
      "trace.replay.meanLatencyUs": r6(exactMean(replay, "latency")),
      ...userTraceMetrics(info, replay),
    };
    const poissonWithin = withinRelative(
      measured["poisson.meanInterarrivalUs"],
      measured["poisson.expectedInterarrivalUs"],
      T.poissonStandardErrors * measured["poisson.standardError"],
      `±${T.poissonStandardErrors} standard errors of the mean`,
    );
    // IOs that waited in the guest reached the vSCSI layer as slots freed, not at λ: the check does not apply (the note says so).
    const poissonCheck = poisson.guestQueueWaits > 0 ? { ...poissonWithin, verdict: "n/a" as const } : poissonWithin;
    // Only what was measured: a metric with no samples (NaN) is left out.
    const metrics = Object.fromEntries(Object.entries(measured).filter(([, v]) => Number.isFinite(v)));
    const reference: ReferenceValue[] = [
      {
        what: `sequential ${c.sequentialIoKiB} KiB reads: share of seek distances at +1`,
        // A share on both sides: the digest's "mass at +1" is a share of 1, as `ours` (results.json's, read by scripts).
        paper: "≈ 1",
        ours: ours(seekPlus1),
        unit: "share",
        source: `${DIGEST} 2`,
        note: "Iometer wraps to the region start once per pass: one non-+1 seek per pass",
        ...atLeastShare(measured["sequential.seekPlus1Share"], T.seekPlus1MinShare),
      },
      {
        what: `sequential ${c.sequentialIoKiB} KiB reads: share of IO lengths in the ${seqLength.bucket}`,
        paper: 1,
        ours: ours(seqLength.share),
        unit: "share",
        source: `${DIGEST} 2`,
        ...exactShare(measured["sequential.ioLengthBinShare"], T.ioLengthBinShare),
      },
      {
        what: `random ${c.randomIoKiB} KiB reads at ${oioLabel}: share of outstanding IOs in the ${oio.bucket}`,
        paper: "≈ 1",
        ours: ours(oio.share),
        unit: "share",
        source: `${DIGEST} 2`,
        note: "the first IOs of the run ramp up from 1",
        ...atLeastShare(measured["random.outstandingBinShare"], T.outstandingBinMinShare),
      },
      {
        what: `random ${c.randomIoKiB} KiB reads at ${oioLabel}: mean outstanding IOs at issue (counting the new IO) vs the depth`,
        // Computed from this run's IO count (the closed loop's ramp), not a figure of the paper.
        paper: r6(expectedMeanOio),
        paperComputed: true,
        ours: ours(meanOio),
        unit: "IOs",
        source: `${DIGEST} 2`,
        note: `${vscsiOio} less the ramp of the first IOs (1, 2, … ${vscsiOio} outstanding: ${(vscsiOio * (vscsiOio - 1)) / 2} fewer over ${rnd.stats.ios} IOs); the ${oio.bucket} also holds ${vscsiOio - 1}, a count that left out the new IO: the exact mean tells them apart`,
        ...withinAbsolute(
          measured["random.meanOutstandingIos"],
          measured["random.expectedMeanOutstandingIos"],
          T.meanOutstandingIos,
          "IOs",
        ),
      },
      {
        what: `random ${c.randomIoKiB} KiB reads at ${oioLabel}: mean latency vs Little's law OIO / IOPS`,
        // Little's law over this run's IOPS: the rule is the digest's, the figure is ours.
        paper: ours(littleUs),
        paperComputed: true,
        ours: ours(latencyUs),
        unit: "µs",
        source: `${DIGEST} 2`,
        ...withinRelative(measured["random.meanLatencyUs"], measured["random.littleLatencyUs"], T.littleLatency),
      },
      {
        what: `open-loop Poisson at ${c.poissonIops} IOPS: mean interarrival vs 1/λ`,
        // 1/λ of the configured rate.
        paper: r6(expectedInterarrivalUs),
        paperComputed: true,
        ours: ours(interarrivalUs),
        unit: "µs",
        source: `${DIGEST} 3`,
        note: poissonNote(interarrivalSamples, interarrivalUs / expectedInterarrivalUs - 1, poisson.guestQueueWaits, c.guestQueueDepth),
        ...poissonCheck,
      },
      traceReferenceRow(info, file.ios),
    ];
    const summary: Table = {
      name: "workloads",
      columns: ["workload", "label", "ios", "iops", "virtualSeconds", "meanLatencyUs", "meanInterarrivalUs", "guestQueueWaits"],
      rows: all.map((w) => ({
        workload: w.id,
        label: w.label,
        ios: w.stats.ios,
        iops: cell(w.iops),
        virtualSeconds: cell(w.seconds),
        meanLatencyUs: cell(exactMean(w, "latency")),
        meanInterarrivalUs: cell(exactMean(w, "interarrival")),
        guestQueueWaits: cell(w.guestQueueWaits),
      })),
    };
    const histograms: Table = {
      name: "histograms",
      columns: ["workload", "histogram", "split", "order", "bucket", "limit", "count", "fraction"],
      rows: histogramRows(all),
    };
    return {
      metrics,
      // The trace table only for a user's trace: the shipped trace's results stay as they were.
      tables: info.user === null ? [summary, histograms] : [summary, histograms, traceTable(info, replay)],
      figures: vscsiFigures("histograms", all),
      reference,
      notes: [
        "Histograms are collected at the VM's virtual disk (vSCSI layer) of the storage model, as ESX's vscsiStats; the first IO gets no seek/interarrival sample.",
        "The IISWC 2007 paper's own histograms (Filebench, DBT-2, file copy) are not public: the reference rows are the digest's self-consistency checks.",
        ...traceNotes(info),
      ],
    };
  },
});
