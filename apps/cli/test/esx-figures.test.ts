import { plugin } from "@vmlab/storage/plugin";
import { describe, expect, it } from "vitest";
import { renderFigureSvg } from "../src/render/charts.js";
import { runQuick } from "./run-quick.js";

/** The y axes of a rendered chart, as Vega describes them: "… with values from A to B". */
function yDomains(svg: string): [number, number][] {
  return [...svg.matchAll(/aria-label="Y-axis titled '[^']*' for a linear scale with values from ([-\d.e]+) to ([-\d.e]+)"/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
}

/** A short esx-disk-perf run of one local-disk cell (random reads at 1 OIO) per IO size in `ioSizesBytes`. */
async function smallGrid(ioSizesBytes: number[]) {
  const scenario = plugin.scenarios.find((s) => s.id === "esx-disk-perf")!;
  return runQuick(scenario, {
    storage: ["local"],
    ioSizesBytes,
    outstandingIos: [1],
    readPercents: [100],
    randomPercents: [100],
    durationMs: 20,
    warmupMs: 5,
  });
}

/** esx-disk-perf's chart `name`, and a run's grid table with its two cells' ratios set to `ratios`. */
async function chartWith(ratios: [number, number], name = "vm-native-ratio") {
  const r = await smallGrid([4096, 8192]);
  const figure = r.figures.find((f) => f.name === name)!;
  const grid = r.tables.find((t) => t.name === figure.table)!;
  expect(grid.rows).toHaveLength(2);
  const rows = grid.rows.map((row, i) => ({ ...row, vmToNativeThroughput: ratios[i] }));
  const warnings: string[] = [];
  const svg = await renderFigureSvg(figure, [{ ...grid, rows }], (m) => warnings.push(m));
  // Vega-Lite warned on stderr of every run that the line's and its points' (equal) y domains "conflict".
  expect(warnings).toEqual([]);
  return svg;
}

describe("esx-disk-perf's VM/native chart, rendered", () => {
  it("spans 0 to at least 1.1 however close to native the cells are", async () => {
    const domains = yDomains(await chartWith([0.35, 0.9]));
    expect(domains.length).toBeGreaterThan(0);
    for (const [lo, hi] of domains) {
      expect(lo).toBe(0);
      expect(hi).toBeGreaterThanOrEqual(1.1);
    }
  });

  it("takes in a cell where the VM beat native: its point is drawn inside the panel, not above it", async () => {
    // The y scale was fixed at [0, 1.1]: a ratio of 1.25 (a cell of a few IOs each way) was drawn above the panel's top.
    const domains = yDomains(await chartWith([0.9, 1.25]));
    expect(domains.length).toBeGreaterThan(0);
    for (const [, hi] of domains) expect(hi).toBeGreaterThanOrEqual(1.25);
  });

  // The legends named the table's columns: nativeMBps, vmMBps, nativeCpuUsPerIo, ….
  it.each(["throughput", "cpu-per-io", "latency-vs-oio"])("%s: the legend says native and VM", async (name) => {
    const svg = await chartWith([0.5, 0.9], name);
    expect(svg).toMatch(/legend titled 'run' for [a-z ]+ with 2 values: native, VM"/);
  });
});

/** The x axes' labels of a rendered chart, with whether each is drawn (Vega hides an overlapping one: opacity 0). */
function xLabels(svg: string): { text: string; shown: boolean }[][] {
  return svg
    .split(/aria-label="X-axis titled '/)
    .slice(1)
    .map((part) =>
      [...part.slice(0, part.indexOf("role-axis-domain")).matchAll(/opacity="([\d.]+)">([^<]*)<\/text>/g)].map((m) => ({
        text: m[2],
        shown: m[1] !== "0",
      })),
    );
}

describe("esx-disk-perf's IO size axes, rendered", () => {
  it("label the smallest and the largest IO size of the grid, in B and KiB, and hide none of their labels", async () => {
    // Vega chose powers of 2 and hid what overlapped: a 512 B – 256 KiB axis ended at "32,768", the largest sizes unlabelled.
    const r = await smallGrid([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]);
    for (const name of ["vm-native-ratio", "throughput", "cpu-per-io"]) {
      const figure = r.figures.find((f) => f.name === name)!;
      const axes = xLabels(await renderFigureSvg(figure, r.tables));
      expect(axes.length, name).toBeGreaterThan(0);
      for (const labels of axes) {
        expect(
          labels.every((l) => l.shown),
          `${name}: ${JSON.stringify(labels)}`,
        ).toBe(true);
        expect(labels[0].text, name).toBe("512 B");
        expect(labels[labels.length - 1].text, name).toBe("256 KiB");
        expect(labels.length, name).toBeGreaterThanOrEqual(3);
      }
    }
  });
});
