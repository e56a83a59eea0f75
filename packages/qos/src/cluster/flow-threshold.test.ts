import { describe, expect, it } from "vitest";
import { FC_10K_DISK } from "../array/sptf-disk.js";
import { runCluster, summarize } from "./cluster.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "./config.js";

/**
 * SPEED'08 flow control (docs/flow-control.md): the FAST-TCP-like law
 * w ← (1 − γ)·w + γ·((L/lat)·w + β) settles where lat = L·w/(w − β), so a lower threshold L
 * must leave a host a smaller window, and so (its array saturated) lower throughput and latency,
 * all else equal.
 */
function run(latencyThresholdMs: number, hosts: number) {
  const spec: ClusterSpec = {
    hosts: Array.from({ length: hosts }, () => ({
      vms: [microVm({ oio: 64 })],
      control: "flow" as const,
      scheduler: "sfq" as const,
      fixedDepth: 64,
    })),
    placement: "interleaved",
    control: { ...PARDA_CONTROL, latencyThresholdMs, periodS: 0.5 },
    array: { model: "qos", disks: 10, disk: FC_10K_DISK, stripeUnitSectors: 128, cacheHitMs: 0.5 },
    events: [],
    durationS: 40,
    sampleS: 1,
    seed: 1,
  };
  return summarize(runCluster(spec), 20, 40);
}

const nonDecreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]);

describe("flow control: a lower latency threshold L gives less window, throughput and latency", () => {
  const thresholds = [8, 15, 25, 40];

  it(`one host alone on the LUN, L = ${thresholds.join(", ")} ms: window, IOPS and latency rise with L until the window reaches w_max`, () => {
    const runs = thresholds.map((l) => run(l, 1));
    const window = runs.map((r) => r.hostWindow[0]);
    const iops = runs.map((r) => r.hostIops[0]);
    const latency = runs.map((r) => r.hostLatencyMs[0]);
    // Two runs whose windows both sit at w_max differ only in how they got there: the same within 0.5%, either way.
    const atMax = (i: number) => window[i] === PARDA_CONTROL.windowMax;
    const risesWithL = (xs: number[]) =>
      xs.every((x, i) => i === 0 || (atMax(i) && atMax(i - 1) ? Math.abs(x / xs[i - 1] - 1) < 0.005 : x >= xs[i - 1]));
    expect(nonDecreasing(window)).toBe(true);
    expect(risesWithL(iops) && risesWithL(latency)).toBe(true);
    // Below w_max (64) the window is L's doing: strictly less at a lower L (seed 1: ~16, ~49, then 64, 64).
    expect(window[0]).toBeLessThan(window[1]);
    expect(window[1]).toBeLessThan(PARDA_CONTROL.windowMax);
    expect(window[2]).toBe(PARDA_CONTROL.windowMax);
    expect(iops[0]).toBeLessThan(iops[1] * 0.8);
    // And it settles where the law's fixed point says: latency = L·w/(w − β), β = 1 for one VM of share 1.
    for (const i of [0, 1]) expect(latency[i]).toBeCloseTo((thresholds[i] * window[i]) / (window[i] - 1), 0);
  });

  it("two hosts sharing the LUN: each host's window and the hosts' total IOPS rise with L", () => {
    // Per-host IOPS is not asserted: on its own local latency each host settles on its own window
    // (seed 1, L = 25 ms: ~37 and ~49) and the larger takes more of the array — the divergence
    // SPEED'08 ran into and PARDA's cluster-wide average fixes (acceptance check 3, flow-control.test.ts).
    const runs = thresholds.map((l) => run(l, 2));
    for (const h of [0, 1]) {
      const window = runs.map((r) => r.hostWindow[h]);
      expect(nonDecreasing(window)).toBe(true);
      expect(window[0]).toBeLessThan(window[1]);
    }
    const total = runs.map((r) => r.totalIops);
    expect(nonDecreasing(total)).toBe(true);
    expect(total[0]).toBeLessThan(total[1] * 0.8);
  });
});
