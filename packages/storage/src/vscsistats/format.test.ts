import { describe, expect, it } from "vitest";
import { characterizeTrace } from "../trace/characterize.js";
import { MsrReader } from "../trace/msr.js";
import { msrLine } from "../trace/msr-writer.js";
import { textSource } from "../trace/source.js";
import { VSCSI_HISTOGRAMS } from "./bins.js";
import { type FirstIoPolicy, VscsiStats } from "./collector.js";
import { formatEsxCsv, toJson } from "./format.js";
import { parseEsxCsv } from "./parse-esx.js";

/*
 * ESX's `vscsiStats -p all -c` print format, written out here from the
 * specification (issue 6 and the digest papers/04-disk-perf-vscsistats.md,
 * which checked it against a real ESXi printout): 16 histograms in this order,
 * with these bucket limits.
 */
const IO_LENGTH = [512, 1024, 2048, 4095, 4096, 8191, 8192, 16383, 16384, 32768, 49152, 65535, 65536, 81920, 131072, 262144, 524288];
const SEEK = [
  -500000, -100000, -50000, -10000, -5000, -1000, -500, -128, -64, -32, -16, -8, -6, -4, -2, -1, 0, 1, 2, 4, 6, 8, 16, 32, 64, 128, 500,
  1000, 5000, 10000, 50000, 100000, 500000,
];
const OUTSTANDING = [1, 2, 4, 6, 8, 12, 16, 20, 24, 28, 32, 64];
const MICROSECONDS = [1, 10, 100, 500, 1000, 5000, 15000, 30000, 50000, 100000];
const ESX_SPEC: [title: string, limits: number[]][] = [
  ["IO lengths of commands", IO_LENGTH],
  ["IO lengths of Read commands", IO_LENGTH],
  ["IO lengths of Write commands", IO_LENGTH],
  ["distance (in LBNs) between successive commands", SEEK],
  ["distance (in LBNs) between successive Read commands", SEEK],
  ["distance (in LBNs) between successive Write commands", SEEK],
  ["distance (in LBNs) between each command from the closest of previous 16", SEEK],
  ["latency of IOs in Microseconds (us)", MICROSECONDS],
  ["latency of Read IOs in Microseconds (us)", MICROSECONDS],
  ["latency of Write IOs in Microseconds (us)", MICROSECONDS],
  ["number of outstanding IOs when a new IO is issued", OUTSTANDING],
  ["number of outstanding Read IOs when a new Read IO is issued", OUTSTANDING],
  ["number of outstanding Write IOs when a new Write IO is issued", OUTSTANDING],
  ["latency of IO interarrival time in Microseconds (us)", MICROSECONDS],
  ["latency of IO interarrival time for Reads in Microseconds (us)", MICROSECONDS],
  ["latency of IO interarrival time for Writes in Microseconds (us)", MICROSECONDS],
];

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

/**
 * Six IOs whose every histogram sample is worked out by hand below
 * (µs; an IO is outstanding over [issue, issue + latency)):
 *
 *   #  issue  type  LBNs         bytes  latency  done
 *   1      0  R     0..7          4096      500    500
 *   2    100  W     1000..1015    8192      200    300
 *   3    200  R     8..15         4096     1000   1200
 *   4   1300  R     5000          512        50   1350
 *   5   1400  W     1016..1022    3584    20000  21400
 *   6   1500  W     1000..1007    4096        5   1505
 */
function handStream(firstIo: FirstIoPolicy): VscsiStats {
  const us = 1000;
  const lines = [
    msrLine(0, "h", 0, true, 0 * 512, 4096, 500 * us),
    msrLine(100 * us, "h", 0, false, 1000 * 512, 8192, 200 * us),
    msrLine(200 * us, "h", 0, true, 8 * 512, 4096, 1000 * us),
    msrLine(1300 * us, "h", 0, true, 5000 * 512, 512, 50 * us),
    msrLine(1400 * us, "h", 0, false, 1016 * 512, 3584, 20000 * us),
    msrLine(1500 * us, "h", 0, false, 1000 * 512, 4096, 5 * us),
  ];
  const stats = new VscsiStats({ firstIo });
  characterizeTrace(new MsrReader(textSource(lines.join("")), { name: "hand.csv" }), stats);
  return stats;
}

/** Counts per bucket from {limit: count} (key "overflow" for the last row). */
function rows(limits: number[], at: Record<string, number>): number[] {
  const counts = limits.map((l) => at[String(l)] ?? 0);
  counts.push(at.overflow ?? 0);
  expect(Object.keys(at).every((k) => k === "overflow" || limits.includes(Number(k)))).toBe(true);
  return counts;
}

describe("ESX CSV print format", () => {
  it("prints ESX's 16 titles, in ESX's order, with ESX's bucket limits (the last one twice: the overflow row)", () => {
    const blocks = parseEsxCsv(formatEsxCsv(sampleStats(), { worldGroupId: 2099979, handleId: 8194 }));
    expect(blocks.map((b) => b.title)).toEqual(ESX_SPEC.map(([title]) => title));
    for (const [i, b] of blocks.entries()) expect(b.limits, b.title).toEqual([...ESX_SPEC[i][1], ESX_SPEC[i][1].at(-1)]);
    expect(SEEK).toHaveLength(33); // 34 rows with the overflow
    // The JSON output and the scenario tables use the same catalogue.
    expect(VSCSI_HISTOGRAMS.map((s) => [s.title, [...s.limits]])).toEqual(ESX_SPEC);
  });

  it("lays out each block as ESX does: title line, min/max/mean/count, the Frequency header, one row per bucket", () => {
    const text = formatEsxCsv(sampleStats(), { worldGroupId: 7, handleId: 8194, diskName: "scsi0:1" });
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    let at = 0;
    for (const [title, limits] of ESX_SPEC) {
      expect(lines[at++]).toBe(`Histogram: ${title},virtual machine worldGroupID,7,virtual disk handleID,8194 (scsi0:1)`);
      for (const field of ["min", "max", "mean", "count"]) expect(lines[at++]).toMatch(new RegExp(`^${field},-?\\d+$`));
      expect(lines[at++]).toBe("Frequency,Histogram Bucket Limit");
      for (const limit of [...limits, limits.at(-1)]) expect(lines[at++]).toMatch(new RegExp(`^\\d+,${limit}$`));
    }
    expect(at).toBe(lines.length);
  });

  it("prints the counts worked out by hand for a constructed IO stream (reads against the previous read, OIO counting the new IO)", () => {
    const blocks = parseEsxCsv(formatEsxCsv(handStream("skip")));
    expect(blocks).toHaveLength(16);
    const expected: [min: number, max: number, mean: number, at: Record<string, number>][] = [
      // IO lengths: 4096, 8192, 4096, 512, 3584 (≤ 4095), 4096; mean 24576 / 6.
      [512, 8192, 4096, { 512: 1, 4095: 1, 4096: 3, 8192: 1 }],
      [512, 4096, 2901, { 512: 1, 4096: 2 }], // reads: 4096, 4096, 512
      [3584, 8192, 5290, { 4095: 1, 4096: 1, 8192: 1 }], // writes: 8192, 3584, 4096
      // Seek = first LBN − previous IO's last LBN: 1000−7, 8−1015, 5000−15, 1016−5000, 1000−1022 (the first IO: none).
      [-3984, 4985, 193, { "-1000": 2, "-16": 1, 1000: 1, 5000: 1 }],
      [1, 4985, 2493, { 1: 1, 5000: 1 }], // reads against the previous read: 8−7, 5000−15
      [-22, 1, -10, { "-16": 1, 1: 1 }], // writes against the previous write: 1016−1015, 1000−1022 (mean −10.5 → −10)
      // Closest of the previous (up to 16): 993; 1 (IO 1); 3985 (IO 2); 1 (IO 2); −15 (IO 2).
      [-15, 3985, 993, { "-8": 1, 1: 2, 1000: 1, 5000: 1 }],
      [5, 20000, 3625, { 10: 1, 100: 1, 500: 2, 1000: 1, 30000: 1 }], // latency: 500, 200, 1000, 50, 20000, 5
      [50, 1000, 516, { 100: 1, 500: 1, 1000: 1 }],
      [5, 20000, 6735, { 10: 1, 500: 1, 30000: 1 }],
      // Outstanding at issue, counting the new IO: 1, 2 (IO 1 till 500), 3, 1, 1, 2 (IO 5 till 21400).
      [1, 3, 1, { 1: 3, 2: 2, 4: 1 }],
      [1, 2, 1, { 1: 2, 2: 1 }], // reads among reads: 1, 2, 1
      [1, 2, 1, { 1: 2, 2: 1 }], // writes among writes: 1, 1, 2
      [100, 1100, 300, { 100: 4, 5000: 1 }], // interarrival: 100, 100, 1100, 100, 100
      [200, 1100, 650, { 500: 1, 5000: 1 }], // reads since the previous read: 200, 1100
      [100, 1300, 700, { 100: 1, 5000: 1 }], // writes since the previous write: 1300, 100
    ];
    blocks.forEach((b, i) => {
      const [min, max, mean, at] = expected[i];
      const counts = rows(ESX_SPEC[i][1], at);
      expect({ title: b.title, min: b.min, max: b.max, mean: b.mean, count: b.count, counts: b.counts }).toEqual({
        title: ESX_SPEC[i][0],
        min,
        max,
        mean,
        count: counts.reduce((x, y) => x + y, 0),
        counts,
      });
    });
    // As in an ESX printout (which measures the first IO against earlier state): with firstIo "zero",
    // the Read and Write histograms add up to the total in every histogram but closest-of-16.
    const zero = parseEsxCsv(formatEsxCsv(handStream("zero")));
    for (const base of [0, 3, 7, 10, 13]) {
      expect(zero[base + 1].count + zero[base + 2].count).toBe(zero[base].count);
      expect(zero[base].count).toBe(6);
    }
    // IO length and latency depend on the IO alone: Read + Write = total in every bucket.
    for (const base of [0, 7]) {
      expect(zero[base].counts).toEqual(zero[base].counts.map((_, k) => zero[base + 1].counts[k] + zero[base + 2].counts[k]));
    }
    // The first read (LBN 0) and first write (LBN 1000) measured against LBN 0: buckets 0 and 1000.
    expect(zero[4].counts[SEEK.indexOf(0)]).toBe(1);
    expect(zero[5].counts[SEEK.indexOf(1000)]).toBe(1);
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

  // The JSON's mean is ESX's integer one: a mean of 762.5 µs read 762, and nothing gave back the half.
  it("toJson gives each histogram's sum, so sum / count is the exact mean the printed one truncates", () => {
    const s = new VscsiStats({ firstIo: "zero" });
    s.issueUntracked(0, 0, 8, 4096, true);
    s.issueUntracked(1_000, 100, 8, 512, true);
    const io = toJson(s).histograms.find((h) => h.metric === "ioLength" && h.split === "all")!;
    expect([io.count, io.mean, io.sum]).toEqual([2, 2304, 4608]);
    const arrivals = toJson(s).histograms.find((h) => h.metric === "interarrival" && h.split === "all")!;
    // Interarrival 0 (the first IO, policy "zero") and 1 µs: mean 0.5, printed 0.
    expect([arrivals.count, arrivals.mean, arrivals.sum / arrivals.count]).toEqual([2, 0, 0.5]);
  });

  // The JSON's units are what a consumer converts by; mutation testing found that any of the 16 could be blanked with
  // no test failing.
  it("toJson names each histogram's unit: bytes, LBNs (512-byte sectors), IOs and µs", () => {
    const units = toJson(new VscsiStats()).histograms.map((h) => `${h.metric}/${h.split}: ${h.unit}`);
    expect(units).toEqual([
      "ioLength/all: bytes",
      "ioLength/reads: bytes",
      "ioLength/writes: bytes",
      "seekDistance/all: LBNs",
      "seekDistance/reads: LBNs",
      "seekDistance/writes: LBNs",
      "seekDistanceClosest16/all: LBNs",
      "latency/all: us",
      "latency/reads: us",
      "latency/writes: us",
      "outstandingIOs/all: IOs",
      "outstandingIOs/reads: IOs",
      "outstandingIOs/writes: IOs",
      "interarrival/all: us",
      "interarrival/reads: us",
      "interarrival/writes: us",
    ]);
  });

  it("rejects a garbled printout naming the line", () => {
    expect(() => parseEsxCsv("Histogram: x\nmin,abc\n", "p.csv")).toThrow(/p\.csv:2: "abc" is not an integer/);
  });

  it("toJson reports the IOs counted, the first-IO policy and the IOs issued before the IO ahead of them", () => {
    const s = new VscsiStats({ firstIo: "zero" });
    s.issueUntracked(0, 0, 8, 4096, true);
    s.issueUntracked(5_000, 8, 8, 4096, true);
    s.issueUntracked(2_000, 16, 8, 4096, false); // earlier than the IO before it: interarrival 0, out of order
    const j = toJson(s);
    expect([j.ios, j.firstIo, j.outOfOrder]).toEqual([3, "zero", 1]);
  });
});
