import { describe, expect, it } from "vitest";
import type { ClusterRun } from "../cluster/cluster.js";
import { jainIndex } from "./common.js";
import { phaseRows } from "./phases.js";

describe("jainIndex", () => {
  it("is Jain's (Σx)² / (n·Σx²) of the allocations over their entitlements: 1 when proportional, 1/n when one flow gets everything", () => {
    expect(jainIndex([5, 5, 5, 5], [1, 1, 1, 1])).toBe(1);
    expect(jainIndex([2, 4, 6], [1, 2, 3])).toBe(1);
    expect(jainIndex([8, 0, 0, 0], [1, 1, 1, 1])).toBe(0.25);
    expect(jainIndex([1, 3], [1, 1])).toBe(16 / 20);
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
