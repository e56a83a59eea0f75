import type { Figure } from "@vmlab/core-vm";
import { VSCSI_HISTOGRAMS, type VscsiMetric } from "../vscsistats/bins.js";

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
 * Width of one bucket's bar: a bucket label of 10 px type rotated by 60° takes 10 / sin 60° ≈ 11.5 px of the
 * axis, so the 34 seek-distance limits get 408 px rather than sharing a fixed panel width.
 */
const BUCKET_STEP_PX = 12;

/**
 * One figure per workload, drawn like the paper's vscsiStats figures: a panel per histogram of all IOs
 * (closest-of-16 included; the Read and Write histograms are in histograms.csv), a bar per bucket with
 * ESX's limits on the x axis in bucket order (the overflow bucket too, as ">last limit"), the share of
 * IOs on the y axis. Panels, not one faceted chart: each x axis is titled with its quantity and unit.
 */
export function vscsiFigures(table: string, workloads: { id: string; label: string }[]): Figure[] {
  const panels = VSCSI_HISTOGRAMS.map((h, order) => ({ h, order })).filter(({ h }) => h.split === "all");
  return workloads.map((w) => ({
    name: `histograms-${w.id}`,
    title: `vscsiStats histograms: ${w.label}`,
    table,
    spec: {
      columns: 2,
      // Each row packed on its own: a grid would widen every column to its widest panel or ESX title.
      align: "none",
      concat: panels.map(({ h, order }) => ({
        title: { text: h.title, fontSize: 11 },
        transform: [{ filter: `datum.workload === '${w.id}' && datum.split === 'all' && datum.order === ${order}` }],
        width: { step: BUCKET_STEP_PX },
        height: 130,
        mark: { type: "bar" },
        encoding: {
          x: {
            field: "limit",
            type: "ordinal",
            sort: { field: "bucket", op: "min" },
            title: `${MEASURES[h.metric]}, ${unitText(h.unit)} (bucket limit ≤)`,
            axis: { labelAngle: -60 },
          },
          y: { field: "fraction", type: "quantitative", title: "share of IOs", axis: { format: "%" } },
        },
      })),
    },
  }));
}
