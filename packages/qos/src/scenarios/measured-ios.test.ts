import { isVmlabError, type VmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { runQuick } from "./run-quick.test-support.js";

/**
 * A measured window that holds a sample but is shorter than an IO's latency saw no IO complete: its ratios came out
 * 0/0 (null in results.json, NaN and Infinity in the CSVs) and its latency 0 ms, in a run that exited 0. Each must be
 * refused, naming the setting that made the window too short. (The control period is set shorter than each window:
 * a longer one is refused first, control-period.test.ts.)
 */
const TOO_SHORT: [string, Record<string, unknown>, string][] = [
  ["parda-equal-shares", { durationS: 0.003, sampleS: 0.001, measureFromS: 0, controlPeriodS: 0.001 }, "measureFromS"],
  ["parda-proportional", { durationS: 0.003, sampleS: 0.001, measureFromS: 0, controlPeriodS: 0.001 }, "measureFromS"],
  ["parda-end-to-end", { durationS: 0.003, sampleS: 0.001, measureFromS: 0, controlPeriodS: 0.001 }, "measureFromS"],
  ["flow-control", { durationS: 0.003, sampleS: 0.001, measureFromS: 0, sweepDurationS: 1, controlPeriodS: 0.001 }, "measureFromS"],
  ["flow-control", { durationS: 4, measureFromS: 2, sweepDurationS: 0.004, sampleS: 0.001, controlPeriodS: 1 }, "sweepDurationS"],
  // Controls act from the second period (1 ms) on: a first phase of 2 ms would be refused on controlPeriodS first.
  ["parda-threshold-change", { phaseS: 0.0025, sampleS: 0.001, controlPeriodS: 0.001 }, "phaseS"],
  ["parda-demand-change", { durationS: 0.0045, sampleS: 0.001, stopAtS: [0.0025], controlPeriodS: 0.001 }, "stopAtS"],
];

function scenario(id: string) {
  const s = plugin.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}

describe("qos scenarios refuse a measured window in which no IO completed", () => {
  for (const [id, over, key] of TOO_SHORT)
    it(`${id} ${JSON.stringify(over)} → ${key}`, async () => {
      const s = scenario(id);
      let error: unknown;
      try {
        await runQuick(s, over);
      } catch (e) {
        error = e;
      }
      expect(isVmlabError(error) && error.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
      expect((error as VmlabError).details?.key).toBe(key);
      expect((error as Error).message).toMatch(/saw no IO of .* complete/);
    });
});
