import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";
import { runQuick } from "./run-quick.test-support.js";
import { CONTROLLED_SCENARIOS, checkRefusal, scenario } from "./scenario-check.test-support.js";

describe("the latency average's form (PARDA Eq. 1: α is the weight of the past)", () => {
  it("is offered by every PARDA-family scenario, PARDA's printed form by default", () => {
    const offering = plugin.scenarios.filter((s) => "latencyEwmaForm" in s.config.parse(s.quick));
    expect(offering.map((s) => s.id).sort()).toEqual(CONTROLLED_SCENARIOS);
    for (const s of offering) expect(s.config.parse(s.quick)).toMatchObject({ latencyEwmaForm: "period-mean", latencyEwmaAlpha: 0.002 });
  });

  it("refuses α = 1 with the period-mean form, under the user's key, before anything runs; per-io takes it (no smoothing)", () => {
    for (const id of CONTROLLED_SCENARIOS) {
      expect(checkRefusal(id, { latencyEwmaAlpha: 1 })).toMatch(
        /^invalid config for [\w-]+: latencyEwmaAlpha: must be < 1 when latencyEwmaForm=period-mean: .*; got 1 /,
      );
      expect(checkRefusal(id, { latencyEwmaAlpha: 1, latencyEwmaForm: "per-io" })).toBe("not refused");
    }
  });

  it("reaches the hosts: the two forms steer the same run differently", async () => {
    const s = scenario("parda-equal-shares");
    const paper = await runQuick(s);
    const perIo = await runQuick(s, { latencyEwmaForm: "per-io" });
    expect(paper.metrics).not.toEqual(perIo.metrics);
    expect(await runQuick(s, { latencyEwmaForm: "period-mean" })).toEqual(paper);
  });
});
