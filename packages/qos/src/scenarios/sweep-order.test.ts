import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { runQuick } from "./run-quick.test-support.js";

/**
 * The sweeps' metrics read the low and high point off the ends of the sweep: given in another
 * order, `--set oio=32,1` reported OIO 1's interrupt ratio (1) as high_oio_interrupt_ratio and
 * OIO 32's latency change (+11%) as low_oio_latency_change, and flow-control's oioSweep=32,4,16
 * said latency_monotone_in_load 0 for a latency that rises with load. The order given must not matter.
 */
const CASES: [string, Record<string, unknown>, string, [number[], number[]]][] = [
  [
    "vic-coalescing",
    { durationS: 0.1, warmupS: 0.02 },
    "oio",
    [
      [32, 1],
      [1, 32],
    ],
  ],
  [
    "vic-guest",
    { ios: 300, virtualizationCostLoops: [0] },
    "oio",
    [
      [16, 1],
      [1, 16],
    ],
  ],
  [
    "flow-control",
    { durationS: 20, measureFromS: 10, sweepDurationS: 8 },
    "oioSweep",
    [
      [16, 4, 8],
      [4, 8, 16],
    ],
  ],
];

describe("a sweep's results do not depend on the order its points are given in", () => {
  for (const [id, over, key, [shuffled, sorted]] of CASES)
    it(`${id}: ${key}=${shuffled} gives the same results as ${key}=${sorted}`, async () => {
      const s = plugin.scenarios.find((x) => x.id === id);
      if (!s) throw new Error(`no scenario ${id}`);
      const run = async (points: number[]) => JSON.stringify(await runQuick(s, { ...over, [key]: points }));
      expect(await run(shuffled)).toBe(await run(sorted));
    });
});
