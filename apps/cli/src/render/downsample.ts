import type { Table } from "@vmlab/core-vm";

/**
 * x-intervals a line chart's series is drawn over when it has more points than 4 per interval. A chart is 480 px
 * wide, so 500 intervals are about one per pixel column: keeping each interval's first, last, smallest and largest
 * point (M4 aggregation) draws the same line as every point would, at a bounded cost. A 16-host PARDA run sampled
 * every 0.18 s over an hour has 960,000 rows; Vega took about 15 s and 800 MB per chart to draw them all.
 */
export const CHART_INTERVALS = 500;

/** The rows a figure is drawn from, and, when some were left out, a line saying how (for the chart's subtitle). */
export interface ChartRows {
  rows: Table["rows"];
  note?: string;
}

type Spec = Record<string, unknown>;
type Channel = { field?: unknown; type?: unknown; aggregate?: unknown; bin?: unknown; timeUnit?: unknown };

/** The x and y fields and the series-splitting fields of a single-view line chart, or null for any other spec. */
function lineChartFields(spec: Spec): { x: string; y: string; series: string[] } | null {
  const mark = typeof spec.mark === "string" ? spec.mark : (spec.mark as { type?: unknown } | undefined)?.type;
  if (mark !== "line") return null;
  // Transforms, layers and facet operators could filter, aggregate or combine rows: drawn from every row, as before.
  for (const k of ["transform", "layer", "facet", "concat", "hconcat", "vconcat", "repeat"]) if (k in spec) return null;
  const enc = spec.encoding as Record<string, Channel> | undefined;
  if (!enc) return null;
  const x = enc.x;
  const y = enc.y;
  const plain = (c: Channel | undefined) => c !== undefined && c.aggregate === undefined && c.bin === undefined && c.timeUnit === undefined;
  if (!plain(x) || !plain(y) || typeof x.field !== "string" || typeof y.field !== "string") return null;
  if (x.type !== "quantitative" || y.type !== "quantitative") return null;
  const series: string[] = [];
  for (const [channel, c] of Object.entries(enc)) {
    if (channel === "x" || channel === "y") continue;
    // An aggregate elsewhere (a size by count) would count the rows left out: drawn from every row.
    if (c.aggregate !== undefined) return null;
    if (typeof c.field === "string") series.push(c.field);
  }
  return { x: x.field, y: y.field, series };
}

/**
 * The rows a figure is drawn from: all of `rows`, unless the figure is a plain line chart one of whose series
 * (a line: one value of each color, row, column… field) has more than 4 × CHART_INTERVALS points. Each such
 * series is then cut into CHART_INTERVALS equal x-intervals and only each interval's first, last, smallest-y and
 * largest-y rows are kept, in their order; rows whose x or y is not a finite number (breaks in the line) are kept.
 * Only the chart is drawn from fewer rows: the table (results.json, the CSV) keeps them all.
 */
export function chartRows(spec: Spec, rows: Table["rows"]): ChartRows {
  const fields = lineChartFields(spec);
  if (!fields || rows.length <= 4 * CHART_INTERVALS) return { rows };
  const { x, y, series } = fields;
  const bySeries = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = series.map((f) => String(row[f])).join("\u0000");
    let list = bySeries.get(key);
    if (!list) bySeries.set(key, (list = []));
    list.push(i);
  });
  const keep = new Uint8Array(rows.length);
  let thinned = false;
  for (const list of bySeries.values()) {
    if (list.length <= 4 * CHART_INTERVALS) {
      for (const i of list) keep[i] = 1;
      continue;
    }
    thinned = true;
    keepM4(rows, list, x, y, keep);
  }
  if (!thinned) return { rows };
  const kept = rows.filter((_, i) => keep[i] === 1);
  return {
    rows: kept,
    note: `drawn from ${kept.length} of ${rows.length} points: each line's first, last, lowest and highest point in each of ${CHART_INTERVALS} equal ${x} intervals (the table has every point)`,
  };
}

/** Marks in `keep` the first, last, lowest-y and highest-y row of each of CHART_INTERVALS equal x-intervals of `list`. */
function keepM4(rows: Table["rows"], list: readonly number[], x: string, y: string, keep: Uint8Array): void {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const i of list) {
    const v = rows[i][x];
    if (typeof v === "number" && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const n = CHART_INTERVALS;
  // Per interval: first, last, lowest, highest row index (-1: none yet).
  const first = new Int32Array(n).fill(-1);
  const last = new Int32Array(n).fill(-1);
  const low = new Int32Array(n).fill(-1);
  const high = new Int32Array(n).fill(-1);
  for (const i of list) {
    const xv = rows[i][x];
    const yv = rows[i][y];
    if (typeof xv !== "number" || typeof yv !== "number" || !Number.isFinite(xv) || !Number.isFinite(yv)) {
      keep[i] = 1;
      continue;
    }
    const b = hi > lo ? Math.min(n - 1, Math.floor(((xv - lo) / (hi - lo)) * n)) : 0;
    if (first[b] < 0) first[b] = i;
    last[b] = i;
    if (low[b] < 0 || yv < (rows[low[b]][y] as number)) low[b] = i;
    if (high[b] < 0 || yv > (rows[high[b]][y] as number)) high[b] = i;
  }
  for (const a of [first, last, low, high]) for (const i of a) if (i >= 0) keep[i] = 1;
}
