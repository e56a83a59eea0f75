import { refusedDetail } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { FlowControlConfig, flowControl } from "./flow-control.js";
import { runQuick } from "./run-quick.test-support.js";
import { QOS_TOLERANCES } from "./tolerances.js";

const T = QOS_TOLERANCES.flowControl;

describe("flow-control (SPEED'08 vs PARDA)", () => {
  it("static depths split throughput by depth, latency rises with load, local signals diverge where PARDA's average does not", async () => {
    const r = await runQuick(flowControl);
    const m = r.metrics;
    // Depths 32:4 give a large throughput ratio (SPTF and the shared disks make it sub-linear).
    expect(m.static_iops_ratio_first_to_last).toBeGreaterThan(m.static_depth_ratio_first_to_last / T.staticSplitFactor);
    expect(m.latency_monotone_in_load).toBe(1);
    expect(m.local_window_spread).toBeGreaterThan(T.localWindowSpreadMin);
    expect(m.parda_window_spread).toBeLessThan(T.pardaWindowSpreadMax);
    expect(r.reference.map((x) => x.verdict)).toEqual(["pass", "pass", "pass"]);
    expect(m.parda_jain_index).toBeGreaterThan(m.local_jain_index);
    expect(r.notes?.[0]).toMatch(/^With contiguous placement the middle hosts' data lies nearer/);
  });

  it("holds the static split to the run's own depths: 32 : 16 splits about 2 : 1 and passes (a fixed 'more than 3' failed it)", async () => {
    const r = await runQuick(flowControl, { staticDepths: [32, 16] });
    expect(r.metrics.static_iops_ratio_first_to_last).toBeGreaterThan(1.8);
    expect(r.metrics.static_iops_ratio_first_to_last).toBeLessThan(2.2);
    const row = r.reference.find((x) => x.what.startsWith("throughput split by static queue depth"));
    expect(row?.tolerance).toBe("between 0.75 and 5.33 (within 2.67× of the depth ratio 2; the tests' bound)");
    expect(row?.verdict).toBe("pass");
  });

  it("says the divergence note of the placement the run used: an interleaved run does not claim the middle hosts are nearer", async () => {
    const r = await runQuick(flowControl, { placement: "interleaved", durationS: 40, measureFromS: 20, oioSweep: [4, 8] });
    expect(r.notes?.[0]).toMatch(/^With interleaved placement no host's data lies nearer the others'/);
    expect(r.notes?.join(" ")).not.toContain("middle hosts");
  });

  it("refuses an OIO sweep of fewer than two distinct values: one point answered 'does latency rise with load?' with yes", () => {
    // The sweep runs each value once: oioSweep=4,4 ran one point and reported latency_monotone_in_load 1.
    // The schema refuses any repeat (a sweep axis, as every scenario's), naming the key and the value...
    for (const [oioSweep, repeat] of [
      [[4, 4], "4 twice"],
      [[32, 32, 32], "32 3 times"],
      [[32, 4, 32], "32 twice"],
    ] as const) {
      const parsed = FlowControlConfig.safeParse({ ...flowControl.quick, oioSweep });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
        `oioSweep: each value at most once, got ${repeat}`,
      ]);
    }
    // ...and the scenario's own check still refuses one distinct value from a caller that skips the schema.
    const refused = (oioSweep: number[]) =>
      refusedDetail(
        () => flowControl.check?.({ config: { ...FlowControlConfig.parse(flowControl.quick), oioSweep }, seed: 1, quick: true }),
        "VMLAB_SCENARIO_BAD_CONFIG",
      );
    expect(refused([4, 4])).toBe("oioSweep");
    expect(refused([32, 32, 32])).toBe("oioSweep");
  });

  it("bounds the sweep's virtual time as a whole, naming sweepDurationS, the value and the most the sweep allows", () => {
    // Each point may last 3600 s, but 255 points of it were accepted: ~8 hours of wall time with the storage array
    // (~0.033 s of wall time per virtual second at 16 hosts).
    const base = FlowControlConfig.parse(flowControl.quick);
    const check = (over: Record<string, unknown>) => () => flowControl.check?.({ config: { ...base, ...over }, seed: 1, quick: true });
    const oioSweep = Array.from({ length: 255 }, (_, i) => i + 2);
    expect(refusedDetail(check({ oioSweep, sweepDurationS: 3600 }), "VMLAB_SCENARIO_BAD_CONFIG", "issue")).toBe(
      "the sweep's 255 points × 3600 s = 918000 s of virtual time, more than 21600 s; at most 84.7 s with 255 points, got 3600",
    );
    // The default sweep at the largest per-point duration is still allowed.
    expect(refusedDetail(check({ oioSweep: [2, 4, 8, 16, 32, 48], sweepDurationS: 3600 }), "VMLAB_SCENARIO_BAD_CONFIG")).toBe("ran");
  });
});
