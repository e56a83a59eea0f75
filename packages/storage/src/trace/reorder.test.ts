import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VscsiStats } from "../vscsistats/collector.js";
import { histogramOf, toJson } from "../vscsistats/format.js";
import { characterizeTrace } from "./characterize.js";
import { MsrReader } from "./msr.js";
import { newTraceRecord, type TraceRecord, type TraceRecordSource } from "./record.js";
import { DEFAULT_REORDER_WINDOW, ReorderWindow } from "./reorder.js";
import { textSource } from "./source.js";

type Io = Omit<TraceRecord, "line">;

/** A source over records in memory; `line` is the 1-based position in the array. */
function arraySource(ios: readonly Io[]): TraceRecordSource {
  let i = 0;
  return {
    next(rec) {
      if (i === ios.length) return false;
      Object.assign(rec, ios[i]);
      rec.line = ++i;
      return true;
    },
  };
}

function characterize(ios: readonly Io[], reorderWindow?: number) {
  const stats = new VscsiStats();
  const summary = characterizeTrace(arraySource(ios), stats, reorderWindow === undefined ? {} : { reorderWindow });
  return { stats, summary, json: JSON.stringify(toJson(stats)) };
}

/** Stable sort by issue time: ties keep the order given, as the window keeps ties in file order. */
const sortedByIssue = (ios: readonly Io[]) => ios.map((io, i) => ({ io, i })).sort((a, b) => a.io.issueNs - b.io.issueNs || a.i - b.i);

/** The most records before any record that were issued strictly later than it: how far the stream is out of order. */
function displacement(ios: readonly Io[]): number {
  let most = 0;
  for (let i = 0; i < ios.length; i++) {
    let later = 0;
    for (let j = 0; j < i; j++) if (ios[j].issueNs > ios[i].issueNs) later++;
    most = Math.max(most, later);
  }
  return most;
}

const io: fc.Arbitrary<Io> = fc.record({
  issueNs: fc.integer({ min: 0, max: 2000 }).map((us) => us * 1000), // coarse times: ties happen
  lba: fc.integer({ min: 0, max: 1 << 20 }),
  bytes: fc.constantFrom(512, 4096, 8192, 65536),
  sectors: fc.constant(0),
  isRead: fc.boolean(),
  responseNs: fc.oneof(
    fc.constant(-1),
    fc.integer({ min: 0, max: 300 }).map((us) => us * 1000),
  ),
});
const fixSectors = (x: Io): Io => ({ ...x, sectors: x.bytes / 512 });

/** A sorted stream shuffled so that no record comes after more than `window` records issued later than it. */
const shuffledWithin = fc
  .record({
    ios: fc.array(io, { minLength: 1, maxLength: 120 }),
    window: fc.integer({ min: 1, max: 12 }),
    seed: fc.array(fc.nat(), { minLength: 120, maxLength: 120 }),
  })
  .map(({ ios, window, seed }) => {
    const sorted = ios.map(fixSectors).sort((a, b) => a.issueNs - b.issueNs);
    // Record i goes to position key i + offset, offset in [0, window]: a record overtakes only records less than
    // `window` places behind it, so at most window - 1 later-issued records come before any record.
    const shuffled = sorted
      .map((x, i) => ({ x, key: i + (seed[i] % (window + 1)) }))
      .sort((a, b) => a.key - b.key)
      .map((e) => e.x);
    return { shuffled, window };
  });

describe("characterizeTrace's reorder window", () => {
  it("the issue's example: three MSR records out of timestamp order never had 3 IOs outstanding (at most 2)", () => {
    // 0: [0, 100 µs); 500 ticks = 50 µs: [50, 60); 200 ticks = 20 µs: [20, 25). In issue order at most 2 overlap.
    const text = "0,h,0,Read,0,4096,1000\n500,h,0,Read,8192,4096,100\n200,h,0,Read,16384,4096,50\n";
    const run = (reorderWindow?: number) => {
      const stats = new VscsiStats();
      const opts = reorderWindow === undefined ? {} : { reorderWindow };
      const summary = characterizeTrace(new MsrReader(textSource(text), { name: "t.csv" }), stats, opts);
      return { summary, json: toJson(stats), stats };
    };
    const sorted = run();
    expect(histogramOf(sorted.json, "outstandingIOs").max).toBe(2);
    expect(histogramOf(sorted.json, "interarrival").counts.slice(0, 4)).toEqual([0, 0, 2, 0]); // 20 µs, 30 µs: no 0 µs
    expect(sorted.stats.outOfOrder).toBe(0);
    expect(sorted.summary).toMatchObject({
      reorderWindow: DEFAULT_REORDER_WINDOW,
      reordered: 1,
      late: 0,
      firstLate: null,
      firstOutOfOrder: 3,
    });
    // Window 0 is the file's order, as before: the later-issued IO counts as outstanding, and a 0 µs interarrival.
    const fileOrder = run(0);
    expect(histogramOf(fileOrder.json, "outstandingIOs").max).toBe(3);
    expect(histogramOf(fileOrder.json, "interarrival").counts[0]).toBe(1);
    expect(fileOrder.summary).toMatchObject({ reorderWindow: 0, reordered: 0, late: 1, firstLate: 3, firstOutOfOrder: 3 });
  });

  it("property: a stream shuffled within the window gives exactly the histograms of the sorted stream", () => {
    fc.assert(
      fc.property(shuffledWithin, ({ shuffled, window }) => {
        expect(displacement(shuffled)).toBeLessThanOrEqual(window);
        const sorted = sortedByIssue(shuffled).map((e) => e.io);
        const ours = characterize(shuffled, window);
        expect(ours.json).toBe(characterize(sorted, 0).json);
        expect(ours.summary.late).toBe(0);
        expect(ours.stats.outOfOrder).toBe(0);
        // Reordered: the records issued earlier than some record before them in the file.
        let latest = Number.NEGATIVE_INFINITY;
        let outOfOrder = 0;
        for (const x of shuffled) {
          if (x.issueNs < latest) outOfOrder++;
          latest = Math.max(latest, x.issueNs);
        }
        expect(ours.summary.reordered).toBe(outOfOrder);
        // The default window (4,096) is far wider than these streams: the same.
        expect(characterize(shuffled).json).toBe(ours.json);
      }),
      { numRuns: 300 },
    );
  });

  it("property: records late by more than the window are still characterized, once each, and counted as late", () => {
    fc.assert(
      fc.property(fc.array(io, { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 6 }), (raw, window) => {
        const ios = raw.map(fixSectors);
        const { stats, summary } = characterize(ios, window);
        expect(stats.ios).toBe(ios.length);
        expect(histogramOf(toJson(stats), "ioLength").count).toBe(ios.length);
        expect(summary.ios).toBe(ios.length);
        // Every late IO is characterized after a later-issued one; the collector counts those issued earlier than the
        // latest IO before them (interarrival 0, the clock staying at the latest issue): exactly the late ones.
        expect(stats.outOfOrder).toBe(summary.late);
        expect(summary.late === 0).toBe(summary.firstLate === null);
        if (window === 0) expect(summary.reordered).toBe(0);
        // The window never reorders more records than a stream is out of order by.
        if (displacement(ios) <= window) expect(summary.late).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("a record late by more than the window is characterized where it came and named by its line", () => {
    const at = (us: number): Io => ({ issueNs: us * 1000, lba: 0, bytes: 512, sectors: 1, isRead: true, responseNs: 1000 });
    // 10 is preceded by three later-issued records: a window of 2 cannot put it first.
    const ios = [at(20), at(30), at(40), at(10), at(50), at(35)];
    const w2 = characterize(ios, 2);
    expect(w2.summary).toMatchObject({ reordered: 1, late: 1, firstLate: 4, firstOutOfOrder: 4 }); // 35 (line 6) is put in place
    expect(w2.stats.outOfOrder).toBe(1);
    const w3 = characterize(ios, 3);
    expect(w3.summary).toMatchObject({ reordered: 2, late: 0, firstLate: null, firstOutOfOrder: 4 });
    expect(w3.json).toBe(
      characterize(
        sortedByIssue(ios).map((e) => e.io),
        0,
      ).json,
    );
  });

  it("a record issued at the same time as the IO just characterized is put back in order, not late (ties keep file order)", () => {
    const at = (us: number, lba: number): Io => ({ issueNs: us * 1000, lba, bytes: 512, sectors: 1, isRead: true, responseNs: 1000 });
    // Window 1: 5 µs goes out when 10 µs comes in; the second 5 µs ties with it and, in file order, comes after it.
    const ios = [at(5, 100), at(10, 200), at(5, 300)];
    const w1 = characterize(ios, 1);
    expect(w1.summary).toMatchObject({ reordered: 1, late: 0, firstLate: null, firstOutOfOrder: 3 });
    expect(w1.stats.outOfOrder).toBe(0);
    expect(w1.json).toBe(characterize([ios[0], ios[2], ios[1]], 0).json);
  });

  it("maxIos counts records read, and the records held back are still characterized", () => {
    const at = (us: number): Io => ({ issueNs: us * 1000, lba: us, bytes: 512, sectors: 1, isRead: true, responseNs: -1 });
    const stats = new VscsiStats();
    const summary = characterizeTrace(arraySource([at(3), at(1), at(2), at(0)]), stats, { maxIos: 3, reorderWindow: 8 });
    expect(summary).toMatchObject({ ios: 3, reordered: 2, late: 0 });
    expect(stats.ios).toBe(3);
    expect(histogramOf(toJson(stats), "interarrival").count).toBe(2);
  });

  it("refuses a window that is not a whole number of records in range, naming the option", () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 21])
      expect(() => characterizeTrace(arraySource([]), new VscsiStats(), { reorderWindow: bad })).toThrow(
        /reorderWindow must be an integer from 0/,
      );
  });
});

describe("ReorderWindow", () => {
  it("hands records out by issue time, ties in arrival order, through its ring and heap", () => {
    const w = new ReorderWindow(8);
    const rec = newTraceRecord();
    const times = [5, 1, 5, 3, 9, 3, 7, 0];
    times.forEach((t, i) => {
      Object.assign(rec, { issueNs: t, line: i + 1 });
      w.push(rec);
    });
    const out = newTraceRecord();
    const got: [number, number][] = [];
    while (w.pop(out)) got.push([out.issueNs, out.line]);
    expect(got).toEqual([
      [0, 8],
      [1, 2],
      [3, 4],
      [3, 6],
      [5, 1],
      [5, 3],
      [7, 7],
      [9, 5],
    ]);
    expect(w.size).toBe(0);
  });
});
