import { isVmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { runQuick } from "./run-quick.test-support.js";

/** The scenarios whose hosts run PARDA's (or SPEED'08's) control loop: those with the latency-average settings. */
const controlled = plugin.scenarios.filter((s) => "latencyEwmaForm" in s.config.parse(s.quick));

/** The refusal `check` gives `over` on the scenario's --quick config, or "not refused". */
function checkRefusal(id: string, over: Record<string, unknown>): string {
  const s = plugin.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  try {
    s.check?.({ config: s.config.parse({ ...s.quick, ...over }), seed: 1, quick: true });
  } catch (e) {
    if (isVmlabError(e)) return e.message;
    throw e;
  }
  return "not refused";
}

describe("the latency average's form (PARDA Eq. 1: α is the weight of the past)", () => {
  it("is offered by every PARDA-family scenario, PARDA's printed form by default", () => {
    expect(controlled.map((s) => s.id).sort()).toEqual([
      "flow-control",
      "parda-demand-change",
      "parda-end-to-end",
      "parda-equal-shares",
      "parda-proportional",
      "parda-threshold-change",
    ]);
    for (const s of controlled) expect(s.config.parse(s.quick)).toMatchObject({ latencyEwmaForm: "period-mean", latencyEwmaAlpha: 0.002 });
  });

  it("refuses α = 1 with the period-mean form, under the user's key, before anything runs; per-io takes it (no smoothing)", () => {
    for (const s of controlled) {
      expect(checkRefusal(s.id, { latencyEwmaAlpha: 1 })).toMatch(
        /^invalid config for [\w-]+: latencyEwmaAlpha: must be < 1 when latencyEwmaForm=period-mean: .*; got 1 /,
      );
      expect(checkRefusal(s.id, { latencyEwmaAlpha: 1, latencyEwmaForm: "per-io" })).toBe("not refused");
    }
  });

  it("reaches the hosts: the two forms steer the same run differently", async () => {
    const s = controlled.find((x) => x.id === "parda-equal-shares");
    if (!s) throw new Error("no parda-equal-shares");
    const paper = await runQuick(s);
    const perIo = await runQuick(s, { latencyEwmaForm: "per-io" });
    expect(paper.metrics).not.toEqual(perIo.metrics);
    expect(await runQuick(s, { latencyEwmaForm: "period-mean" })).toEqual(paper);
  });
});
