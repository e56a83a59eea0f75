import type { Figure } from "@vmlab/core-vm";

/** An IO size in bytes as a label: 512 B, 4 KiB, 1.5 KiB, 1 MiB (a Vega expression over an axis label's `datum.value`). */
const sizeLabel =
  "datum.value < 1024 ? datum.value + ' B' : datum.value < 1048576 ? format(datum.value / 1024, '~g') + ' KiB' : format(datum.value / 1048576, '~g') + ' MiB'";

/** The label `sizeLabel` draws for `bytes`. */
function sizeText(bytes: number): string {
  const g = (v: number) => String(Number(v.toPrecision(6)));
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${g(bytes / 1024)} KiB` : `${g(bytes / 1048576)} MiB`;
}

/**
 * A label's width, px: 6.5 px per character of 10 px sans-serif (DejaVu Sans, chromium's, averages about 6.2 on these
 * labels), and 4 px between neighbours. Vega's own estimate without a canvas (8 px per character) kept three labels of
 * ten where four fit.
 */
const labelPx = (bytes: number) => 6.5 * sizeText(bytes).length + 4;

/**
 * The grid's IO sizes an axis `widthPx` wide labels: every k-th size from the smallest, the largest always (in place
 * of the last k-th when the two would touch), with the smallest k whose labels all fit. Vega's own choice (powers of 2,
 * then hiding what overlaps) left the largest sizes unlabelled: a 512 B – 256 KiB axis ended at "32,768".
 */
export function sizeTicks(sizes: readonly number[], widthPx: number): number[] {
  const sorted = [...new Set(sizes)].filter((s) => s > 0).sort((a, b) => a - b);
  if (sorted.length <= 1) return sorted;
  const lo = Math.log2(sorted[0]);
  const span = Math.log2(sorted[sorted.length - 1]) - lo;
  // Where a label's text spans on the axis: the first drawn from its tick rightwards, the last leftwards (Vega's
  // labelFlush), the others centred.
  const extent = (s: number, i: number, n: number): [number, number] => {
    const x = (widthPx * (Math.log2(s) - lo)) / span;
    const w = labelPx(s);
    return i === 0 ? [x, x + w] : i === n - 1 ? [x - w, x] : [x - w / 2, x + w / 2];
  };
  const fits = (ticks: number[]) =>
    ticks.every((s, i) => i === 0 || extent(ticks[i - 1], i - 1, ticks.length)[1] <= extent(s, i, ticks.length)[0]);
  for (let k = 1; k < sorted.length; k++) {
    const ticks = sorted.filter((_, i) => i % k === 0);
    const last = sorted[sorted.length - 1];
    if (ticks[ticks.length - 1] !== last) {
      ticks.push(last);
      if (!fits(ticks) && ticks.length > 2) ticks.splice(ticks.length - 2, 1);
    }
    if (fits(ticks)) return ticks;
  }
  return [sorted[0], sorted[sorted.length - 1]];
}

/** The IO size axis (log 2) of a chart `widthPx` wide over the grid's `sizes`. */
function sizeAxis(sizes: readonly number[], widthPx: number) {
  return {
    field: "ioSizeBytes",
    type: "quantitative",
    scale: { type: "log", base: 2 },
    title: "IO size",
    // Our ticks fit by the estimate above: Vega hiding one of them would only ever hide the largest size again.
    axis: { values: sizeTicks(sizes, widthPx), labelExpr: sizeLabel, labelOverlap: false, labelFlush: true },
  } as const;
}

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

/** Width of a faceted chart's panel, px. */
const PANEL_WIDTH = 220;
/** Width of the one-panel CPU chart, px. */
const CPU_WIDTH = 440;

/** The study's charts as Vega-Lite specs over the grid table. */
export function esxDiskPerfFigures(table: string, ioSizes: readonly number[]): Figure[] {
  const panelSize = sizeAxis(ioSizes, PANEL_WIDTH);
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
          width: PANEL_WIDTH,
          height: 160,
          // A line and its points as two layers, the domain on one: `point: true` layers them too, each with the
          // ratio's domain, and Vega-Lite warned on stderr of the two (equal) domains "conflicting" on every run.
          layer: [
            { mark: "line", encoding: { x: panelSize, y: ratioAxis, color: patternColor } },
            {
              mark: { type: "point", filled: true },
              encoding: { x: panelSize, y: { field: ratioAxis.field, type: "quantitative" }, color: patternColor },
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
        width: PANEL_WIDTH,
        height: 160,
        encoding: {
          x: panelSize,
          y: { field: "MBps", type: "quantitative", title: "MB/s (10^6 bytes/s)" },
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
        width: CPU_WIDTH,
        encoding: {
          x: sizeAxis(ioSizes, CPU_WIDTH),
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
        width: PANEL_WIDTH,
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
