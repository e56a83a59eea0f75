import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FirstIoPolicy, VscsiStats } from "../vscsistats/collector.js";
import { histogramOf, toJson } from "../vscsistats/format.js";
import { characterizeTrace } from "./characterize.js";
import { MsrReader } from "./msr.js";
import { msrLine } from "./msr-writer.js";
import { textSource } from "./source.js";

/** An IO of a test trace: issued at `us` µs, a read or a write. */
type At = [us: number, kind: "R" | "W"];

/** MSR Cambridge CSV of 4 KiB IOs at the given times (in this order), each taking 10 µs, at an offset set by the time (so sorting moves it along). */
const msr = (ios: readonly At[]) => ios.map(([us, kind]) => msrLine(us * 1000, "h", 0, kind === "R", us * 8192, 4096, 10_000)).join("");

function characterize(ios: readonly At[], reorderWindow: number, firstIo: FirstIoPolicy = "skip") {
  const stats = new VscsiStats({ firstIo });
  const summary = characterizeTrace(new MsrReader(textSource(msr(ios)), { name: "t.csv" }), stats, { reorderWindow });
  const json = toJson(stats);
  const interarrival = (split: "all" | "reads" | "writes") => {
    const h = histogramOf(json, "interarrival", split);
    return { count: h.count, min: h.min, max: h.max, mean: h.mean, counts: h.counts.slice(0, 4) }; // ≤1, ≤10, ≤100, ≤500 µs
  };
  return { stats, summary, json, all: interarrival("all"), reads: interarrival("reads"), writes: interarrival("writes") };
}

/** A trace written as "0R 100W 300R": issue times in µs, each followed by R (read) or W (write), in file order. */
const ios = (text: string): At[] => text.split(" ").map((io): At => [Number(io.slice(0, -1)), io.endsWith("R") ? "R" : "W"]);
const sorted = (trace: readonly At[]) => [...trace].sort((a, b) => a[0] - b[0]);

describe("a late IO does not move the interarrival clock back (docs/vscsistats.md, records out of issue order)", () => {
  // Issued at 0, 100 (the write), 200, 250, 300, 400 µs; in the file 200 and 250 come after 300.
  const trace = ios("0R 100W 300R 200R 250R 400R");

  it("--reorder-window 0: each IO issued before one already characterized counts 0 µs, and the next is measured from the latest issue", () => {
    const r = characterize(trace, 0);
    // All IOs: 100, 200, 0 (200 after 300), 0 (250 after 300), 100 (400 after 300 — not 150 after 250).
    expect(r.all).toEqual({ count: 5, min: 0, max: 200, mean: 80, counts: [2, 0, 2, 1] });
    // Reads: 300 (0 → 300), 0, 0, 100 (400 after 300).
    expect(r.reads).toEqual({ count: 4, min: 0, max: 300, mean: 100, counts: [2, 0, 1, 1] });
    // The samples add up to the span from the first IO to the latest, as in issue order: the same means.
    const inOrder = characterize(sorted(trace), 0);
    expect([r.all.mean, r.reads.mean]).toEqual([inOrder.all.mean, inOrder.reads.mean]);
    // Both IOs got their 0 µs for coming after 300: both are late, and the collector counts both.
    expect(r.summary).toMatchObject({ late: 2, firstLate: 4, reordered: 0, firstOutOfOrder: 4 });
    expect(r.stats.outOfOrder).toBe(2);
  });

  it("a record later than a window of 1 counts 0 µs, and the IO after it is measured from the latest issue", () => {
    // 200 comes after 300 and 400: a window of 1 hands 300 on before 200 arrives.
    const late = ios("0R 100W 300R 400R 200R 500R");
    const r = characterize(late, 1);
    // Characterized 0, 100, 300, 200 (late), 400, 500. All: 100, 200, 0, 100 (400 after 300, not 200 after 200), 100.
    expect(r.all).toEqual({ count: 5, min: 0, max: 200, mean: 100, counts: [1, 0, 3, 1] });
    // Reads: 300, 0, 100, 100.
    expect(r.reads).toEqual({ count: 4, min: 0, max: 300, mean: 125, counts: [1, 0, 2, 1] });
    const inOrder = characterize(sorted(late), 0);
    expect([r.all.mean, r.reads.mean]).toEqual([inOrder.all.mean, inOrder.reads.mean]);
    expect(r.summary).toMatchObject({ late: 1, firstLate: 5, reordered: 0 });
    expect(r.stats.outOfOrder).toBe(1);
  });

  it("property: the interarrival samples add up to the time from the first IO characterized to the latest, one per IO after the first", () => {
    const traces = fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.constantFrom<"R" | "W">("R", "W")), {
      minLength: 1,
      maxLength: 60,
    });
    fc.assert(
      fc.property(traces, fc.integer({ min: 0, max: 6 }), (trace, window) => {
        const r = characterize(trace, window);
        // Whole µs: no truncation. The first IO characterized is the earliest of the first window + 1 records.
        const first = Math.min(...trace.slice(0, window + 1).map(([us]) => us));
        const latest = Math.max(...trace.map(([us]) => us));
        expect(r.stats.interarrival[0].sum).toBe(latest - first);
        expect(r.all.count).toBe(trace.length - 1);
        // Every IO that got a 0 µs for coming after a later-issued one is counted as late, and only those.
        expect(r.stats.outOfOrder).toBe(r.summary.late);
      }),
      { numRuns: 200 },
    );
  });
});

describe("--first-io zero: time 0 is the earliest record's time among those the reorder window sorts", () => {
  it("a write issued 60 µs before the file's first record, later in the file: characterized first, at time 0, as in the sorted file", () => {
    const trace = ios("100R 40W 300R");
    const r = characterize(trace, 4096, "zero");
    expect(r.summary).toMatchObject({ reordered: 1, late: 0, firstOutOfOrder: 2 });
    // Nothing came after a later-issued IO: the collector saw nothing out of order either.
    expect(r.stats.outOfOrder).toBe(0);
    // The write is the trace's first IO (0 µs from time 0); the first read comes 60 µs after it, the second 200 µs later.
    expect(r.all).toMatchObject({ count: 3, min: 0, max: 200 });
    expect(r.reads).toMatchObject({ count: 2, min: 60, max: 200 });
    expect(r.writes).toMatchObject({ count: 1, min: 0, max: 0 });
    expect(r.json).toEqual(characterize(sorted(trace), 0, "zero").json);
  });

  it("property: a trace shuffled within the window gives the histograms of the sorted trace, with no IO out of order", () => {
    const shuffled = fc
      .record({
        times: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 40 }),
        kinds: fc.array(fc.constantFrom<"R" | "W">("R", "W"), { minLength: 40, maxLength: 40 }),
        window: fc.integer({ min: 1, max: 8 }),
        seed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
      })
      .map(({ times, kinds, window, seed }) => {
        const inOrder = [...times].sort((a, b) => a - b).map((us, i): At => [us, kinds[i]]);
        // Record i moves to key i + offset, offset in [0, window]: fewer than `window` later-issued records pass any record.
        const trace = inOrder
          .map((io, i) => ({ io, key: i + (seed[i] % (window + 1)) }))
          .sort((a, b) => a.key - b.key)
          .map((e) => e.io);
        return { trace, inOrder, window };
      });
    fc.assert(
      fc.property(shuffled, ({ trace, inOrder, window }) => {
        const r = characterize(trace, window, "zero");
        expect(r.summary.late).toBe(0);
        expect(r.stats.outOfOrder).toBe(0);
        expect(r.json).toEqual(characterize(inOrder, 0, "zero").json);
      }),
      { numRuns: 200 },
    );
  });
});
