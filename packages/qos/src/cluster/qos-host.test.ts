import { describe, expect, it } from "vitest";
import { FC_10K_DISK } from "../array/sptf-disk.js";
import { runCluster } from "./cluster.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "./config.js";

function spec(windowMin: number, windowMax: number): ClusterSpec {
  return {
    hosts: [0, 1].map(() => ({ vms: [microVm({ oio: 64 })], control: "parda" as const, scheduler: "sfq" as const, fixedDepth: 32 })),
    placement: "interleaved",
    // A long control period: the window set at construction is the one in force for most of the run.
    control: { ...PARDA_CONTROL, windowMin, windowMax, periodS: 100 },
    array: { model: "qos", disks: 10, disk: FC_10K_DISK, stripeUnitSectors: 128, cacheHitMs: 0.5 },
    events: [],
    durationS: 4,
    sampleS: 1,
    seed: 1,
  };
}

describe("QosHost", () => {
  it("SPEED'08 flow control grows a window at most 2x per control period (FAST TCP's cap); PARDA's law has none", () => {
    // One host from window 4 on an array whose latency is far below L = 30 ms: the law alone would jump to ~14.
    const growth = (control: "flow" | "parda") => {
      const s = spec(1, 64);
      s.hosts = [{ ...s.hosts[0], control }];
      s.control = { ...s.control, initialWindow: 4, periodS: 1 };
      s.durationS = 4;
      s.sampleS = 0.25;
      const windows = runCluster(s).samples.map((x) => x.window);
      let most = 0;
      for (let i = 1; i < windows.length; i++) most = Math.max(most, windows[i] / windows[i - 1]);
      return { most, windows };
    };
    const flow = growth("flow");
    expect(flow.most).toBeLessThanOrEqual(2);
    expect(flow.windows[flow.windows.length - 1]).toBeGreaterThan(16); // it does grow, 2x at a time
    expect(growth("parda").most).toBeGreaterThan(2);
  });

  it("starts a controlled host's window inside [windowMin, windowMax], before its first control tick", () => {
    // initialWindow is 32: with w_max = 8 the hosts ran 32 deep (and charted window 32) until the first tick.
    for (const s of runCluster(spec(4, 8)).samples) {
      expect(s.window).toBeLessThanOrEqual(8);
      // Little's law: at most 8 IOs in flight at ~10 ms each is well under 1,000 IOPS per host.
      expect(s.iops).toBeLessThan(1000);
    }
    for (const s of runCluster(spec(48, 64)).samples) {
      expect(s.window).toBeGreaterThanOrEqual(48);
      expect(s.window).toBeLessThanOrEqual(64);
    }
  });
});
