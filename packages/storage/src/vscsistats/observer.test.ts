import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { VirtualDisk } from "../iostack/virtual-disk.js";
import { histogramOf, toJson } from "./format.js";
import { VscsiStatsObserver } from "./observer.js";

/** Completes every IO 1 ms after it arrives. */
class OneMsTarget implements BlockTarget {
  readonly capacitySectors = 1 << 20;
  private readonly kind: number;
  constructor(private readonly sim: Simulation) {
    this.kind = sim.on("one-ms", (_n, obj) => {
      const [req, sink] = obj as [IoRequest, IoSink];
      sink.complete(req);
    });
  }
  submit(req: IoRequest, sink: IoSink): void {
    this.sim.schedule(1_000_000, this.kind, 0, [req, sink]);
  }
}

describe("VscsiStatsObserver on a virtual disk", () => {
  it("measures at the vSCSI layer: IOs waiting in a full guest queue are not yet issued", () => {
    const sim = new Simulation();
    const disk = new VirtualDisk(sim, new OneMsTarget(sim), { queueDepth: 2 });
    const observer = new VscsiStatsObserver();
    disk.addObserver(observer);
    const sink: IoSink = { complete: () => {} };
    // Four sequential 4 KiB reads at t = 0; the guest adapter takes two at a time.
    for (let i = 0; i < 4; i++) disk.submit({ id: i, vm: 0, lba: i * 8, sectors: 8, isRead: true, issueTime: 0 }, sink);
    sim.run();
    const j = toJson(observer.stats);
    const latency = histogramOf(j, "latency");
    expect([latency.count, latency.min, latency.max]).toEqual([4, 1000, 1000]); // 1 ms each, not 2 ms for the queued ones
    const oio = histogramOf(j, "outstandingIOs");
    expect([oio.min, oio.max]).toEqual([1, 2]); // never more than the adapter's queue depth
    const seek = histogramOf(j, "seekDistance");
    expect([seek.count, seek.min, seek.max]).toEqual([3, 1, 1]);
    const gaps = histogramOf(j, "interarrival");
    expect([gaps.min, gaps.max]).toEqual([0, 1000]);
    expect(observer.stats.outstandingNow).toBe(0);
  });

  it("ignores completions of IOs issued before it was attached", () => {
    const sim = new Simulation();
    const disk = new VirtualDisk(sim, new OneMsTarget(sim), { queueDepth: 8 });
    const sink: IoSink = { complete: () => {} };
    disk.submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: false, issueTime: 0 }, sink);
    const observer = new VscsiStatsObserver();
    disk.addObserver(observer);
    sim.run();
    expect(observer.stats.latency[0].count).toBe(0);
    expect(observer.stats.outstandingNow).toBe(0);
  });

  it("a reset (vscsiStats -r) keeps counting the IOs still in flight", () => {
    const sim = new Simulation();
    const disk = new VirtualDisk(sim, new OneMsTarget(sim), { queueDepth: 8 });
    const observer = new VscsiStatsObserver();
    disk.addObserver(observer);
    const sink: IoSink = { complete: () => {} };
    for (let i = 0; i < 4; i++) disk.submit({ id: i, vm: 0, lba: i * 8, sectors: 8, isRead: true, issueTime: 0 }, sink);
    sim.run({ until: 500_000 });
    observer.stats.reset();
    expect(observer.stats.outstandingNow).toBe(4);
    for (let i = 4; i < 6; i++) disk.submit({ id: i, vm: 0, lba: i * 8, sectors: 8, isRead: true, issueTime: sim.now }, sink);
    sim.run();
    const oio = histogramOf(toJson(observer.stats), "outstandingIOs");
    expect([oio.count, oio.min, oio.max]).toEqual([2, 5, 6]); // the two new IOs found 4, then 5, already out
    expect(observer.stats.outstandingNow).toBe(0);
  });

  it("records IO lengths in bytes, as ESX's IO length histogram counts them", () => {
    const sim = new Simulation();
    const disk = new VirtualDisk(sim, new OneMsTarget(sim), { queueDepth: 8 });
    const observer = new VscsiStatsObserver();
    disk.addObserver(observer);
    const sink: IoSink = { complete: () => {} };
    disk.submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, sink);
    disk.submit({ id: 1, vm: 0, lba: 64, sectors: 1, isRead: false, issueTime: 0 }, sink);
    sim.run();
    const j = toJson(observer.stats);
    const all = histogramOf(j, "ioLength");
    expect([all.min, all.max]).toEqual([512, 4096]);
    expect([histogramOf(j, "ioLength", "reads").max, histogramOf(j, "ioLength", "writes").max]).toEqual([4096, 512]);
  });
});
