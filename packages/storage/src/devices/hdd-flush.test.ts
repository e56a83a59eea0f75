import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { io } from "./hdd-write-cache.test-support.js";

describe("Hdd with its write cache on: flushes (SYNCHRONIZE CACHE)", () => {
  it("a flush waits for the write-backs queued before it, not for writes that come after it", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, { t: number; dirty: number }>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, { t: sim.now, dirty: hdd.dirtySectors }) };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once: a long seek
    hdd.flush(io(1, 0, 0, false), sink);
    hdd.submit(io(2, 1_000, 8, false), sink); // after the flush: not its business
    sim.run();
    const flushed = done.get(1) as { t: number; dirty: number };
    expect(flushed.t).toBeGreaterThan(2_000_000);
    expect(flushed.dirty).toBe(8); // write 2's data is still in the buffer when the flush completes
    expect(hdd.flushes).toBe(1);
    expect(hdd.outstanding).toBe(0);
    // Write cache off: a flush has nothing to wait for.
    const plain = new Hdd(sim, CHEETAH_15K5, "plain");
    const t0 = sim.now;
    plain.flush(io(3, 0, 0, false), sink);
    sim.run();
    expect((done.get(3) as { t: number }).t - t0).toBe(CHEETAH_15K5.commandOverheadNs);
  });

  it("a flush waits for every write-back queued before it, the last one included (SYNCHRONIZE CACHE: all of it on the media)", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, { t: number; dirty: number; media: number }>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, { t: sim.now, dirty: hdd.dirtySectors, media: hdd.mediaOps }) };
    // Two write-backs far apart: the first starts at once, the second (the flush's last) after it.
    for (let i = 0; i < 2; i++) hdd.submit(io(i, 100_000_000 * (i + 1), 8, false), sink);
    hdd.flush(io(2, 0, 0, false), sink);
    sim.run();
    expect(done.get(2)).toMatchObject({ dirty: 0, media: 2 });
  });

  it("a flush is a command: the one controller processes it after the commands that arrived before it, and those after it wait for it", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "plain"); // write cache off: a flush waits only for its own processing
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    hdd.submit(io(0, 1_000_000, 8, true), sink);
    hdd.submit(io(1, 2_000_000, 8, true), sink);
    hdd.flush(io(2, 0, 0, false), sink);
    hdd.flush(io(3, 0, 0, false), sink);
    sim.run();
    const overhead = CHEETAH_15K5.commandOverheadNs;
    expect([done.get(2), done.get(3)]).toEqual([3 * overhead, 4 * overhead]);
  });

  it("a command submitted from a flush's completion does not start a second media command beside another", () => {
    // A closed loop that issues its next IO when the flush completes (as a workload's sink does): the flush
    // completes as a write-back ends, with more commands queued; the mechanism serves one command at a time.
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, number>();
    const sink = {
      complete: (r: IoRequest) => {
        done.set(r.id, sim.now);
        if (r.id === 1) hdd.submit(io(4, 100_000_000, 8, true), sink);
      },
    };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once: a long seek
    hdd.flush(io(1, 0, 0, false), sink);
    hdd.submit(io(2, 1_000, 8, false), sink); // a second write-back, queued behind the first
    hdd.submit(io(3, 250_000_000, 8, true), sink); // a read miss, queued
    sim.run();
    expect([...done.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(hdd.mediaOps).toBe(4);
    // One actuator: its busy time cannot exceed the time elapsed (the event clock rounds each end to the ns).
    expect(hdd.busyNs).toBeLessThanOrEqual(sim.now + hdd.mediaOps);
    expect(hdd.outstanding).toBe(0);
  });

  it("a flush takes at least the command overhead, even when the write-back it waits for is about to end", () => {
    const run = (flushBeforeEndNs: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
      const done = new Map<number, number>();
      const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
      hdd.submit(io(0, 500_000_000, 8, false), sink);
      if (flushBeforeEndNs < 0) {
        sim.run();
        return { end: sim.now, took: 0 };
      }
      sim.run({ until: flushBeforeEndNs });
      const at = sim.now;
      hdd.flush(io(1, 0, 0, false), sink);
      sim.run();
      expect(hdd.outstanding).toBe(0);
      return { end: 0, took: (done.get(1) as number) - at };
    };
    const { end } = run(-1); // when the write-back ends
    const overhead = CHEETAH_15K5.commandOverheadNs;
    // Arriving 1 µs before the write-back ends: the drive still processes the command first.
    expect(run(end - 1_000).took).toBe(overhead);
    // Arriving earlier: the write-back's end decides.
    expect(run(end - 2 * overhead).took).toBe(2 * overhead);
  });
});
