import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
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
