import { MemoryBackend, RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { RaidGroup } from "../array/raid.js";
import { StorageArray } from "../array/storage-array.js";
import { Hdd } from "../devices/hdd.js";
import { ModelBlockBackend } from "../iostack/block-backend.js";
import { HostAdapter } from "../iostack/host-adapter.js";
import { HostCpu } from "../iostack/host-cpu.js";
import { VirtualDisk } from "../iostack/virtual-disk.js";
import { VscsiStatsObserver } from "../vscsistats/observer.js";
import { IometerWorkload } from "./iometer.js";
import { runMeasured } from "./measure.js";

function started() {
  const sim = new Simulation();
  const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4 });
  w.start({ sim, target: new Hdd(sim), rng: new RngStreams(1).get("vm0"), vm: 0 });
  return { sim, w };
}

function refusal(warmupNs: number, durationNs: number): string {
  const { sim, w } = started();
  try {
    runMeasured(sim, [w], warmupNs, durationNs);
  } catch (e) {
    return `${(e as { code?: string }).code} ${(e as Error).message}`;
  }
  return "ran";
}

describe("runMeasured", () => {
  // A second interval on the workloads the first had stopped counted only the IOs left in flight, over an idle disk
  // (4 IOPS where the first interval measured 321), and returned its length as if it had measured.
  it("refuses workloads an earlier interval stopped; started again, they measure a second interval", () => {
    const { sim, w } = started();
    runMeasured(sim, [w], 1e8, 1e9);
    const first = w.stats.iops(sim.now);
    expect(() => runMeasured(sim, [w], 0, 1e9)).toThrow(
      "runMeasured: workloads[0] (iometer) is stopped (runMeasured stops its workloads when its interval ends); start it again (start({ sim, target, rng, vm })) to measure another interval",
    );
    w.start({ sim, target: new Hdd(sim), rng: new RngStreams(2).get("vm0"), vm: 0 });
    runMeasured(sim, [w], 1e8, 1e9);
    expect(w.stats.iops(sim.now)).toBeGreaterThan(0.8 * first);
  });

  // A disk built on another simulation queued the IOs there, where nothing ran them: 0 IOPS, and IOs piling up in it.
  it("a workload started on a target of another simulation is refused at start", () => {
    const sim = new Simulation();
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4 });
    const elsewhere = new Hdd(new Simulation());
    const other = new Simulation();
    const vdisk = new VirtualDisk(other, new Hdd(other), { queueDepth: 32 });
    for (const target of [elsewhere, vdisk])
      expect(() => w.start({ sim, target, rng: new RngStreams(1).get("vm0"), vm: 0 })).toThrow(
        "workload iometer: its target runs on another Simulation than this one: build them both with one sim",
      );
    expect(elsewhere.outstanding).toBe(0);
    // Each layer refuses one below it built on another simulation.
    const hdd = new Hdd(other);
    expect(() => new VirtualDisk(sim, hdd, { queueDepth: 32 })).toThrow(
      "virtual disk: its backing target runs on another Simulation than this one: build them both with one sim",
    );
    expect(() => new HostAdapter(sim, hdd, { issueQueueDepth: 32, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 })).toThrow(
      "host adapter: its target runs on another Simulation",
    );
    expect(() => new RaidGroup(sim, [new Hdd(sim), hdd, new Hdd(sim)], { level: 5, chunkSectors: 128 })).toThrow(
      "raid: members[1] runs on another Simulation",
    );
    expect(
      () => new StorageArray(sim, new RaidGroup(other, [hdd, new Hdd(other), new Hdd(other)], { level: 5, chunkSectors: 128 })),
    ).toThrow("array: its RAID group runs on another Simulation");
    expect(() => new ModelBlockBackend({ sim, target: hdd, store: new MemoryBackend({ sizeBytes: 1 << 20 }) })).toThrow(
      "block backend: its target runs on another Simulation",
    );
  });

  it("measures the interval after the warm-up and returns its length", () => {
    const { sim, w } = started();
    expect(runMeasured(sim, [w], 1e8, 1e9)).toBe(1e9);
    expect(w.stats.sinceNs).toBe(1e8);
    expect(w.stats.completed).toBeGreaterThan(0);
  });

  // A NaN duration failed in the kernel as "run option until … got NaN", a key the caller never passed;
  // a negative warm-up ran no warm-up at all without a word.
  it.each([
    [Number.NaN, 1e9, "warmupNs"],
    [-1e9, 1e9, "warmupNs"],
    [1e8, Number.NaN, "durationNs"],
    [1e8, Number.POSITIVE_INFINITY, "durationNs"],
    [1e8, -1, "durationNs"],
  ])("refuses warmup %s, duration %s naming %s", (warmupNs, durationNs, key) => {
    const r = refusal(warmupNs, durationNs);
    expect(r).toMatch(/^VMLAB_STORAGE_BAD_CONFIG runMeasured: /);
    expect(r).toContain(`${key} must be a finite number of ns >= 0`);
  });

  it("refuses before running anything", () => {
    const { sim, w } = started();
    expect(() => runMeasured(sim, [w], 1e8, Number.NaN)).toThrow();
    expect(sim.now).toBe(0);
    expect(w.stats.issued).toBe(4);
  });

  // vscsiStats attached before the warm-up counted the warm-up's IOs in the measured histograms: the docs had users
  // attach it after a warm-up of their own instead.
  it("resets the vscsiStats observers given, as vscsiStats -r at the end of the ramp-up", () => {
    const sim = new Simulation();
    const vdisk = new VirtualDisk(sim, new Hdd(sim), { queueDepth: 32 });
    const vscsi = new VscsiStatsObserver();
    vdisk.addObserver(vscsi);
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4 });
    w.start({ sim, target: vdisk, rng: new RngStreams(1).get("vm0"), vm: 0 });
    runMeasured(sim, [w], 1e9, 1e9, { observers: [vscsi] });
    expect(w.stats.completed).toBeGreaterThan(50);
    // The measured interval's IOs only, as the workload counted them (the guest's queue never holds one back here).
    expect(vscsi.stats.ios).toBe(w.stats.issued);
    expect(vscsi.stats.latency[0].count).toBe(w.stats.completed);
  });

  it("refuses a workload that was never started, naming it, before running anything", () => {
    const { sim, w } = started();
    const idle = new IometerWorkload(
      { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 },
      { kind: "closed" },
      "writer",
    );
    let caught: unknown;
    try {
      runMeasured(sim, [w, idle], 1e8, 1e9);
    } catch (e) {
      caught = e;
    }
    expect((caught as { code?: string }).code).toBe("VMLAB_STORAGE_BAD_CONFIG");
    expect((caught as Error).message).toMatch(/^runMeasured: workloads\[1\] \(writer\) was never started; /);
    expect(sim.now).toBe(0);
  });

  it("the stats count only the measured interval: an all-read workload's reads are its completions", () => {
    const sim = new Simulation();
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4 });
    w.start({ sim, target: new Hdd(sim), rng: new RngStreams(1).get("w"), vm: 0 });
    runMeasured(sim, [w], 100_000_000, 200_000_000);
    // The warm-up's reads were counted on (79 reads for 54 completions) if reset() forgot readsCompleted.
    expect(w.stats.completed).toBeGreaterThan(20);
    expect(w.stats.readsCompleted).toBe(w.stats.completed);
  });
});
