import { isVmlabError, RngStreams, type ScenarioResult, type VmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { plugin } from "../plugin.js";

function scenario(id: string) {
  const s = plugin.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}

/** The refusal of `id` with `over` on its --quick config, from its check (before anything runs), or "not refused". */
async function refusal(id: string, over: Record<string, unknown>): Promise<VmlabError | string> {
  const s = scenario(id);
  const config = s.config.parse({ ...s.quick, ...over });
  let progressed = false;
  let result: ScenarioResult | undefined;
  try {
    s.check?.({ config, seed: 1, quick: true });
    result = await s.run({ config, seed: 1, quick: true, rng: new RngStreams(1), progress: () => (progressed = true) });
  } catch (e) {
    expect(progressed).toBe(false);
    if (isVmlabError(e)) return e;
    throw e;
  }
  return `not refused: ${JSON.stringify(result?.metrics)}`;
}

/**
 * A control period no shorter than the window the run is measured over: some host's control may never act in it, and
 * a panel labelled PARDA showed hosts at their initial window (controlPeriodS=60 in a 30 s run exited 0, 3 of 4
 * reference checks failing). Refused, naming controlPeriodS and the keys that bound the window, on one line.
 */
const TOO_LONG: [string, Record<string, unknown>, RegExp][] = [
  [
    "parda-equal-shares",
    { controlPeriodS: 60, durationS: 30, measureFromS: 10 },
    /the measured window, from measureFromS=10 to durationS=30 \(0 s of it after the first control period\)/,
  ],
  ["parda-equal-shares", { controlPeriodS: 60 }, /the measured window, from measureFromS=100 to durationS=160 \(60 s\)/],
  ["parda-proportional", { controlPeriodS: 30, durationS: 130, measureFromS: 100 }, /from measureFromS=100 to durationS=130 \(30 s\)/],
  ["parda-end-to-end", { controlPeriodS: 60 }, /the measured window, from measureFromS=100 to durationS=160 \(60 s\)/],
  [
    "parda-end-to-end",
    { controlPeriodS: 30, durationS: 200, measureFromS: 80, idleFromS: 100, idleToS: 150 },
    /the measured window before idleFromS, from measureFromS=80 to idleFromS=100 \(20 s\)/,
  ],
  ["flow-control", { controlPeriodS: 60 }, /the control runs' measured window, from measureFromS=100 to durationS=160 \(60 s\)/],
  ["parda-demand-change", { controlPeriodS: 30 }, /every phase, here phase 4, from 190 s to 220 s, with stopAtS=110,150,190 \(30 s\)/],
  [
    "parda-threshold-change",
    { controlPeriodS: 60, phaseS: 40 },
    /every phase, here phase 1, from 0 s to 40 s, with phaseS=40 \(0 s of it after the first control period\)/,
  ],
  // Controls act from the second period on: a 25 s window from 10 s holds only 15 s after a first period of 20 s.
  [
    "parda-equal-shares",
    { controlPeriodS: 20, durationS: 35, measureFromS: 10 },
    /from measureFromS=10 to durationS=35 \(15 s of it after the first control period\)/,
  ],
];

describe("a control period not shorter than the measured window is refused", () => {
  for (const [id, over, window] of TOO_LONG)
    it(`${id} ${JSON.stringify(over)}`, async () => {
      const e = await refusal(id, over);
      expect(isVmlabError(e) && e.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
      const err = e as VmlabError;
      expect(err.details.key).toBe("controlPeriodS");
      expect(err.message).toMatch(window);
      expect(err.message).toContain(`given controlPeriodS=${over.controlPeriodS}`);
      expect(err.message).not.toContain("\n");
    });

  it("a period just shorter than the window is taken (the bound is the window, not a rounder number)", async () => {
    const s = scenario("parda-equal-shares");
    const config = s.config.parse({ ...s.quick, controlPeriodS: 59 });
    expect(() => s.check?.({ config, seed: 1, quick: true })).not.toThrow();
  });
});

describe("parda-end-to-end: Fig. 13's idle period must end before the run does", () => {
  it("docs/parda.md's old command (idle 140–310 s in a 300 s run) is refused, naming idleToS and durationS", async () => {
    const e = await refusal("parda-end-to-end", { durationS: 300, measureFromS: 80, idleFromS: 140, idleToS: 310 });
    expect(isVmlabError(e) && e.details.key).toBe("idleToS");
    expect((e as VmlabError).message).toMatch(
      /idleToS: must be before the run's end, durationS=300, so that the run shows the VM coming back \(Fig\. 13\).*given idleToS=310/,
    );
  });

  it("an idle period that ends exactly at the end is refused too", async () => {
    const e = await refusal("parda-end-to-end", { durationS: 300, measureFromS: 80, idleFromS: 140, idleToS: 300 });
    expect(isVmlabError(e) && e.details.key).toBe("idleToS");
  });
});
