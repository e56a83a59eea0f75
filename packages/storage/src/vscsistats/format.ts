import { VSCSI_HISTOGRAMS, type VscsiMetric, type VscsiSplit } from "./bins.js";
import type { VscsiStats } from "./collector.js";

/** Who the printout is about: ESX names a VM's world group and the virtual disk's handle. */
export interface VscsiPrintHeader {
  /** ESX's "virtual machine worldGroupID"; default 0. */
  worldGroupId?: number;
  /** ESX's "virtual disk handleID"; default 0. */
  handleId?: number;
  /** The disk's name printed after the handle, e.g. "scsi0:0" (default). */
  diskName?: string;
}

/**
 * ESX's CSV print format (`vscsiStats -p all -c`), so a vmlab printout can be
 * diffed against a real one: per histogram a title line, `min`, `max`, `mean`
 * and `count` lines, `Frequency,Histogram Bucket Limit`, then one
 * `<count>,<limit>` row per bucket; the overflow row repeats the last limit.
 * An empty histogram prints 0 for min, max and mean (what ESX prints there is
 * not documented).
 */
export function formatEsxCsv(stats: VscsiStats, header: VscsiPrintHeader = {}): string {
  const suffix = `,virtual machine worldGroupID,${header.worldGroupId ?? 0},virtual disk handleID,${header.handleId ?? 0} (${header.diskName ?? "scsi0:0"})`;
  const out: string[] = [];
  VSCSI_HISTOGRAMS.forEach((spec, i) => {
    const h = stats.histograms[i];
    out.push(`Histogram: ${spec.title}${suffix}`);
    out.push(`min,${int(h.min)}`, `max,${int(h.max)}`, `mean,${int(h.mean)}`, `count,${int(h.count)}`);
    out.push("Frequency,Histogram Bucket Limit");
    const limits = spec.limits;
    for (let b = 0; b < limits.length; b++) out.push(`${int(h.counts[b])},${limits[b]}`);
    out.push(`${int(h.counts[limits.length])},${limits[limits.length - 1]}`);
  });
  return `${out.join("\n")}\n`;
}

/** Integers as ESX prints them (no exponent, no fraction; -0 as 0). */
function int(v: number): string {
  const t = Math.trunc(v);
  // String() switches to exponent notation only beyond 1e21, far above any count or LBN.
  return t === 0 ? "0" : String(t);
}

/** One vscsiStats histogram as data: its metric, split, title, unit, count, min, max, mean, bucket limits and counts. */
export interface VscsiHistogramJson {
  metric: VscsiMetric;
  split: VscsiSplit;
  title: string;
  unit: string;
  count: number;
  min: number;
  max: number;
  /** Integer mean, as ESX prints it. */
  mean: number;
  /** Sum of the values: `sum / count` is the exact mean `mean` truncates (a mean latency of 762.5 µs prints 762). */
  sum: number;
  /** Bucket upper limits (inclusive); the last count is the overflow bucket. */
  limits: number[];
  /** limits.length + 1 counts. */
  counts: number[];
}

/** All 16 vscsiStats histograms as data (`toJson`; `vmlab vscsistats --json`). */
export interface VscsiStatsJson {
  format: "vmlab-vscsistats";
  version: 1;
  ios: number;
  firstIo: string;
  outOfOrder: number;
  histograms: VscsiHistogramJson[];
}

/** The 16 histograms as data (the `--json` output and the scenario's tables). */
export function toJson(stats: VscsiStats): VscsiStatsJson {
  return {
    format: "vmlab-vscsistats",
    version: 1,
    ios: stats.ios,
    firstIo: stats.firstIo,
    outOfOrder: stats.outOfOrder,
    histograms: VSCSI_HISTOGRAMS.map((spec, i) => {
      const h = stats.histograms[i];
      return {
        metric: spec.metric,
        split: spec.split,
        title: spec.title,
        unit: spec.unit,
        count: h.count,
        min: h.min,
        max: h.max,
        mean: h.mean,
        sum: h.sum,
        limits: [...spec.limits],
        counts: Array.from(h.counts),
      };
    }),
  };
}

/** The histogram of `metric` for `split` from a JSON result. */
export function histogramOf(json: VscsiStatsJson, metric: VscsiMetric, split: VscsiSplit = "all"): VscsiHistogramJson {
  const h = json.histograms.find((x) => x.metric === metric && x.split === split);
  if (!h) throw new RangeError(`no ${metric}/${split} histogram (closest-of-16 has only "all")`);
  return h;
}
