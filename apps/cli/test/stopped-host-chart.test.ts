import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

describe("parda-demand-change's latency chart (Fig. 9)", () => {
  it("ends a stopped host's line where its IOs end, instead of drawing it at 0 ms", async () => {
    const out = join(scratchDir("vmlab-stopped-host-"), "out");
    const r = await runCli("run", "parda-demand-change", "--quick", "--out", out);
    expect(r.code).toBe(0);
    const svg = readFileSync(join(out, "demand-change-latency_ms.svg"), "utf8");
    const lines = [...svg.matchAll(/aria-roledescription="line mark" d="([^"]*)"/g)].map((m) => m[1]);
    expect(lines.length).toBeGreaterThan(0);
    // Each panel is 300 px high with latency from 0 ms at the bottom: a point at y = 300 is a sample drawn at 0 ms.
    const points = lines.flatMap((d) => [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => Number(m[2])));
    expect(points.length).toBeGreaterThan(100);
    expect(points.filter((y) => y >= 300)).toEqual([]);
    // The CSV holds an empty cell there (null in results.json), not 0.
    const csv = readFileSync(join(out, "time-series.csv"), "utf8").trim().split("\n");
    expect(csv.some((l) => /,host 6,[\d.]+,0,$/.test(l))).toBe(true);
    expect(csv.some((l) => /,host 6,[\d.]+,0,0$/.test(l))).toBe(false);
  });
});
