import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { HostAdapter } from "./host-adapter.js";
import { HostCpu } from "./host-cpu.js";
import type { BlockTarget, IoSink } from "./target.js";

/** A target that holds what it is sent, in arrival order, until the test completes it. */
class HeldTarget implements BlockTarget {
  readonly capacitySectors = 1 << 20;
  readonly volatileWriteCache = true;
  readonly arrived: string[] = [];
  private readonly held = new Map<string, () => void>();
  submit(req: IoRequest, sink: IoSink): void {
    this.hold(`io${req.id}`, req, sink);
  }
  flush(req: IoRequest, sink: IoSink): void {
    this.hold(`flush${req.id}`, req, sink);
  }
  /** Completes the commands named, in this order, at the same instant (one event's work). */
  complete(...names: string[]): void {
    for (const name of names) (this.held.get(name) as () => void)();
  }
  private hold(name: string, req: IoRequest, sink: IoSink): void {
    this.arrived.push(name);
    this.held.set(name, () => sink.complete(req));
  }
}

/** An adapter whose issue and interrupt CPU steps each cost `costNs`, over a `HeldTarget`; what its submitter saw, in order. */
function rig(costNs: number, depth = 8) {
  const sim = new Simulation();
  const target = new HeldTarget();
  const adapter = new HostAdapter(sim, target, {
    issueQueueDepth: depth,
    cpu: new HostCpu(1),
    issueCostNs: costNs,
    interruptCostNs: costNs,
  });
  const seen: string[] = [];
  const req = (id: number): IoRequest => ({ id, vm: 0, lba: 8 * id, sectors: 8, isRead: false, issueTime: sim.now });
  const io = (id: number) => adapter.submit(req(id), { complete: () => seen.push(`io${id}`) });
  const flush = (id: number) => adapter.flush(req(id), { complete: () => seen.push(`flush${id}`) });
  return { sim, target, seen, io, flush };
}

/**
 * A CPU step that costs nothing (an interrupt, an issue) is taken at once, for an IO and a flush alike: a flush's went
 * through a kernel event while an IO's was taken in the call, so a flush completed by the target just before an IO
 * reached its submitter after it, and one submitted just before an IO reached the target after it — the reverse of
 * what the same costs above zero give.
 */
describe("host adapter: same-instant order of IOs and flushes is the one nonzero CPU costs give", () => {
  for (const costNs of [0, 1000]) {
    it(`completions reach the submitter in the order the target completed them (CPU cost ${costNs} ns per step)`, () => {
      for (const order of [
        ["flush1", "io2"],
        ["io2", "flush1"],
      ]) {
        const r = rig(costNs);
        r.flush(1);
        r.io(2);
        r.sim.run();
        expect(r.target.arrived.sort()).toEqual(["flush1", "io2"]);
        r.target.complete(...order);
        r.sim.run();
        expect(r.seen, order.join(" then ")).toEqual(order);
      }
    });

    it(`a flush submitted before an IO at the same instant reaches the target first (CPU cost ${costNs} ns per step)`, () => {
      const r = rig(costNs, 1);
      r.flush(1);
      r.io(2);
      r.sim.run();
      expect(r.target.arrived).toEqual(["flush1"]);
      r.target.complete("flush1");
      r.sim.run();
      expect(r.target.arrived).toEqual(["flush1", "io2"]);
    });
  }
});
