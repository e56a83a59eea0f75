import { RngStreams } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { FlowControlConfig, flowControl } from "./flow-control.js";

describe("flow-control (SPEED'08 vs PARDA)", () => {
  it("static depths split throughput by depth, latency rises with load, local signals diverge where PARDA's average does not", async () => {
    const config = FlowControlConfig.parse(flowControl.quick);
    const r = await flowControl.run({ config, seed: 1, quick: true, rng: new RngStreams(1), progress: () => {} });
    const m = r.metrics;
    // Depths 32:4 give a large throughput ratio (SPTF and the shared disks make it sub-linear).
    expect(m.static_iops_ratio_first_to_last).toBeGreaterThan(3);
    expect(m.latency_monotone_in_load).toBe(1);
    expect(m.local_window_spread).toBeGreaterThan(2);
    expect(m.parda_window_spread).toBeLessThan(1.25);
    expect(m.parda_jain_index).toBeGreaterThan(m.local_jain_index);
  });
});
