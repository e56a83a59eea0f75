import type { Figure } from "@vmlab/core-vm";

/**
 * One figure per workload, drawn like the paper's vscsiStats figures: a bar
 * per bucket (ESX's limits on the x axis, in bucket order), the share of IOs
 * on the y axis, one panel per histogram (all IOs; closest-of-16 as well).
 */
export function vscsiFigures(table: string, workloads: { id: string; label: string }[]): Figure[] {
  return workloads.map((w) => ({
    name: `histograms-${w.id}`,
    title: `vscsiStats histograms: ${w.label}`,
    table,
    spec: {
      transform: [{ filter: `datum.workload === '${w.id}' && datum.split === 'all'` }],
      facet: { field: "histogram", type: "nominal", title: null, sort: { field: "order", op: "min" } },
      columns: 3,
      resolve: { scale: { x: "independent" } },
      spec: {
        width: 220,
        height: 130,
        mark: { type: "bar" },
        encoding: {
          x: {
            field: "limit",
            type: "ordinal",
            sort: { field: "bucket", op: "min" },
            title: "bucket limit (≤)",
            axis: { labelAngle: -60 },
          },
          y: { field: "fraction", type: "quantitative", title: "share of IOs", axis: { format: "%" } },
        },
      },
    },
  }));
}
