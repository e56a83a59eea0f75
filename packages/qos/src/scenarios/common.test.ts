import { describe, expect, it } from "vitest";
import type { ClusterRun } from "../cluster/cluster.js";
import { arrayNote, jainIndex, roundIops, thresholdLabel, timeSeriesTable } from "./common.js";
import { phaseRows } from "./phases.js";

describe("jainIndex", () => {
  it("is Jain's (Σx)² / (n·Σx²) of the allocations over their entitlements: 1 when proportional, 1/n when one flow gets everything", () => {
    expect(jainIndex([5, 5, 5, 5], [1, 1, 1, 1])).toBe(1);
    expect(jainIndex([2, 4, 6], [1, 2, 3])).toBe(1);
    expect(jainIndex([8, 0, 0, 0], [1, 1, 1, 1])).toBe(0.25);
    expect(jainIndex([1, 3], [1, 1])).toBe(16 / 20);
  });

  it("stays a number in [1/n, 1] when the squares leave floating-point range (shares=1e-300,1000 gave NaN, written as null)", () => {
    // v/w of 1e303 squared is Infinity (Infinity/Infinity = NaN); 1e-200 squared is 0 (an index of 1 for one flow alone).
    expect(jainIndex([1000, 1000], [1e-300, 1000])).toBeCloseTo(0.5, 12);
    expect(jainIndex([3e303, 1e303], [1, 1])).toBeCloseTo(16 / 20, 12);
    expect(jainIndex([1e-200, 0], [1, 1])).toBe(0.5);
    expect(jainIndex([0, 0], [1, 1])).toBe(1);
  });
});

describe("phaseRows", () => {
  it("averages each phase over its second half, after the controller has settled (Fig. 9's per-phase numbers)", () => {
    // One host: 100 IOs per 1 s sample in the first half of each 10 s phase (the transient), 300 in the second.
    const samples = Array.from({ length: 20 }, (_, k) => {
      const t = k + 1;
      const ios = (t - 1) % 10 < 5 ? 100 : 300;
      return { t, host: 0, window: ios / 10, iops: ios, latencyMs: 10, ios, latencySumMs: 10 * ios, vmIos: [ios] };
    });
    const run: ClusterRun = { hosts: 1, sampleS: 1, events: 0, samples };
    const rows = phaseRows("x", run, [0, 10, 20]);
    expect(rows.map((r) => [r.from_s, r.to_s, r.total_iops, r.mean_window_active])).toEqual([
      [5, 10, 300, 30],
      [15, 20, 300, 30],
    ]);
  });
});

describe("arrayNote", () => {
  it("describes the array the run used: its disk count, and the storage package's array when chosen (not the calibrated one)", () => {
    expect(arrayNote({ arrayModel: "qos", disks: 10 })).toMatch(/^Array: 10-disk RAID-5 LUN over a compact SPTF disk model \(10K RPM\)/);
    expect(arrayNote({ arrayModel: "qos", disks: 6 })).toMatch(/^Array: 6-disk RAID-5/);
    const storage = arrayNote({ arrayModel: "storage", disks: 8 });
    expect(storage).toContain("RAID-5 over 8 Cheetah 15K.5 disks");
    expect(storage).toContain("not calibrated");
    expect(storage).not.toMatch(/SPTF|10K RPM/);
  });
});

describe("thresholdLabel", () => {
  it("names the paper's L, and the run's beside it only when they differ", () => {
    expect(thresholdLabel(30, 30)).toBe("L = 30 ms");
    expect(thresholdLabel(25, 8)).toBe("L = 25 ms; this run's L = 8 ms");
  });
});

describe("timeSeriesTable", () => {
  it("never shows 0 IOPS beside a latency: one IO in a 60 s sample is 0.0167 IOPS (was 0.0)", () => {
    const sample = (t: number, ios: number) => ({
      t,
      host: 0,
      window: 4,
      iops: ios / 60,
      latencyMs: 12,
      ios,
      latencySumMs: 12 * ios,
      vmIos: [ios],
    });
    const run: ClusterRun = { hosts: 1, sampleS: 60, events: 0, samples: [sample(60, 1), sample(120, 0), sample(180, 600)] };
    const rows = timeSeriesTable("t", [{ label: "parda", run }]).rows;
    expect(rows.map((r) => [r.iops, r.latency_ms])).toEqual([
      [0.0167, 12],
      [0, null],
      [10, 12],
    ]);
  });

  it("rounds IOPS to 0.1 from 0.05 up, and to three significant digits below", () => {
    expect([0, 0.00123456, 0.0499, 0.05, 0.44, 812.345].map(roundIops)).toEqual([0, 0.00123, 0.0499, 0.1, 0.4, 812.3]);
  });
});
