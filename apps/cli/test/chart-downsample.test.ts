import type { Figure, Table } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { renderFigureSvg } from "../src/render/charts.js";
import { CHART_INTERVALS, chartRows } from "../src/render/downsample.js";

/** A PARDA-style time series: `hosts` lines of `samples` points each, a spike and a dip somewhere in each. */
function series(hosts: number, samples: number): Table {
  const rows: Table["rows"] = [];
  for (let i = 0; i < samples; i++)
    for (let h = 0; h < hosts; h++)
      rows.push({ t_s: (i + 1) * 0.18, host: `host ${h + 1}`, window: i === 777 + h ? 99 : i === 4321 ? -5 : 10 + ((i * 7 + h) % 13) });
  return { name: "ts", columns: ["t_s", "host", "window"], rows };
}

const figure: Figure = {
  name: "w",
  title: "Window per host",
  table: "ts",
  spec: {
    mark: { type: "line" },
    encoding: {
      x: { field: "t_s", type: "quantitative" },
      y: { field: "window", type: "quantitative" },
      color: { field: "host", type: "nominal" },
    },
  },
};

/** The points of the SVG's line marks (each path one M, and an L per further point). */
const pathPoints = (svg: string) =>
  [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)]
    .flatMap((g) => [...g[1].matchAll(/ d="([^"]*)"/g)])
    .reduce((n, m) => n + (m[1].match(/[ML]/g)?.length ?? 0), 0);

describe("line charts over long series", () => {
  // parda-proportional with 16 hosts sampled every 0.18 s for an hour drew 960,000 points into each of three
  // charts: about 15 s and 800 MB of Vega per chart, 4 GB for the run.
  it("draw each line from a bounded number of points, keeping its first, last, lowest and highest", async () => {
    const table = series(2, 20_000);
    const { rows, note } = chartRows(figure.spec, table.rows);
    expect(rows.length).toBeLessThanOrEqual(2 * 4 * CHART_INTERVALS);
    for (const host of ["host 1", "host 2"]) {
      const all = table.rows.filter((r) => r.host === host);
      const kept = rows.filter((r) => r.host === host);
      expect(kept[0]).toBe(all[0]);
      expect(kept[kept.length - 1]).toBe(all[all.length - 1]);
      expect(Math.max(...kept.map((r) => r.window as number))).toBe(99);
      expect(Math.min(...kept.map((r) => r.window as number))).toBe(-5);
    }
    expect(note).toBe(
      `drawn from ${rows.length} of 40000 points: each line's first, last, lowest and highest point in each of 500 equal t_s intervals (the table has every point)`,
    );
    const svg = await renderFigureSvg(figure, [table]);
    expect(pathPoints(svg)).toBeLessThanOrEqual(rows.length);
    expect(pathPoints(svg)).toBeGreaterThan(2 * CHART_INTERVALS);
    expect(svg).toContain("drawn from");
  }, 60_000);

  it("draw short series, and charts that are not plain line charts, from every row, with the title as it was", async () => {
    const short = series(16, 4 * CHART_INTERVALS);
    expect(chartRows(figure.spec, short.rows).rows).toBe(short.rows);
    const long = series(1, 10_000);
    const points = { ...figure.spec, mark: { type: "point" } };
    expect(chartRows(points, long.rows).rows).toBe(long.rows);
    const filtered = { ...figure.spec, transform: [{ filter: "datum.window > 0" }] };
    expect(chartRows(filtered, long.rows).rows).toBe(long.rows);
    const svg = await renderFigureSvg(figure, [series(2, 300)]);
    expect(svg).not.toContain("drawn from");
    expect(pathPoints(svg)).toBe(600);
  }, 60_000);
});
