import { Rng, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { VscsiStats } from "../vscsistats/collector.js";
import { characterizeTrace } from "./characterize.js";
import { MsrReader } from "./msr.js";
import { msrLine } from "./msr-writer.js";
import { TraceReplayWorkload } from "./replay.js";
import { type ByteSource, textSource } from "./source.js";

/** A source that counts its close() calls (a file source closes its descriptor there). */
function counted(text: string): { source: ByteSource; closes: () => number } {
  const inner = textSource(text);
  let closes = 0;
  return {
    source: {
      read: (buf, offset, length) => inner.read(buf, offset, length),
      close: () => {
        closes++;
      },
    },
    closes: () => closes,
  };
}

const trace = [0, 1, 2, 3, 4, 5].map((i) => msrLine(i * 1000_000, "h", 0, true, i * 4096, 4096, 10_000)).join("");

/** Completes every IO 1 µs after it is submitted. */
class InstantTarget implements BlockTarget {
  readonly capacitySectors = 1 << 22;
  private readonly kind: number;
  constructor(private readonly sim: Simulation) {
    this.kind = sim.on("instant.complete", (_n, obj) => {
      const [req, sink] = obj as [IoRequest, IoSink];
      sink.complete(req);
    });
  }
  submit(req: IoRequest, sink: IoSink): void {
    this.sim.schedule(1000, this.kind, 0, [req, sink]);
  }
}

describe("trace readers are closed when their consumer stops early", () => {
  it("characterizeTrace with maxIos closes the reader's source (a file descriptor otherwise stays open)", () => {
    const c = counted(trace);
    const summary = characterizeTrace(new MsrReader(c.source, { name: "t.csv" }), new VscsiStats(), { maxIos: 2 });
    expect(summary.ios).toBe(2);
    expect(c.closes()).toBeGreaterThanOrEqual(1);
  });

  it("characterizeTrace closes the reader when a bad line stops it", () => {
    const c = counted(`${trace}not,a,line\n`);
    expect(() => characterizeTrace(new MsrReader(c.source, { name: "t.csv" }), new VscsiStats())).toThrow(/t\.csv:7/);
    expect(c.closes()).toBeGreaterThanOrEqual(1);
  });

  it("a replay that stops at maxIos closes the reader's source", () => {
    for (const mode of [{ kind: "closed", depth: 1 } as const, { kind: "timed", speed: 1 } as const]) {
      const c = counted(trace);
      const sim = new Simulation();
      const w = new TraceReplayWorkload(new MsrReader(c.source, { name: "t.csv" }), mode, { maxIos: 2 });
      w.start({ sim, target: new InstantTarget(sim), rng: new Rng(1, "close"), vm: 0 });
      sim.run();
      expect(w.finished).toBe(true);
      expect(w.stats.completed).toBe(2);
      expect(c.closes(), mode.kind).toBeGreaterThanOrEqual(1);
    }
  });

  it("a replay stopped by a bad line closes the reader's source, as characterizeTrace does", () => {
    for (const mode of [{ kind: "closed", depth: 1 } as const, { kind: "timed", speed: 1 } as const]) {
      const c = counted(`${trace}not,a,line\n`);
      const sim = new Simulation();
      const w = new TraceReplayWorkload(new MsrReader(c.source, { name: "t.csv" }), mode);
      // The reorder window reads ahead: the bad line stops the replay as it starts.
      expect(() => {
        w.start({ sim, target: new InstantTarget(sim), rng: new Rng(1, "close"), vm: 0 });
        sim.run();
      }, mode.kind).toThrow(/t\.csv:7/);
      expect(c.closes(), mode.kind).toBeGreaterThanOrEqual(1);
    }
  });

  it("a replay stopped by an IO beyond the target (outOfRange error) closes the reader's source", () => {
    for (const mode of [{ kind: "closed", depth: 1 } as const, { kind: "timed", speed: 1 } as const]) {
      const c = counted(`${trace}${msrLine(6_000_000, "h", 0, true, 2 ** 40, 4096, 10_000)}${trace.split("\n")[0]}\n`);
      const sim = new Simulation();
      const w = new TraceReplayWorkload(new MsrReader(c.source, { name: "t.csv" }), mode, { outOfRange: "error", reorderWindow: 0 });
      w.start({ sim, target: new InstantTarget(sim), rng: new Rng(1, "close"), vm: 0 });
      expect(() => sim.run(), mode.kind).toThrow(/t\.csv:7: IO \[2147483648, \+8\) is beyond/);
      expect(c.closes(), mode.kind).toBeGreaterThanOrEqual(1);
    }
  });
});
