import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { plugin } from "@vmlab/storage/plugin";
import { describe, expect, it } from "vitest";
import { renderFigureSvg } from "../src/render/charts.js";
import { runQuick } from "./run-quick.js";
import { scratchDir } from "./scratch.js";

/** The x axes of a rendered chart: each one's title and its labels' x positions, left to right. */
function xAxes(svg: string): { title: string; labelXs: number[] }[] {
  const axes: { title: string; labelXs: number[] }[] = [];
  // Vega names each axis in its aria-label; its labels are the role-axis-label texts that follow it.
  const parts = svg.split(/aria-label="X-axis titled '/).slice(1);
  for (const part of parts) {
    const title = part.slice(0, part.indexOf("'"));
    const labels = part.slice(0, part.indexOf("role-axis-domain"));
    const labelXs = [...labels.matchAll(/<text text-anchor="end" transform="translate\(([-\d.e]+),[-\d.e]+\) rotate\(300\)/g)].map((m) =>
      Number(m[1]),
    );
    axes.push({ title, labelXs });
  }
  return axes;
}

describe("vscsistats-characterize's figures, rendered", () => {
  it("every panel's x axis names its histogram and unit, and its bucket labels (34 for seek distances) do not overlap", async () => {
    // The six panels shared one x title, "bucket limit (≤)", with no unit; and the seek-distance panels drew 34 labels
    // of 10 px type in 220 px, 6.5 px apart, one on top of the next.
    const scenario = plugin.scenarios.find((s) => s.id === "vscsistats-characterize")!;
    const r = await runQuick(scenario, { durationMs: 200, traceMaxIos: 200 });
    const trace = r.figures.find((f) => f.name === "histograms-trace-file")!;
    const axes = xAxes(await renderFigureSvg(trace, r.tables));
    expect(axes.map((a) => a.title)).toEqual([
      "IO length, bytes (bucket limit ≤)",
      "seek distance, LBNs (bucket limit ≤)",
      "seek distance from the closest of the previous 16, LBNs (bucket limit ≤)",
      "latency, µs (bucket limit ≤)",
      "outstanding IOs at issue, IOs (bucket limit ≤)",
      "interarrival time, µs (bucket limit ≤)",
    ]);
    // Every bucket drawn, the overflow one too; a rotated 10 px label needs 10 / sin 60° ≈ 11.5 px of axis.
    expect(axes.map((a) => a.labelXs.length)).toEqual([18, 34, 34, 11, 13, 11]);
    for (const a of axes) {
      const gaps = a.labelXs.slice(1).map((x, i) => x - a.labelXs[i]);
      expect(Math.min(...gaps), a.title).toBeGreaterThanOrEqual(11.5);
    }
  });
  it("the histograms ESX splits draw all IOs, reads and writes side by side, each series in its colour and named in the legend", async () => {
    // The Read and Write histograms were only in histograms.csv: each panel drew its all-IOs bars alone.
    const scenario = plugin.scenarios.find((s) => s.id === "vscsistats-characterize")!;
    const r = await runQuick(scenario, { durationMs: 200, traceMaxIos: 400 });
    const svg = await renderFigureSvg(r.figures.find((f) => f.name === "histograms-trace-file")!, r.tables);
    const legend = [...svg.matchAll(/role-legend-label"[^>]*><text[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(legend).toEqual(["all IOs", "Read commands", "Write commands"]);
    // Each IO-length bar: its bucket, its share and its series, as Vega labels it, and its colour.
    const bars = [
      ...svg.matchAll(
        /<path aria-label="IO length, bytes \(bucket limit ≤\): ([^"]+?); share of the series' IOs: ([\d.]+)%; split: (\w+)"[^>]* fill="([^"]+)"/g,
      ),
    ];
    const colour = { all: "#8c8c8c", reads: "#1f77b4", writes: "#e6550d" } as Record<string, string>;
    for (const [, , , split, fill] of bars) expect(fill, split).toBe(colour[split]);
    // Every bucket has its three bars, each the share the histograms table gives that series' bucket.
    const rows = r.tables.find((t) => t.name === "histograms")!.rows.filter((x) => x.workload === "trace-file" && (x.order as number) <= 2);
    expect(bars.length).toBe(rows.length);
    for (const [, limit, pct, split] of bars) {
      // The overflow bucket's ">524288", escaped in the SVG.
      const row = rows.find((x) => x.limit === limit.replace("&gt;", ">") && x.split === split)!;
      expect(Number(pct) / 100, `${split} ${limit}`).toBeCloseTo(row.fraction as number, 6);
    }
    // The trace's reads and writes differ: a swapped series would not match its row.
    const share = (split: string) => rows.find((x) => x.limit === "4095" && x.split === split)!.fraction;
    expect(share("reads")).not.toBe(share("writes"));
  });
  it("a histogram the trace does not record draws an axis of 0 to 1%, and the split panels' buckets stand apart", async () => {
    // A fio log records no response or issue times: its latency, OIO and interarrival panels are all 0, and each
    // drew a y axis of one tick, "0.000000%". And a bucket's three bars touched the next bucket's, so a Write bar
    // whose Read bar was absent stood against the next bucket's slanted label.
    const dir = scratchDir("vmlab-fio-fig-");
    const file = join(dir, "t.iolog");
    writeFileSync(
      file,
      "fio version 2 iolog\n/dev/sdb add\n/dev/sdb open\n/dev/sdb read 0 4096\n/dev/sdb write 16384 8192\n/dev/sdb close\n",
    );
    const scenario = plugin.scenarios.find((s) => s.id === "vscsistats-characterize")!;
    const r = await runQuick(scenario, { durationMs: 200, traceFile: file });
    const svg = await renderFigureSvg(r.figures.find((f) => f.name === "histograms-trace-file")!, r.tables);
    const yAxes = [...svg.matchAll(/aria-label="Y-axis titled '[^"]*?' for a linear scale with values from ([^ ]+) to ([^"]+)"/g)].map(
      (m) => `${m[1]}–${m[2]}`,
    );
    // IO length, seek distance, closest of 16: recorded; latency, OIO, interarrival: not.
    expect(yAxes.slice(3)).toEqual(["0.0%–1.0%", "0.0%–1.0%", "0.0%–1.0%"]);
    // The IO-length panel's all-IOs bars, one a bucket: a gap of at least a bar's width between a bucket's three bars
    // and the next bucket's.
    const xs = [...svg.matchAll(/<path aria-label="IO length[^"]*split: all"[^>]* d="M([\d.]+),[\d.]+h([\d.]+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(xs.length).toBe(18);
    const [, bar] = xs[0];
    for (let i = 1; i < xs.length; i++) expect(xs[i][0] - xs[i - 1][0] - 3 * bar, `bucket ${i}`).toBeGreaterThanOrEqual(bar);
  });
});
