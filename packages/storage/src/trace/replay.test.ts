import { Rng, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { BlkparseReader } from "./blkparse.js";
import { FioReader } from "./fio.js";
import { FixedLatencyTarget } from "./fixed-latency-target.test-support.js";
import { MsrReader } from "./msr.js";
import { msrLine } from "./msr-writer.js";
import type { TraceReader, TraceRecord } from "./record.js";
import { type ReplayMode, TraceReplayWorkload } from "./replay.js";
import { bytesSource, textSource } from "./source.js";
import { VscsiReader } from "./vscsi.js";
import { writeVscsiTrace } from "./vscsi-writer.js";

const us = 1000;
const trace = [
  msrLine(0, "h", 0, true, 0, 4096, 10 * us),
  msrLine(100 * us, "h", 0, false, 4096, 8192, 10 * us),
  msrLine(140 * us, "h", 0, true, 1 << 30, 512, 10 * us),
  msrLine(1000 * us, "h", 0, true, 8192, 4096, 10 * us),
].join("");

function replay(mode: ConstructorParameters<typeof TraceReplayWorkload>[1], capacity = 1 << 22, latencyNs = 50 * us) {
  const sim = new Simulation();
  const target = new FixedLatencyTarget(sim, capacity, latencyNs);
  const w = new TraceReplayWorkload(new MsrReader(textSource(trace), { name: "t.csv" }), mode);
  w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
  sim.run();
  return { target, w, sim };
}

/** Replays `reader` as recorded (speed 1) on a fixed-latency target of 2^22 sectors. */
function timedReplay(reader: TraceReader, latencyNs: number) {
  const sim = new Simulation();
  const target = new FixedLatencyTarget(sim, 1 << 22, latencyNs);
  const w = new TraceReplayWorkload(reader, { kind: "timed", speed: 1 });
  w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
  sim.run();
  return { target, w };
}

describe("TraceReplayWorkload", () => {
  it("timed replay keeps an MSR record recorded before the first one in the open loop (a negative time is a time)", () => {
    const lines = [10, 9, 20, 30].map((t, i) => msrLine(t * us, "h", 0, true, i * 4096, 4096, 10 * us)).join("");
    const run = (reorderWindow?: number) => {
      const sim = new Simulation();
      const target = new FixedLatencyTarget(sim, 1 << 22, 5000 * us);
      const w = new TraceReplayWorkload(
        new MsrReader(textSource(lines), { name: "t.csv" }),
        { kind: "timed", speed: 1 },
        reorderWindow === undefined ? {} : { reorderWindow },
      );
      w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
      sim.run();
      return target.seen.map((s) => s.t);
    };
    // In the file's order, times relative to the first record: 0, −1 µs (due at once), 10 µs, 20 µs — none waits for
    // the 5 ms device.
    expect(run(0)).toEqual([0, 0, 10 * us, 20 * us]);
    // In issue order (the reorder window), relative to the earliest record (−1 µs): 0, 1, 11, 21 µs.
    expect(run()).toEqual([0, 1 * us, 11 * us, 21 * us]);
  });

  it("timed replay of a blkparse trace starts at its first IO, not at blktrace's start (its clock's zero)", () => {
    // blktrace was started 5 s before the workload's first dispatch: replaying "as recorded" (relative to the first IO)
    // must not idle for those 5 s first.
    const text = [
      "  8,0    1        1     5.000000000  1234  D   R 2048 + 8 [dd]",
      "  8,0    1        2     5.000100000     0  C   R 2048 + 8 [0]",
      "  8,0    1        3     5.000300000  1234  D   W 4096 + 8 [dd]",
      "  8,0    1        4     5.000400000     0  C   W 4096 + 8 [0]",
    ].join("\n");
    const { target, w } = timedReplay(new BlkparseReader(textSource(text), { name: "t.blkparse" }), 50 * us);
    expect(target.seen.map((s) => s.t)).toEqual([0, 300 * us]);
    expect(w.doneNs).toBe(350 * us);
  });

  it("timed replay of a fio iolog goes back to back, pausing at its waits (not the whole log at once)", () => {
    const log = [
      "fio version 2 iolog",
      "/dev/sdb add",
      "/dev/sdb open",
      "/dev/sdb read 0 4096",
      "/dev/sdb read 4096 4096",
      "/dev/sdb write 8192 4096",
      "/dev/sdb wait 1000 0",
      "/dev/sdb read 12288 4096",
      "/dev/sdb read 16384 4096",
      "/dev/sdb close",
    ].join("\n");
    // The HOWTO's reading: the wait is 1000 µs after the previous wait (here, the start).
    const { target, w } = timedReplay(new FioReader(textSource(log), { name: "t.iolog", fioWait: "howto" }), 100 * us);
    // One at a time, each when the one before completes; the wait makes the 4th wait until 1 ms.
    expect(target.seen.map((s) => s.t)).toEqual([0, 100 * us, 200 * us, 1000 * us, 1100 * us]);
    expect(target.maxInFlight).toBe(1);
    expect(w.finished).toBe(true);
    expect(w.doneNs).toBe(1200 * us);
  });

  it("timed replay of a fio iolog waits as fio's replay does by default: until n ms after the start, not after the last IO", () => {
    // fio's read_iolog_get sleeps until the wait's time in ms since the run began; a wait for a time already passed
    // (the second "wait 1" here, with the device at 600 µs per IO) lets the next IO go when the one before completes.
    const log = [
      "fio version 2 iolog",
      "/dev/sdb read 0 4096",
      "/dev/sdb wait 1 0",
      "/dev/sdb read 4096 4096",
      "/dev/sdb wait 1 0",
      "/dev/sdb read 8192 4096",
    ].join("\n");
    const { target } = timedReplay(new FioReader(textSource(log), { name: "t.iolog" }), 600 * us);
    expect(target.seen.map((s) => s.t)).toEqual([0, 1000 * us, 1600 * us]);
  });

  it("replays as recorded: each IO at its trace time (scaled by speed), whatever the device latency", () => {
    const { target, w } = replay({ kind: "timed", speed: 1 });
    expect(target.seen.map((s) => s.t)).toEqual([0, 100 * us, 140 * us, 1000 * us]);
    expect(target.seen.map((s) => [s.lba, s.sectors, s.isRead])).toEqual([
      [0, 8, true],
      [8, 16, false],
      [(1 << 30) / 512, 1, true],
      [16, 8, true],
    ]);
    expect(target.maxInFlight).toBe(2); // 100 and 140 µs overlap under a 50 µs device
    expect(w.finished).toBe(true);
    expect(w.doneNs).toBe(1050 * us); // the last IO, issued at 1000 µs, completes 50 µs later
    expect(w.stats.completed).toBe(4);
    expect(replay({ kind: "timed", speed: 2 }).target.seen.map((s) => s.t)).toEqual([0, 50 * us, 70 * us, 500 * us]);
  });

  it("replays closed loop at a given depth: timestamps ignored, depth IOs in flight", () => {
    const { target, sim } = replay({ kind: "closed", depth: 2 });
    expect(target.seen.map((s) => s.t)).toEqual([0, 0, 50 * us, 50 * us]);
    expect(target.maxInFlight).toBe(2);
    expect(sim.now).toBe(100 * us);
    expect(replay({ kind: "closed", depth: 2 }).w.doneNs).toBe(100 * us);
  });

  it("folds addresses beyond a small target into it", () => {
    const { target } = replay({ kind: "closed", depth: 1 }, 1000);
    for (const s of target.seen) expect(s.lba + s.sectors).toBeLessThanOrEqual(1000);
    expect(target.seen[2].lba).toBe(((1 << 30) / 512) % 1000);
  });

  /** Replays `reader` closed-loop onto a 1000-sector target with outOfRange "error": runs the simulation (which throws). */
  const replayOntoSmallTarget = (reader: TraceReader) => () => {
    const sim = new Simulation();
    const target = new FixedLatencyTarget(sim, 1000, 50 * us);
    const w = new TraceReplayWorkload(reader, { kind: "closed", depth: 1 }, { outOfRange: "error" });
    w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
    sim.run();
  };

  it("with outOfRange: error, an IO beyond the target is rejected naming the trace file and line", () => {
    expect(replayOntoSmallTarget(new MsrReader(textSource(trace), { name: "t.csv" }))).toThrow(
      /t\.csv:3: IO \[2097152, \+1\) is beyond the target's 1000 sectors/,
    );
  });

  it("with outOfRange: error, an IO of a binary .vscsi trace beyond the target is named by its record, not as a line", () => {
    // The vscsi reader names a bad record "t.vscsi: record 2"; "t.vscsi:2" read as line 2 of a binary file.
    const ios = [
      { issueNs: 0, lba: 0, bytes: 4096, sectors: 8, isRead: true, responseNs: 10 * us, line: 0 },
      { issueNs: 100 * us, lba: 5000, bytes: 4096, sectors: 8, isRead: false, responseNs: 10 * us, line: 0 },
    ];
    let k = 0;
    const next = (rec: TraceRecord) => {
      if (k === ios.length) return false;
      Object.assign(rec, ios[k++]);
      return true;
    };
    const bytes = writeVscsiTrace({ next }, 2);
    expect(replayOntoSmallTarget(new VscsiReader(bytesSource(bytes), { name: "t.vscsi" }))).toThrow(
      /^trace replay: t\.vscsi: record 2: IO \[5000, \+8\) is beyond the target's 1000 sectors/,
    );
  });

  it("rejects bad modes", () => {
    expect(() => new TraceReplayWorkload(new MsrReader(textSource(trace), { name: "t" }), { kind: "closed", depth: 0 })).toThrow(/depth/);
    expect(() => new TraceReplayWorkload(new MsrReader(textSource(trace), { name: "t" }), { kind: "timed", speed: 0 })).toThrow(/speed/);
    // Values the types do not allow, as a config file may hold them: each was run as something else.
    const reader = () => new MsrReader(textSource(trace), { name: "t" });
    const closed = { kind: "closed", depth: 1 } as const;
    expect(() => new TraceReplayWorkload(reader(), { kind: "timd", speed: 1 } as unknown as ReplayMode)).toThrow(
      /mode kind must be "timed" or "closed", got "timd"/,
    );
    expect(() => new TraceReplayWorkload(reader(), closed, { maxIos: -5 })).toThrow(/maxIos must be a whole number >= 0 .*got -5/);
    expect(() => new TraceReplayWorkload(reader(), closed, { maxIos: 1.5 })).toThrow(/maxIos/);
    expect(() => new TraceReplayWorkload(reader(), closed, { outOfRange: "wrapp" as "wrap" })).toThrow(
      /outOfRange must be "wrap" or "error", got "wrapp"/,
    );
  });

  it("with outOfRange: error, an IO ending on the target's last sector fits: replayed where it is, not refused", () => {
    const sim = new Simulation();
    const target = new FixedLatencyTarget(sim, 1000, 50 * us);
    const lines = [msrLine(0, "h", 0, true, 0, 4096, 10 * us), msrLine(100 * us, "h", 0, false, 992 * 512, 4096, 10 * us)].join("");
    const w = new TraceReplayWorkload(
      new MsrReader(textSource(lines), { name: "t.csv" }),
      { kind: "closed", depth: 1 },
      { outOfRange: "error" },
    );
    w.start({ sim, target, rng: new Rng(1, "replay"), vm: 0 });
    sim.run();
    expect(target.seen.map((s) => [s.lba, s.sectors])).toEqual([
      [0, 8],
      [992, 8],
    ]);
  });

  it("timed replay of a fio iolog pauses for a wait before its first IO too, as fio does", () => {
    const log = ["fio version 2 iolog", "/dev/sdb open", "/dev/sdb wait 500 0", "/dev/sdb read 0 4096", "/dev/sdb read 4096 4096"].join(
      "\n",
    );
    for (const [fioWait, first] of [
      ["howto", 500 * us],
      ["fio", 500_000 * us],
    ] as const) {
      const { target } = timedReplay(new FioReader(textSource(log), { name: "t.iolog", fioWait }), 100 * us);
      expect(target.seen.map((s) => s.t)).toEqual([first, first + 100 * us]);
    }
  });
});
