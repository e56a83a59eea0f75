import { isVmlabError, RngStreams } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { arrayNote } from "./common.js";
import { PardaEqualSharesConfig, pardaEqualShares } from "./parda-equal-shares.js";
import { runQuick } from "./run-quick.test-support.js";
import { CONTROLLED_SCENARIOS } from "./scenario-check.test-support.js";
import { QOS_TOLERANCES } from "./tolerances.js";

const T = QOS_TOLERANCES.pardaEqualShares;

describe("parda-equal-shares (Table 3)", () => {
  it("after convergence each host is within 10% of the mean and latency within 15% of L", async () => {
    const r = await runQuick(pardaEqualShares);
    expect(r.metrics.parda_max_host_iops_deviation).toBeLessThan(T.maxHostIopsDeviation);
    expect(Math.abs(r.metrics.parda_latency_vs_threshold)).toBeLessThan(T.latencyVsThreshold);
    // Control lowers latency from the uncontrolled level without giving up much throughput (work-conserving).
    expect(r.metrics.uncontrolled_latency_ms).toBeGreaterThan(r.metrics.parda_latency_ms * T.uncontrolledOverPardaLatency);
    expect(r.metrics.throughput_change).toBeGreaterThan(T.throughputChange);
    // The rows judge the same bounds (docs/parda.md): the paper's totals have no bound, the other four pass.
    expect(r.reference.map((x) => x.verdict)).toEqual([undefined, "pass", "pass", "pass", "pass"]);
    expect(r.notes).toEqual([arrayNote({ arrayModel: "qos", disks: 10 })]);
    expect(r.reference.map((x) => x.what)).toContain("PARDA average latency (L = 30 ms)");
    expect(r.reference.find((x) => x.what.startsWith("largest per-host"))?.note).toContain("ours are symmetric with interleaved placement");
  });

  it("its reference rows say the run's L and placement where they are not the paper's", async () => {
    const r = await runQuick(pardaEqualShares, {
      latencyThresholdMs: 20,
      placement: "contiguous",
      disks: 6,
      durationS: 40,
      measureFromS: 20,
    });
    expect(r.reference.map((x) => x.what)).toContain("PARDA average latency (L = 30 ms; this run's L = 20 ms)");
    const note = r.reference.find((x) => x.what.startsWith("largest per-host"))?.note;
    expect(note).toContain("ours differ in placement only");
    expect(note).not.toContain("symmetric");
    expect(r.notes).toEqual([arrayNote({ arrayModel: "qos", disks: 6 })]);
  });

  it("rejects γ outside (0, 1] and L <= 0 with errors naming the key", async () => {
    const bad = async (over: Record<string, unknown>) => {
      const config = { ...PardaEqualSharesConfig.parse(pardaEqualShares.quick), ...over };
      return pardaEqualShares.run({ config, seed: 1, quick: true, rng: new RngStreams(1), progress: () => {} });
    };
    for (const [key, value] of [
      ["smoothingGamma", 1.2],
      ["smoothingGamma", 0],
      ["latencyThresholdMs", 0],
      ["latencyThresholdMs", -5],
    ] as const) {
      try {
        await bad({ [key]: value });
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
        expect(isVmlabError(e) && e.message).toContain(key);
      }
    }
    expect(PardaEqualSharesConfig.safeParse({ smoothingGamma: 1.5 }).success).toBe(false);
  });

  it("every PARDA scenario names windowMax as the user set it when it is below windowMin, before anything runs", async () => {
    // It was named control.windowMax, the cluster spec's key, which no --set accepts.
    const withWindows = plugin.scenarios.filter((sc) => "windowMax" in (sc.config as unknown as { shape: object }).shape);
    expect(withWindows.map((sc) => sc.id).sort()).toEqual(CONTROLLED_SCENARIOS);
    for (const sc of withWindows) {
      const config = sc.config.parse({ ...sc.quick, windowMin: 64, windowMax: 10 });
      let progressed = false;
      try {
        await sc.run({ config, seed: 1, quick: true, rng: new RngStreams(1), progress: () => (progressed = true) });
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.details.key, sc.id).toBe("windowMax");
      }
      expect(progressed, sc.id).toBe(false);
    }
  });
});
