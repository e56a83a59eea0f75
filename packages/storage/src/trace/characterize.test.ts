import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VscsiStats } from "../vscsistats/collector.js";
import { formatEsxCsv, histogramOf, toJson } from "../vscsistats/format.js";
import { characterizeTrace } from "./characterize.js";
import { FioReader } from "./fio.js";
import { MsrReader } from "./msr.js";
import { msrLine } from "./msr-writer.js";
import { openTraceFile } from "./open-file.js";
import { newTraceRecord } from "./record.js";
import { shippedTraceGenerator } from "./shipped.js";
import { textSource } from "./source.js";

const SHIPPED = new URL("../../data/traces/vmlab-synthetic.vscsi", import.meta.url).pathname;
const GOLDEN = new URL("../vscsistats/golden/vmlab-synthetic.esx.csv", import.meta.url).pathname;

function characterizeMsr(lines: string[], options: { reorderWindow?: number } = {}) {
  const stats = new VscsiStats();
  const summary = characterizeTrace(new MsrReader(textSource(lines.join("")), { name: "t.csv" }), stats, options);
  return { stats, summary, json: toJson(stats) };
}

describe("characterizeTrace", () => {
  it("derives outstanding IOs from overlapping [issue, issue + response) intervals and latency from the response time", () => {
    const us = 1000;
    const { json, summary } = characterizeMsr([
      msrLine(0, "h", 0, true, 0, 4096, 100 * us), // [0, 100)
      msrLine(10 * us, "h", 0, true, 4096, 4096, 100 * us), // [10, 110): 2 outstanding
      msrLine(20 * us, "h", 0, false, 8192, 4096, 30 * us), // [20, 50): 3 outstanding; first write
      msrLine(100 * us, "h", 0, true, 0, 4096, 5 * us), // the first completes exactly now: 2 outstanding (itself + the second)
      msrLine(200 * us, "h", 0, false, 0, 4096, 5 * us), // all done: 1
    ]);
    expect(summary).toMatchObject({ ios: 5, timedIos: 5, skipped: 0 });
    const oio = histogramOf(json, "outstandingIOs");
    expect(oio.counts.slice(0, 3)).toEqual([2, 2, 1]); // values 1, 2, 3, 2, 1 into buckets 1, 2, (2,4]
    expect(histogramOf(json, "outstandingIOs", "reads").max).toBe(2);
    expect(histogramOf(json, "outstandingIOs", "writes").max).toBe(1);
    const lat = histogramOf(json, "latency");
    expect([lat.count, lat.min, lat.max, lat.mean]).toEqual([5, 5, 100, 48]);
    expect(histogramOf(json, "interarrival").counts.slice(0, 5)).toEqual([0, 2, 2, 0, 0]); // 10, 10, 80, 100 µs
  });

  it("an IO recorded earlier than the trace's first one still counts as timed (latency, outstanding IOs, interarrival 0 and out of order)", () => {
    // MSR timestamps are relative to the first record, so a record 1 µs earlier gets issueNs = -1000 ns: a time, not "no clock".
    const lines = ["128166372003061629,h,0,Read,0,512,10\n", "128166372003061619,h,0,Read,4096,512,10\n"];
    // In the file's order (no reorder window), as the collector sees it:
    const { json, summary, stats } = characterizeMsr(lines, { reorderWindow: 0 });
    expect(summary).toMatchObject({ ios: 2, timedIos: 2 });
    expect(histogramOf(json, "latency").count).toBe(2);
    expect(histogramOf(json, "outstandingIOs").count).toBe(2);
    expect(histogramOf(json, "interarrival").counts[0]).toBe(1); // the second arrives "before" the first: recorded as 0 µs
    expect(stats.outOfOrder).toBe(1);
    expect(summary.firstOutOfOrder).toBe(2);
    // With the reorder window (the default), it is characterized first, 1 µs before the other: timed, in issue order.
    const sorted = characterizeMsr(lines);
    expect(sorted.summary).toMatchObject({ ios: 2, timedIos: 2, reordered: 1, late: 0, firstOutOfOrder: 2 });
    expect(histogramOf(sorted.json, "latency").count).toBe(2);
    expect(histogramOf(sorted.json, "interarrival").counts[0]).toBe(1); // 1 µs: the bucket ≤ 1
    expect(histogramOf(sorted.json, "interarrival").max).toBe(1);
    expect(sorted.stats.outOfOrder).toBe(0);
  });

  it("names the line of the first IO issued earlier than the one before it (null when times never go back)", () => {
    const line = (t: number) => `12816637200306${t},h,0,Read,0,512,10\n`;
    expect(characterizeMsr([line(1000), line(2000), line(3000), line(2500), line(1500)]).summary.firstOutOfOrder).toBe(4);
    expect(characterizeMsr([line(1000), line(1000), line(3000)]).summary.firstOutOfOrder).toBeNull();
    // In the file's order too, where each is characterized after a later-issued IO (late).
    const fileOrder = characterizeMsr([line(1000), line(2000), line(3000), line(2500), line(1500)], { reorderWindow: 0 }).summary;
    expect(fileOrder).toMatchObject({ firstOutOfOrder: 4, late: 2, firstLate: 4, reordered: 0 });
  });

  it("a fio iolog (IOs back to back, no issue times) gets no interarrival samples, not a column of 0 µs", () => {
    // fio replays the log back to back: the time between two IOs is the first one's service time, which the log does not
    // record (a wait line only adds a pause), so there is no interarrival to report.
    const log =
      "fio version 2 iolog\n/dev/sdb add\n/dev/sdb read 0 4096\n/dev/sdb read 4096 4096\n/dev/sdb wait 250 0\n/dev/sdb write 81920 4096\n";
    const stats = new VscsiStats();
    const summary = characterizeTrace(new FioReader(textSource(log), { name: "t.iolog" }), stats);
    expect(summary).toMatchObject({ ios: 3, timedIos: 0 });
    const json = toJson(stats);
    for (const split of ["all", "reads", "writes"] as const) expect(histogramOf(json, "interarrival", split).count, split).toBe(0);
    expect(histogramOf(json, "seekDistance").count).toBe(2); // the other histograms are there
    expect(histogramOf(json, "ioLength").count).toBe(3);
  });

  it("golden: the shipped trace prints exactly the committed ESX CSV", () => {
    const stats = new VscsiStats();
    const summary = characterizeTrace(openTraceFile(SHIPPED), stats);
    expect(summary).toMatchObject({ ios: 50_000, timedIos: 50_000, skipped: 0, ignored: 0 });
    // The file is in issue order: the reorder window moves nothing, so the golden is the file order's too.
    expect(summary).toMatchObject({ reorderWindow: 4096, firstOutOfOrder: null, reordered: 0, late: 0 });
    const csv = formatEsxCsv(stats, { diskName: "vmlab-synthetic.vscsi" });
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(GOLDEN)) writeFileSync(GOLDEN, csv);
    expect(csv).toBe(readFileSync(GOLDEN, "utf8"));
    const fileOrder = new VscsiStats();
    characterizeTrace(openTraceFile(SHIPPED), fileOrder, { reorderWindow: 0 });
    expect(formatEsxCsv(fileOrder, { diskName: "vmlab-synthetic.vscsi" })).toBe(csv);
    // Independent facts about the file, counted straight from its generator (see data/traces/SOURCE.md),
    // so the golden cannot drift unnoticed.
    const gen = shippedTraceGenerator();
    const rec = newTraceRecord();
    let reads = 0;
    let sumLatencyUs = 0;
    while (gen.next(rec)) {
      if (rec.isRead) reads++;
      sumLatencyUs += rec.responseNs / 1000;
    }
    const json = toJson(stats);
    expect(histogramOf(json, "ioLength").count).toBe(50_000);
    expect(histogramOf(json, "ioLength", "reads").count).toBe(reads);
    expect(reads).toBe(29_839);
    expect(histogramOf(json, "seekDistance").count).toBe(49_999); // the first IO has no predecessor
    const latency = histogramOf(json, "latency");
    expect(latency.count).toBe(50_000); // v2 records carry the response time
    expect(latency.mean).toBe(Math.trunc(sumLatencyUs / 50_000));
    expect(histogramOf(json, "outstandingIOs").max).toBeGreaterThan(16); // busy bursts queue up
  });

  it("maxIos characterizes exactly that many IOs, with or without a reorder window", () => {
    const lines = Array.from({ length: 10 }, (_, i) => msrLine(i * 1000, "h", 0, true, i * 4096, 4096, 500));
    for (const reorderWindow of [0, 4]) {
      const stats = new VscsiStats();
      const summary = characterizeTrace(new MsrReader(textSource(lines.join("")), { name: "t.csv" }), stats, { maxIos: 3, reorderWindow });
      expect([summary.ios, stats.ios, histogramOf(toJson(stats), "latency").count], `window ${reorderWindow}`).toEqual([3, 3, 3]);
    }
  });

  it("an IO whose recorded response time is 0 is timed: latency 0 us, and counted as outstanding", () => {
    // An MSR response under 100 ns is 0 ticks (a vscsi cache hit under 1 us, a blkparse C at its D's time): a
    // response time, not a missing one.
    const stats = new VscsiStats();
    const text = [msrLine(0, "h", 0, true, 0, 4096, 0), msrLine(10_000, "h", 0, true, 4096, 4096, 50_000)].join("");
    const summary = characterizeTrace(new MsrReader(textSource(text), { name: "t.csv" }), stats);
    expect(summary).toMatchObject({ ios: 2, timedIos: 2 });
    const latency = histogramOf(toJson(stats), "latency");
    expect([latency.count, latency.min, latency.counts[0]]).toEqual([2, 0, 1]);
  });
});
