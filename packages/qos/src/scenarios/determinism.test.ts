import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { runQuick } from "./run-quick.test-support.js";

/** Tiny runs of every scenario: same seed → byte-identical JSON; another seed → different numbers. */
const TINY: Record<string, Record<string, unknown>> = {
  "parda-equal-shares": { durationS: 20, measureFromS: 10 },
  "parda-proportional": { durationS: 20, measureFromS: 10 },
  "parda-demand-change": { durationS: 30, stopAtS: [10, 20], hosts: 3 },
  "parda-threshold-change": { phaseS: 10, hosts: 3 },
  "parda-end-to-end": { durationS: 20, measureFromS: 10 },
  "flow-control": { durationS: 20, measureFromS: 10, sweepDurationS: 8, oioSweep: [4, 8] },
  "vic-coalescing": { oio: [1, 32], durationS: 0.1, warmupS: 0.02 },
  "vic-guest": { oio: [1, 16], ios: 300, virtualizationCostLoops: [0] },
  "mclock-vs-sfq": { durationS: 10, measureFromS: 2 },
};

describe("every qos scenario is deterministic", () => {
  for (const s of plugin.scenarios) {
    it(`${s.id}: same seed, same JSON`, async () => {
      const over = TINY[s.id];
      expect(over, `add ${s.id} to TINY`).toBeDefined();
      const run = async (seed: number) => JSON.stringify(await runQuick(s, over, seed));
      const a = await run(5);
      expect(await run(5)).toBe(a);
      expect(await run(6)).not.toBe(a);
    });
  }
});
