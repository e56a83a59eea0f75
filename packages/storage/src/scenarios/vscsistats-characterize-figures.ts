import type { Figure } from "@vmlab/core-vm";
import { VSCSI_HISTOGRAMS, type VscsiMetric, type VscsiSplit } from "../vscsistats/bins.js";

/** What each histogram measures, for its x axis (ESX's own titles are in the panel titles). */
const MEASURES: Record<VscsiMetric, string> = {
  ioLength: "IO length",
  seekDistance: "seek distance",
  seekDistanceClosest16: "seek distance from the closest of the previous 16",
  latency: "latency",
  outstandingIOs: "outstanding IOs at issue",
  interarrival: "interarrival time",
};

/** ESX prints microseconds as "us". */
const unitText = (unit: string) => (unit === "us" ? "µs" : unit);

/**
 * Width of one bucket on the x axis: a bucket label of 10 px type rotated by 60° takes 10 / sin 60° ≈ 11.5 px of
 * the axis, so the 34 seek-distance limits get 408 px rather than sharing a fixed panel width. A bucket of a
 * histogram ESX splits holds three bars (all IOs, reads, writes) side by side, and there Vega-Lite's step is
 * one bar's (the xOffset band's): 6 px gives a bucket 18 px and more.
 */
const BUCKET_STEP_PX = 12;
const SPLIT_BAR_STEP_PX = 6;

/** The series of a split panel, in ESX's print order; fixed colours, so a series looks the same in every panel and run. */
const SPLITS: readonly VscsiSplit[] = ["all", "reads", "writes"];
const SPLIT_COLOURS = ["#8c8c8c", "#1f77b4", "#e6550d"];
/** The legend's words for each series (the table's `split` column holds ESX's names). */
const SPLIT_LABELS = "datum.label === 'all' ? 'all IOs' : datum.label === 'reads' ? 'Read commands' : 'Write commands'";

/** A panel: one metric's histograms (ESX's `order` of each: all IOs, then Read and Write where ESX splits it). */
interface Panel {
  metric: VscsiMetric;
  title: string;
  unit: string;
  orders: number[];
}

/** ESX's 16 histograms grouped by metric, in ESX's order: five metrics split three ways, closest-of-16 not split. */
function panels(): Panel[] {
  const byMetric = new Map<VscsiMetric, Panel>();
  VSCSI_HISTOGRAMS.forEach((h, order) => {
    const p = byMetric.get(h.metric);
    if (p) p.orders.push(order);
    // The all-IOs histogram comes first in ESX's order: its title names the panel.
    else byMetric.set(h.metric, { metric: h.metric, title: h.title, unit: h.unit, orders: [order] });
  });
  return [...byMetric.values()];
}

/**
 * One figure per workload, drawn like the paper's vscsiStats figures: a panel per histogram ESX prints, a bar
 * per bucket with ESX's limits on the x axis in bucket order (the overflow bucket too, as ">last limit"), the
 * share of the series' IOs on the y axis. Where ESX keeps Read and Write histograms beside the total (all but
 * closest-of-16), each bucket has three bars: all IOs, reads, writes (a share of the reads, of the writes: a
 * series without IOs draws no bar). Panels, not one faceted chart: each x axis is titled with its quantity and unit.
 */
export function vscsiFigures(table: string, workloads: { id: string; label: string }[]): Figure[] {
  const all = panels();
  return workloads.map((w) => ({
    name: `histograms-${w.id}`,
    title: `vscsiStats histograms: ${w.label}`,
    table,
    spec: {
      columns: 2,
      // Each row packed on its own: a grid would widen every column to its widest panel or ESX title.
      align: "none",
      // One legend for every split panel: their colour scales share the domain and colours.
      resolve: { scale: { color: "shared" } },
      concat: all.map((p) => {
        const split = p.orders.length > 1;
        // `||` of `===`: read alike by Vega's expression language and by JavaScript (the tests evaluate it).
        const orders = p.orders.map((o) => `datum.order === ${o}`).join(" || ");
        return {
          title: { text: p.title, fontSize: 11 },
          transform: [{ filter: `datum.workload === '${w.id}' && (${orders})` }],
          width: { step: split ? SPLIT_BAR_STEP_PX : BUCKET_STEP_PX },
          height: 130,
          mark: { type: "bar" },
          encoding: {
            x: {
              field: "limit",
              type: "ordinal",
              sort: { field: "bucket", op: "min" },
              title: `${MEASURES[p.metric]}, ${unitText(p.unit)} (bucket limit ≤)`,
              axis: { labelAngle: -60 },
              // A gap between buckets: without it a bucket's Write bar, its Read bar absent, sat against the next
              // bucket's (slanted) label and read as that bucket's.
              ...(split ? { scale: { paddingInner: 0.3 } } : {}),
            },
            y: {
              field: "fraction",
              type: "quantitative",
              title: split ? "share of the series' IOs" : "share of IOs",
              // 0 to at least 1%: a histogram the trace does not record (a fio log's latency) is all 0, and its
              // axis of one tick read "0.000000%".
              scale: { domain: { unionWith: [0, 0.01] } },
              axis: { format: "%" },
            },
            color: {
              field: "split",
              type: "nominal",
              scale: { domain: [...SPLITS], range: SPLIT_COLOURS },
              legend: { title: "series", orient: "top", direction: "horizontal", labelExpr: SPLIT_LABELS },
            },
            ...(split ? { xOffset: { field: "split", type: "nominal", scale: { domain: [...SPLITS] } } } : {}),
          },
        };
      }),
    },
  }));
}
