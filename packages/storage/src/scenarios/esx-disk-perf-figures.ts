import type { Figure } from "@vmlab/core-vm";

const sizeAxis = { field: "ioSizeBytes", type: "quantitative", scale: { type: "log", base: 2 }, title: "IO size (bytes)" } as const;

// 0 to at least 1.1 on every panel alike, and higher where a cell's VM run beat native (a few IOs each way can give
// 1.25): a fixed [0, 1.1] drew such a point above the panel.
const ratioAxis = {
  field: "vmToNativeThroughput",
  type: "quantitative",
  title: "VM / native throughput",
  scale: { domain: { unionWith: [0, 1.1] } },
} as const;
/** After a fold of a native and a VM column into `run`: the legend says "native" and "VM", not the columns' names. */
const runNamed = { calculate: "indexof(datum.run, 'native') === 0 ? 'native' : 'VM'", as: "run" } as const;
const runColor = { field: "run", type: "nominal", title: "run", sort: ["native", "VM"] } as const;
const patternColor = { field: "pattern", type: "nominal", title: "access pattern" } as const;

/** The study's charts as Vega-Lite specs over the grid table. */
export function esxDiskPerfFigures(table: string): Figure[] {
  return [
    {
      name: "vm-native-ratio",
      title: "VM / native throughput by IO size (columns: outstanding IOs; rows: storage)",
      table,
      spec: {
        facet: {
          column: { field: "outstandingIos", type: "ordinal", title: "outstanding IOs" },
          row: { field: "storage", type: "nominal" },
        },
        spec: {
          width: 220,
          height: 160,
          // A line and its points as two layers, the domain on one: `point: true` layers them too, each with the
          // ratio's domain, and Vega-Lite warned on stderr of the two (equal) domains "conflicting" on every run.
          layer: [
            { mark: "line", encoding: { x: sizeAxis, y: ratioAxis, color: patternColor } },
            {
              mark: { type: "point", filled: true },
              encoding: { x: sizeAxis, y: { field: ratioAxis.field, type: "quantitative" }, color: patternColor },
            },
          ],
        },
      },
    },
    {
      name: "throughput",
      title: "Throughput (MB/s), native vs VM, at the grid's highest outstanding IOs",
      table,
      spec: {
        transform: [
          { joinaggregate: [{ op: "max", field: "outstandingIos", as: "maxOio" }] },
          { filter: "datum.outstandingIos === datum.maxOio" },
          { fold: ["nativeMBps", "vmMBps"], as: ["run", "MBps"] },
          runNamed,
        ],
        mark: { type: "line", point: true },
        width: 220,
        height: 160,
        encoding: {
          x: sizeAxis,
          y: { field: "MBps", type: "quantitative", title: "MB/s" },
          color: runColor,
          column: { field: "pattern", type: "nominal", title: "access pattern" },
          row: { field: "storage", type: "nominal" },
        },
      },
    },
    {
      name: "cpu-per-io",
      title: "Host CPU time per IO (µs), native vs VM",
      table,
      spec: {
        transform: [{ fold: ["nativeCpuUsPerIo", "vmCpuUsPerIo"], as: ["run", "cpuUs"] }, runNamed],
        mark: { type: "point" },
        encoding: {
          x: sizeAxis,
          y: { field: "cpuUs", type: "quantitative", title: "CPU µs per IO" },
          color: runColor,
          shape: { field: "storage", type: "nominal" },
        },
      },
    },
    {
      name: "latency-vs-oio",
      title: "Mean latency (µs) vs outstanding IOs, smallest IO size",
      table,
      spec: {
        transform: [
          { joinaggregate: [{ op: "min", field: "ioSizeBytes", as: "minSize" }] },
          { filter: "datum.ioSizeBytes === datum.minSize" },
          { fold: ["nativeLatencyUs", "vmLatencyUs"], as: ["run", "latencyUs"] },
          runNamed,
        ],
        mark: { type: "line", point: true },
        width: 220,
        height: 160,
        encoding: {
          x: { field: "outstandingIos", type: "quantitative", scale: { type: "log", base: 2 }, title: "outstanding IOs" },
          y: { field: "latencyUs", type: "quantitative", scale: { type: "log" }, title: "mean latency (µs)" },
          color: runColor,
          column: { field: "pattern", type: "nominal", title: "access pattern" },
          row: { field: "storage", type: "nominal" },
        },
      },
    },
  ];
}
