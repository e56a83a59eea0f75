import { Rng, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { FixedLatencyTarget } from "./fixed-latency-target.test-support.js";
import { MsrReader } from "./msr.js";
import { msrLine } from "./msr-writer.js";
import { type ReplayMode, TraceReplayWorkload } from "./replay.js";
import { textSource } from "./source.js";

const us = 1000;

function rig(timesUs: number[], mode: ReplayMode) {
  const sim = new Simulation();
  const target = new FixedLatencyTarget(sim, 1 << 22, 10 * us);
  const lines = timesUs.map((t, i) => msrLine(t * us, "h", 0, true, i * 8, 4096, 10 * us)).join("");
  const w = new TraceReplayWorkload(new MsrReader(textSource(lines), { name: "t.csv" }), mode);
  const ctx = { sim, target, rng: new Rng(1, "replay"), vm: 0 };
  return { sim, target, w, ctx };
}

describe("TraceReplayWorkload stopped and started again", () => {
  const times = [0, 100, 200, 300, 400, 500];

  it("timed, started again at once: the rest of the trace is issued when it would have been without the stop", () => {
    // The rest of the trace was replayed relative to the restart, as if the trace began there: 250 µs later.
    const { sim, target, w, ctx } = rig(times, { kind: "timed", speed: 1 });
    w.start(ctx);
    sim.run({ until: 250 * us });
    w.stop();
    w.start(ctx);
    sim.run({ until: 350 * us });
    // The issue event scheduled before the stop is not followed by a second chain of events (one per start).
    expect(sim.pending).toBe(1);
    sim.run();
    expect(target.seen.map((s) => s.t)).toEqual(times.map((t) => t * us));
    expect(w.stats.completed).toBe(times.length);
  });

  it("timed, after a pause: the trace's clock stands still while stopped, the rest keeps its spacing, later by the pause", () => {
    // Stopped at 250 µs (trace time 250), started again at 1000: the record at 300 is due 50 µs later, not 300 µs
    // after the restart (1300).
    const { sim, target, w, ctx } = rig(times, { kind: "timed", speed: 2 });
    w.start(ctx);
    sim.run({ until: 125 * us }); // trace time 250 at speed 2
    w.stop();
    sim.run({ until: 1000 * us });
    w.start(ctx);
    sim.run();
    expect(target.seen.map((s) => s.t)).toEqual([0, 50, 100, 1025, 1075, 1125].map((t) => t * us));
  });

  it("closed, started again with IOs in flight: they keep their places, depth IOs in flight (not twice the depth)", () => {
    const { sim, target, w, ctx } = rig(
      Array.from({ length: 40 }, (_, i) => i),
      { kind: "closed", depth: 4 },
    );
    w.start(ctx);
    sim.run({ until: 25 * us });
    w.stop();
    expect(w.outstanding).toBe(4);
    w.start(ctx);
    sim.run();
    expect(target.maxInFlight).toBe(4);
    expect(w.stats.completed).toBe(40);
  });
});
