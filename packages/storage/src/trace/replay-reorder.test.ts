import { Rng, Simulation } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BlkparseReader } from "./blkparse.js";
import { FioReader } from "./fio.js";
import { FixedLatencyTarget } from "./fixed-latency-target.test-support.js";
import { MsrReader } from "./msr.js";
import { msrLine } from "./msr-writer.js";
import { openTraceFile } from "./open-file.js";
import { DEFAULT_REORDER_WINDOW, MAX_REORDER_WINDOW } from "./reorder.js";
import { type ReplayMode, type TraceReplayOptions, TraceReplayWorkload } from "./replay.js";
import { shippedTracePath } from "./shipped.js";
import { textSource } from "./source.js";

const us = 1000;

function replayMsr(text: string, mode: ReplayMode, options: TraceReplayOptions = {}, latencyNs = (_lba: number) => 30 * us) {
  const sim = new Simulation();
  const target = new FixedLatencyTarget(sim, 1 << 22, latencyNs);
  const w = new TraceReplayWorkload(new MsrReader(textSource(text), { name: "t.csv" }), mode, options);
  w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
  sim.run();
  return { target, w };
}

/** MSR lines at these times (µs), the IO at time t at LBA t (so the LBA names the recorded time). */
const msrAt = (times: readonly number[]) => times.map((t) => msrLine(t * us, "h", 0, true, t * 512, 4096, 10 * us)).join("");

/** The most records before any record that were recorded strictly later than it: how far the trace is out of order. */
function displacement(ios: readonly { t: number }[]): number {
  let most = 0;
  for (let i = 0; i < ios.length; i++) {
    let later = 0;
    for (let j = 0; j < i; j++) if (ios[j].t > ios[i].t) later++;
    most = Math.max(most, later);
  }
  return most;
}

describe("TraceReplayWorkload: records out of issue order", () => {
  // The record recorded at 200 µs is written after the one at 300 µs (as MSR CSV and blkparse files have them).
  const outOfOrder = msrAt([0, 100, 300, 200, 400]);
  const timed: ReplayMode = { kind: "timed", speed: 1 };
  const closed: ReplayMode = { kind: "closed", depth: 1 };

  it("timed: an IO recorded before the record ahead of it in the file is issued at its recorded time, in issue order", () => {
    const { target } = replayMsr(outOfOrder, { kind: "timed", speed: 1 });
    expect(target.seen.map(({ t, lba }) => ({ t, lba }))).toEqual([0, 100, 200, 300, 400].map((t) => ({ t: t * us, lba: t })));
  });

  it("closed loop: IOs are issued in issue order, not file order", () => {
    const { target } = replayMsr(outOfOrder, { kind: "closed", depth: 1 });
    expect(target.seen.map((s) => s.lba)).toEqual([0, 100, 200, 300, 400]);
  });

  it("timed: a blkparse trace whose CPUs' dispatches interleave out of time order replays in issue order", () => {
    // CPU 1's dispatch at 5.0002 s is printed after CPU 0's at 5.0003 s.
    const text = [
      "  8,0    0        1     5.000000000  1234  D   R 2048 + 8 [dd]",
      "  8,0    0        2     5.000300000  1234  D   R 4096 + 8 [dd]",
      "  8,0    1        1     5.000200000  1235  D   W 8192 + 8 [dd]",
      "  8,0    0        3     5.000400000     0  C   R 2048 + 8 [0]",
      "  8,0    1        2     5.000500000     0  C   W 8192 + 8 [0]",
      "  8,0    0        4     5.000600000     0  C   R 4096 + 8 [0]",
    ].join("\n");
    const run = (reorderWindow?: number) => {
      const sim = new Simulation();
      const target = new FixedLatencyTarget(sim, 1 << 22, () => 30 * us);
      const w = new TraceReplayWorkload(
        new BlkparseReader(textSource(text), { name: "t.blkparse" }),
        timed,
        reorderWindow === undefined ? {} : { reorderWindow },
      );
      w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
      sim.run();
      return { seen: target.seen.map((s) => [s.t / us, s.lba]), w };
    };
    const { seen, w } = run();
    expect(seen).toEqual([
      [0, 2048],
      [200, 8192],
      [300, 4096],
    ]);
    expect([w.firstOutOfOrder, w.reordered, w.late]).toEqual([3, 1, 0]);
    // In the file's order the write recorded at 200 µs went at 300 µs, after the read recorded at 300 µs.
    expect(run(0).seen).toEqual([
      [0, 2048],
      [300, 4096],
      [300, 8192],
    ]);
  });

  it("counts the record the window put back in order, and names its line", () => {
    for (const mode of [timed, closed]) {
      const { w } = replayMsr(outOfOrder, mode);
      expect(w.reorderWindow).toBe(DEFAULT_REORDER_WINDOW);
      expect([w.firstOutOfOrder, w.reordered, w.late, w.firstLate]).toEqual([4, 1, 0, null]);
      expect(w.finished).toBe(true);
      expect(w.stats.completed).toBe(5);
    }
  });

  it("reorderWindow 0 replays in the file's order, as before, counting the record as late", () => {
    const t = replayMsr(outOfOrder, timed, { reorderWindow: 0 });
    // The IO recorded at 200 µs goes at once when its turn in the file comes: at 300 µs, after the 300 µs one.
    expect(t.target.seen.map(({ t, lba }) => ({ t, lba }))).toEqual(
      [0, 100, 300, 300, 400].map((at, i) => ({ t: at * us, lba: [0, 100, 300, 200, 400][i] })),
    );
    expect([t.w.reorderWindow, t.w.firstOutOfOrder, t.w.reordered, t.w.late, t.w.firstLate]).toEqual([0, 4, 0, 1, 4]);
    const c = replayMsr(outOfOrder, closed, { reorderWindow: 0 });
    expect(c.target.seen.map((s) => s.lba)).toEqual([0, 100, 300, 200, 400]);
    expect([c.w.reordered, c.w.late, c.w.firstLate]).toEqual([0, 1, 4]);
  });

  it("a record out of order by more than the window goes where it came (timed: at once) and is counted as late", () => {
    // The record at 100 µs comes after three recorded later; a window of 2 puts 200 µs before 300 and 400 µs
    // but cannot hold 100 µs's predecessors back long enough.
    const text = msrAt([0, 300, 400, 200, 100, 500]);
    const { target, w } = replayMsr(text, timed, { reorderWindow: 2 });
    // Records 0, 300, 400 in the window; 0 goes; 200 comes (reordered) and goes at 200 µs; 100 comes after 200 went
    // (late): due at 100 µs, so it goes at once, at 200 µs, right after it.
    expect(target.seen.map((s) => [s.t / us, s.lba])).toEqual([
      [0, 0],
      [200, 200],
      [200, 100],
      [300, 300],
      [400, 400],
      [500, 500],
    ]);
    expect([w.firstOutOfOrder, w.reordered, w.late, w.firstLate]).toEqual([4, 1, 1, 5]);
    // A window of 3 is enough (at most 3 records issued later come before any record): exactly the sorted order.
    const wide = replayMsr(text, timed, { reorderWindow: 3 });
    expect(wide.target.seen.map((s) => [s.t / us, s.lba])).toEqual([0, 100, 200, 300, 400, 500].map((t) => [t, t]));
    expect([wide.w.reordered, wide.w.late]).toEqual([2, 0]);
  });

  it("maxIos counts records as they come in the file; those held back still replay", () => {
    const { target, w } = replayMsr(outOfOrder, closed, { maxIos: 4 });
    expect(target.seen.map((s) => s.lba)).toEqual([0, 100, 200, 300]);
    expect(w.finished).toBe(true);
  });

  it("a fio iolog (back to back, no issue times) is never reordered", () => {
    const log = ["fio version 2 iolog", "/dev/sdb add", "/dev/sdb open", "/dev/sdb read 0 4096", "/dev/sdb close"].join("\n");
    const w = new TraceReplayWorkload(new FioReader(textSource(log), { name: "t.iolog" }), timed);
    expect(w.reorderWindow).toBe(0);
  });

  it("refuses a window that is not a whole number of records in range, naming the option and the value", () => {
    for (const bad of [-1, 1.5, Number.NaN, MAX_REORDER_WINDOW + 1])
      expect(
        () => new TraceReplayWorkload(new MsrReader(textSource(outOfOrder), { name: "t.csv" }), timed, { reorderWindow: bad }),
      ).toThrow(new RegExp(`reorderWindow must be an integer from 0 .* to ${MAX_REORDER_WINDOW} records, got ${String(bad)}`));
    expect(
      () => new TraceReplayWorkload(new MsrReader(textSource(outOfOrder), { name: "t.csv" }), timed, { reorderWindow: MAX_REORDER_WINDOW }),
    ).not.toThrow();
  });

  it("property: a trace shuffled within the window replays with exactly the sorted trace's issues and completions, in both modes", () => {
    const trace = fc
      .record({
        ios: fc.array(fc.record({ t: fc.integer({ min: 0, max: 400 }), lba: fc.integer({ min: 0, max: 4000 }), isRead: fc.boolean() }), {
          minLength: 1,
          maxLength: 60,
        }),
        window: fc.integer({ min: 1, max: 10 }),
        seed: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        depth: fc.integer({ min: 1, max: 4 }),
        timedMode: fc.boolean(),
      })
      .map(({ ios, window, seed, depth, timedMode }) => {
        const sorted = [...ios].sort((a, b) => a.t - b.t);
        // Record i goes to position key i + offset, offset in [0, window]: no record comes after more than `window`
        // records issued later than it.
        const shuffled = sorted
          .map((x, i) => ({ x, key: i + (seed[i] % (window + 1)) }))
          .sort((a, b) => a.key - b.key)
          .map((e) => e.x);
        return { shuffled, window, mode: timedMode ? timed : ({ kind: "closed", depth } as const) };
      });
    const text = (ios: readonly { t: number; lba: number; isRead: boolean }[]) =>
      ios.map((io) => msrLine(io.t * us, "h", 0, io.isRead, io.lba * 512, 4096, 10 * us)).join("");
    // Service times that differ by LBA, so IOs overlap and complete out of issue order.
    const latency = (lba: number) => ((lba % 7) + 1) * 15 * us;
    fc.assert(
      fc.property(trace, ({ shuffled, window, mode }) => {
        // The sorted trace: stable by issue time (the window keeps equal times in the file's order).
        const sorted = shuffled
          .map((x, i) => ({ x, i }))
          .sort((a, b) => a.x.t - b.x.t || a.i - b.i)
          .map((e) => e.x);
        // Replayed with a window just as long as the trace is out of order (no longer than the shuffle's bound).
        const outOfOrderBy = displacement(shuffled);
        expect(outOfOrderBy).toBeLessThanOrEqual(window);
        const got = replayMsr(text(shuffled), mode, { reorderWindow: outOfOrderBy }, latency);
        const want = replayMsr(text(sorted), mode, { reorderWindow: 0 }, latency);
        expect(got.target.seen).toEqual(want.target.seen);
        expect(got.target.done).toEqual(want.target.done);
        expect(got.w.doneNs).toBe(want.w.doneNs);
        expect(got.w.late).toBe(0);
        expect(want.w.late + want.w.reordered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("the shipped trace is in issue order: the window reorders nothing and its replay is the file-order replay's", () => {
    for (const mode of [
      { kind: "timed", speed: 1 },
      { kind: "closed", depth: 8 },
    ] as const) {
      const run = (options: TraceReplayOptions) => {
        const sim = new Simulation();
        const target = new FixedLatencyTarget(sim, 1 << 30, (lba) => ((lba % 5) + 1) * 100 * us);
        const w = new TraceReplayWorkload(openTraceFile(shippedTracePath(), { format: "vscsi" }), mode, options);
        w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
        sim.run();
        return { target, w };
      };
      const windowed = run({});
      const fileOrder = run({ reorderWindow: 0 });
      expect([windowed.w.firstOutOfOrder, windowed.w.reordered, windowed.w.late]).toEqual([null, 0, 0]);
      expect(windowed.target.done.length).toBe(50_000);
      expect(windowed.target.done).toEqual(fileOrder.target.done);
      expect(windowed.w.doneNs).toBe(fileOrder.w.doneNs);
    }
  });
});
