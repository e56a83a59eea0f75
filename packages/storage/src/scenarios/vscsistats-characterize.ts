import { defineScenario, type ReferenceValue, type ScenarioResult, scenarioConfigError, type Table } from "@vmlab/core-vm";
import { VSCSI_HISTOGRAMS } from "../vscsistats/bins.js";
import { histogramOf, toJson, type VscsiStatsJson } from "../vscsistats/format.js";
import { VSCSI_CHARACTERIZE_QUICK, VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";
import { vscsiFigures } from "./vscsistats-characterize-figures.js";
import { type Characterized, iometerWorkloads, traceWorkloads, vmDiskSectors } from "./vscsistats-characterize-run.js";

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

/** Exact mean (the printed ESX mean is truncated to an integer). */
function exactMean(w: Characterized, metric: "latency" | "interarrival"): number {
  const h = metric === "latency" ? w.stats.latency[0] : w.stats.interarrival[0];
  return h.count > 0 ? h.sum / h.count : Number.NaN;
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

/** The config's rules the schema cannot state, checked before any workload runs (the scenario's `check`). */
function check(c: VscsiCharacterizeConfig): void {
  // Named in the user's key and unit: the workload's own refusal speaks of a region and a target in sectors.
  const capacityMiB = Math.floor(vmDiskSectors(c) / 2048);
  if (c.testFileMiB > capacityMiB)
    throw scenarioConfigError("vscsistats-characterize", [
      {
        key: "testFileMiB",
        issue: `must fit the VM's disk on the ${c.storage === "local" ? "local disk" : "array LUN"} (${capacityMiB} MiB), got ${c.testFileMiB}`,
      },
    ]);
}

export const vscsistatsCharacterize = defineScenario({
  id: "vscsistats-characterize",
  title: "vscsiStats histograms of Iometer workloads and of a generated VM disk trace, with the self-consistency checks",
  paper: PAPER,
  config: VscsiCharacterizeConfig,
  quick: VSCSI_CHARACTERIZE_QUICK,
  check: ({ config }) => check(config),
  run(ctx): ScenarioResult {
    const c = ctx.config; // checked: defineScenario's run calls `check` first
    const iometer = iometerWorkloads(c, (name) => ctx.rng.get(`vscsistats-characterize/${name}`));
    ctx.progress(3, 5);
    const traces = traceWorkloads(c, ctx.rng.get("vscsistats-characterize/trace-replay"));
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
    const interarrivalUs = exactMean(poisson, "interarrival");
    const file = json("trace-file");
    const traceFile = byId.get("trace-file") as Characterized;
    const replay = byId.get("trace-replay") as Characterized;

    const measured: Record<string, number> = {
      "sequential.seekPlus1Share": r6(seekPlus1),
      "sequential.ioLengthBinShare": r6(seqLength.share),
      "random.outstandingBinShare": r6(oio.share),
      "random.iops": r6(rnd.iops),
      "random.meanLatencyUs": r6(latencyUs),
      "random.littleLatencyUs": r6(littleUs),
      "poisson.meanInterarrivalUs": r6(interarrivalUs),
      "poisson.expectedInterarrivalUs": r6(1e6 / c.poissonIops),
      "trace.ios": file.ios,
      "trace.readShare": r6(histogramOf(file, "ioLength", "reads").count / file.histograms[0].count),
      "trace.sequentialShare": r6(shareAt(file, "seekDistance", 1)),
      "trace.recordedMeanLatencyUs": r6(exactMean(traceFile, "latency")),
      "trace.replay.iops": r6(replay.iops),
      "trace.replay.meanLatencyUs": r6(exactMean(replay, "latency")),
    };
    // Only what was measured: a metric with no samples (NaN) is left out.
    const metrics = Object.fromEntries(Object.entries(measured).filter(([, v]) => Number.isFinite(v)));
    const reference: ReferenceValue[] = [
      {
        what: `sequential ${c.sequentialIoKiB} KiB reads: share of seek distances at +1`,
        paper: "≈ 100%",
        ours: ours(seekPlus1),
        source: `${DIGEST} 2`,
        note: "Iometer wraps to the region start once per pass: one non-+1 seek per pass",
      },
      {
        what: `sequential ${c.sequentialIoKiB} KiB reads: share of IO lengths in the ${seqLength.bucket}`,
        paper: "100%",
        ours: ours(seqLength.share),
        source: `${DIGEST} 2`,
      },
      {
        what: `random ${c.randomIoKiB} KiB reads at ${oioLabel}: share of outstanding IOs in the ${oio.bucket}`,
        paper: "≈ 100%",
        ours: ours(oio.share),
        source: `${DIGEST} 2`,
        note: "the first IOs of the run ramp up from 1",
      },
      {
        what: `random ${c.randomIoKiB} KiB reads at ${oioLabel}: mean latency vs Little's law OIO / IOPS`,
        paper: ours(littleUs),
        ours: ours(latencyUs),
        unit: "µs",
        source: `${DIGEST} 2`,
      },
      {
        what: `open-loop Poisson at ${c.poissonIops} IOPS: mean interarrival vs 1/λ`,
        paper: r6(1e6 / c.poissonIops),
        ours: ours(interarrivalUs),
        unit: "µs",
        source: `${DIGEST} 3`,
      },
      {
        what: "shipped trace: IOs characterized",
        paper: "—",
        ours: file.ios,
        note: "vmlab's generated VM trace (data/traces/SOURCE.md): no public real trace could be shipped, and the paper's own traces are not public",
      },
    ];
    const summary: Table = {
      name: "workloads",
      columns: ["workload", "label", "ios", "iops", "virtualSeconds", "meanLatencyUs", "meanInterarrivalUs"],
      rows: all.map((w) => ({
        workload: w.id,
        label: w.label,
        ios: w.stats.ios,
        iops: cell(w.iops),
        virtualSeconds: cell(w.seconds),
        meanLatencyUs: cell(exactMean(w, "latency")),
        meanInterarrivalUs: cell(exactMean(w, "interarrival")),
      })),
    };
    const histograms: Table = {
      name: "histograms",
      columns: ["workload", "histogram", "split", "order", "bucket", "limit", "count", "fraction"],
      rows: histogramRows(all),
    };
    return {
      metrics,
      tables: [summary, histograms],
      figures: vscsiFigures("histograms", all),
      reference,
      notes: [
        "Histograms are collected at the VM's virtual disk (vSCSI layer) of the storage model, as ESX's vscsiStats; the first IO gets no seek/interarrival sample.",
        "The IISWC 2007 paper's own histograms (Filebench, DBT-2, file copy) are not public: the reference rows are the digest's self-consistency checks.",
      ],
    };
  },
});
