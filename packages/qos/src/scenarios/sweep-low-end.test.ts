import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { runQuick } from "./run-quick.test-support.js";

/**
 * low_oio_latency_change and the safety-property reference row are read off the sweep's smallest OIO, which is OIO 1
 * only when the sweep has it: `--set oio=4,32` compared OIO 4 under the label "latency change at OIO 1".
 */
const CASES: [string, Record<string, unknown>, number[]][] = [
  ["vic-coalescing", { durationS: 0.1, warmupS: 0.02 }, [4, 32]],
  ["vic-guest", { ios: 300, virtualizationCostLoops: [0] }, [4, 16]],
];

type Row = Record<string, number | string>;

describe("the low-OIO metric and reference row name the sweep's smallest OIO", () => {
  for (const [id, over, oio] of CASES)
    it(`${id}: oio=${oio} labels OIO ${oio[0]}, and the metric is OIO ${oio[0]}'s`, async () => {
      const s = plugin.scenarios.find((x) => x.id === id);
      if (!s) throw new Error(`no scenario ${id}`);
      const r = await runQuick(s, { ...over, oio });
      const refs = (r.reference ?? []).filter((x) => x.what.includes("change at OIO"));
      expect(refs.map((x) => x.what)).toEqual([
        id === "vic-guest"
          ? "change at OIO 4 (the sweep's smallest; low CIF: coalescing off)"
          : "latency change at OIO 4 (the sweep's smallest; safety property)",
      ]);
      const low = (r.tables[0].rows as Row[]).find((x) => x.oio === oio[0]) as Row;
      const change = Math.round(((low.latency_us_vic as number) / (low.latency_us_off as number) - 1) * 1e6) / 1e6;
      expect(r.metrics.low_oio_latency_change).toBe(change);
    });
});

describe("vic-coalescing's low-end row says low CIF only while the sweep's smallest OIO is at most cifThreshold", () => {
  it("oio=16,32: the row says vIC may coalesce there (it said 'safety property' of a point vIC coalesced)", async () => {
    const s = plugin.scenarios.find((x) => x.id === "vic-coalescing");
    if (!s) throw new Error("no scenario vic-coalescing");
    const r = await runQuick(s, { durationS: 0.1, warmupS: 0.02, oio: [16, 32] });
    const ref = (r.reference ?? []).find((x) => x.what.includes("change at OIO"));
    expect(ref?.what).toBe("latency change at OIO 16 (the sweep's smallest; above cifThreshold 4: vIC may coalesce)");
    expect(ref?.paper).toBe("none claimed (the paper's no-change claim is for low CIF)");
    expect(ref?.verdict).toBe("n/a");
  });
});

describe("vic-guest's low-end row says low CIF only while the sweep's smallest OIO is at most cifThreshold", () => {
  it("oio=8,16 with cifThreshold 4: the row says vIC may coalesce there, and that the paper claims nothing for it", async () => {
    const s = plugin.scenarios.find((x) => x.id === "vic-guest");
    if (!s) throw new Error("no scenario vic-guest");
    const r = await runQuick(s, { ios: 300, virtualizationCostLoops: [0], oio: [8, 16], cifThreshold: 4 });
    const ref = (r.reference ?? []).find((x) => x.what.includes("change at OIO"));
    expect(ref?.what).toBe("change at OIO 8 (the sweep's smallest; above cifThreshold 4: vIC may coalesce)");
    expect(ref?.paper).toBe("none claimed (the paper's no-change claim is for low CIF)");
  });
});
