import { isVmlabError, RngStreams, type ScenarioResult } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { runQuick } from "./run-quick.test-support.js";

/**
 * Every PARDA-family scenario averages its samples over a window; a window with no sample in it
 * used to average to zeros (exit 0, e.g. IOPS 0 and latency_vs_threshold −1) or crash on a missing
 * row (an internal error). Each must be refused before anything runs, naming the setting.
 */
const EMPTY: [string, Record<string, unknown>, string][] = [
  ["parda-equal-shares", { durationS: 20, measureFromS: 30 }, "measureFromS"],
  ["parda-equal-shares", { durationS: 21, measureFromS: 20, sampleS: 2 }, "measureFromS"],
  ["parda-proportional", { durationS: 20, measureFromS: 20 }, "measureFromS"],
  ["mclock-vs-sfq", { durationS: 10, measureFromS: 20 }, "measureFromS"],
  ["flow-control", { durationS: 20, measureFromS: 25 }, "measureFromS"],
  ["flow-control", { durationS: 20, measureFromS: 10, sweepDurationS: 1 }, "sweepDurationS"],
  // The docs' Fig. 13 command: idling from 140 s left (150 s, 140 s] to measure.
  ["parda-end-to-end", { durationS: 300, measureFromS: 150, idleFromS: 140, idleToS: 310 }, "measureFromS"],
  ["parda-end-to-end", { durationS: 300, measureFromS: 100, idleFromS: 300, idleToS: 310 }, "idleFromS"],
  ["parda-demand-change", { durationS: 100, hosts: 3, stopAtS: [50, 50] }, "stopAtS"],
  ["parda-threshold-change", { phaseS: 1, hosts: 2 }, "phaseS"],
];

function scenario(id: string) {
  const s = plugin.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}

describe("qos scenarios refuse a measurement window that holds no sample", () => {
  for (const [id, over, key] of EMPTY)
    it(`${id} ${JSON.stringify(over)} → ${key}`, async () => {
      const s = scenario(id);
      const config = s.config.parse({ ...s.quick, ...over });
      let progressed = false;
      let result: ScenarioResult | undefined;
      try {
        result = await s.run({ config, seed: 1, quick: true, rng: new RngStreams(1), progress: () => (progressed = true) });
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
        expect(isVmlabError(e) && e.details.key).toBe(key);
        expect(progressed).toBe(false);
        return;
      }
      expect.unreachable(`ran and returned metrics ${JSON.stringify(result?.metrics)}`);
    });

  it("Fig. 13 measures the idle window over the idle period's second half", async () => {
    // The idle window is the second half of the idle period, here (170 s, 200 s]; it once ran past the run's end and
    // averaged to a window of 0 — which still passed "below 60% of the busy window". (An idle period that does not
    // end before the run does is refused: control-period.test.ts.)
    const s = scenario("parda-end-to-end");
    const config = s.config.parse({ durationS: 240, measureFromS: 80, idleFromS: 140, idleToS: 200 });
    const m = (await s.run({ config, seed: 1, quick: false, rng: new RngStreams(1), progress: () => {} })).metrics;
    expect(m.parda_host1_vm_ratio).toBeGreaterThan(1.5);
    // While its share-10 VM idles host 1's β is 4 (was 6), host 4's 2: host 1's window falls, to twice host 4's.
    expect(m.idle_host1_window).toBeLessThan(m.busy_host1_window * 0.85);
    expect(m.idle_host1_window / m.idle_host4_window).toBeGreaterThan(1.6);
    expect(m.idle_host1_window / m.idle_host4_window).toBeLessThan(2.5);
  });
});

describe("an empty-window refusal names the value given and what is allowed, on one line", () => {
  const NAMED: [string, Record<string, unknown>, string][] = [
    // Rounded to ms, this window read "(0 s, 0.001 s] holds no 0.001 s sample", which contradicts itself.
    ["mclock-vs-sfq", { durationS: 0.0009, measureFromS: 0.0004, sampleS: 0.001 }, "measureFromS=0.0004"],
    // The window is derived from the key (each phase's second half): the key's own value was not in the line.
    ["parda-threshold-change", { phaseS: 10, sampleS: 60 }, "phaseS=10"],
    // Stops closer than a sample apart (equal stops get their own refusal: phase-times-once.test.ts).
    ["parda-demand-change", { durationS: 100, hosts: 3, stopAtS: [50, 50.5] }, "stopAtS=50,50.5"],
    ["flow-control", { durationS: 20, measureFromS: 10, sweepDurationS: 1 }, "sweepDurationS=1"],
    ["parda-end-to-end", { durationS: 300, measureFromS: 100, idleFromS: 200, idleToS: 201 }, "idleToS=201"],
  ];
  const refusal = async (id: string, over: Record<string, unknown>): Promise<string> => {
    const s = scenario(id);
    try {
      await runQuick(s, over);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    return "not refused";
  };

  for (const [id, over, given] of NAMED)
    it(`${id} ${JSON.stringify(over)} → ${given}`, async () => {
      const message = await refusal(id, over);
      expect(message).toContain(`given ${given}`);
      expect(message).toMatch(/holds no sample.*allowed: /);
      expect(message).not.toContain("\n");
    });

  it("states the window as computed, with its bounds unrounded, and where an allowed one would end or start", async () => {
    expect(await refusal("mclock-vs-sfq", { durationS: 0.0009, measureFromS: 0.0004, sampleS: 0.001 })).toBe(
      "invalid config for mclock-vs-sfq: measureFromS: the measured window (0.0004 s, 0.0009 s] holds no sample (samples are at multiples of sampleS (0.001 s) up to durationS (0.0009 s)); allowed: a window that holds one, here one that ends at 0.001 s or later, given measureFromS=0.0004 (see `vmlab describe mclock-vs-sfq`)",
    );
    expect(await refusal("parda-equal-shares", { durationS: 21, measureFromS: 20, sampleS: 2 })).toContain(
      "the measured window (20 s, 21 s] holds no sample (samples are at multiples of sampleS (2 s) up to durationS (21 s)); allowed: a window that holds one, here one that ends at 22 s or later or starts before 20 s, given measureFromS=20 (see `vmlab describe parda-equal-shares`)",
    );
  });
});
