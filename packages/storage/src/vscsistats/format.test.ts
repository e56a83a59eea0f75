import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VSCSI_HISTOGRAMS } from "./bins.js";
import { VscsiStats } from "./collector.js";
import { formatEsxCsv, toJson } from "./format.js";
import { parseEsxCsv } from "./parse-esx.js";

/** A real ESXi `vscsiStats -p all -c` printout (data/esx/SOURCE.md). */
const esxSample = readFileSync(new URL("../../data/esx/esxi-sample-vscsistats.csv", import.meta.url), "utf8");

function sampleStats(): VscsiStats {
  const s = new VscsiStats();
  let t = 0;
  for (let i = 0; i < 500; i++) {
    t += 1000 + ((i * 7919) % 50_000);
    const isRead = i % 3 === 0;
    s.issue(t, (i * 104729) % 1_000_000, 1 + (i % 16), (1 + (i % 16)) * 512, isRead);
    s.complete(50_000 + ((i * 31) % 100_000), isRead);
  }
  return s;
}

describe("ESX CSV print format", () => {
  it("has the same 16 titles, in the same order, with the same bucket limits as a real ESXi printout", () => {
    const real = parseEsxCsv(esxSample);
    const ours = parseEsxCsv(formatEsxCsv(sampleStats(), { worldGroupId: 2099979, handleId: 8194 }));
    expect(real).toHaveLength(16);
    expect(ours.map((b) => b.title)).toEqual(real.map((b) => b.title));
    expect(ours.map((b) => b.limits)).toEqual(real.map((b) => b.limits));
    expect(real.map((b) => b.title)).toEqual(VSCSI_HISTOGRAMS.map((s) => s.title));
  });

  it("the real printout obeys the rules we implement: row counts add up to count; reads + writes = all", () => {
    const real = parseEsxCsv(esxSample);
    for (const b of real) expect(b.counts.reduce((x, y) => x + y, 0)).toBe(b.count);
    for (const base of [0, 3, 7, 10, 13]) expect(real[base + 1].count + real[base + 2].count).toBe(real[base].count);
    expect(real[10].min).toBe(1); // outstanding IOs count the IO being issued
  });

  it("prints the header line, summary lines and the repeated last limit for the overflow row", () => {
    const text = formatEsxCsv(sampleStats(), { worldGroupId: 7, handleId: 8194, diskName: "scsi0:1" });
    const lines = text.split("\n");
    expect(lines[0]).toBe("Histogram: IO lengths of commands,virtual machine worldGroupID,7,virtual disk handleID,8194 (scsi0:1)");
    expect(lines.slice(1, 6).map((l) => l.split(",")[0])).toEqual(["min", "max", "mean", "count", "Frequency"]);
    expect(lines[22]).toBe(lines[23].replace(/^\d+/, lines[22].split(",")[0])); // 524288 printed twice
    expect(text.endsWith("\n")).toBe(true);
  });

  it("round-trips: parsing our printout gives back the JSON histograms", () => {
    const s = sampleStats();
    const blocks = parseEsxCsv(formatEsxCsv(s));
    const json = toJson(s);
    blocks.forEach((b, i) => {
      const h = json.histograms[i];
      expect(b.counts).toEqual(h.counts);
      expect([b.min, b.max, b.mean, b.count]).toEqual([h.min, h.max, h.mean, h.count]);
    });
  });

  it("rejects a garbled printout naming the line", () => {
    expect(() => parseEsxCsv("Histogram: x\nmin,abc\n", "p.csv")).toThrow(/p\.csv:2: "abc" is not an integer/);
  });
});
