import { RngStreams, VmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { QosErrors } from "../errors.js";
import { defineQosScenario } from "./define.js";
import { PardaDemandChangeConfig, pardaDemandChange } from "./parda-demand-change.js";

const caught = async (f: () => unknown): Promise<VmlabError> => {
  try {
    await f();
  } catch (e) {
    if (e instanceof VmlabError) return e;
    throw e;
  }
  throw new Error("not refused");
};

describe("qos scenarios' bad-config refusals name the scenario", () => {
  it("a cross-field refusal names the key, the value given and this scenario's describe, in every scenario's shape and code", async () => {
    // The line ended with a literal "`vmlab describe <scenario>`" and left out the stop given; then it had qos's own
    // shape and code beside the schema's "invalid config for <scenario>: …".
    const config = PardaDemandChangeConfig.parse({ stopAtS: [500] });
    const e = await caught(() => pardaDemandChange.check?.({ config, seed: 1, quick: false }));
    expect(e.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
    expect(e.message).toBe(
      "invalid config for parda-demand-change: stopAtS: every stop must be before durationS (400 s), got 500 (see `vmlab describe parda-demand-change`)",
    );
    expect(e.details).toEqual({
      key: "stopAtS",
      issue: "every stop must be before durationS (400 s), got 500",
      scenario: "parda-demand-change",
      refusals: [{ key: "stopAtS", issue: "every stop must be before durationS (400 s), got 500" }],
    });
    // The model's own refusal, with qos's code, is kept as the cause for a caller that used the model directly before.
    expect(e.cause).toMatchObject({ code: "VMLAB_QOS_BAD_CONFIG", details: { key: "stopAtS" } });
  });

  it("a model's refusal from check or run (sync or async) is told with the scenario; other errors pass unchanged", async () => {
    const other = new Error("not a config error");
    const s = defineQosScenario({
      id: "demo",
      title: "t",
      paper: "p",
      config: z.object({ x: z.number().default(1) }),
      quick: {},
      check: ({ config }) => {
        if (config.x === 2) throw QosErrors.badConfig("x", "must not be 2, got 2");
        if (config.x === 3) throw other;
      },
      run: async () => {
        throw QosErrors.badConfig("y", "got 0");
      },
    });
    const ctx = (x: number) => ({ config: { x }, seed: 1, quick: false });
    expect((await caught(() => s.check?.(ctx(2)))).message).toBe(
      "invalid config for demo: x: must not be 2, got 2 (see `vmlab describe demo`)",
    );
    expect(() => s.check?.(ctx(3))).toThrow(other);
    const run = await caught(() => s.run({ ...ctx(1), rng: new RngStreams(1), progress: () => {} }));
    expect(run.details).toEqual({ key: "y", issue: "got 0", scenario: "demo", refusals: [{ key: "y", issue: "got 0" }] });
    // Outside a scenario (a model used as a library) the line has no CLI pointer at all.
    expect(QosErrors.badConfig("x", "got 2").message).toBe("x: got 2; fix this value");
  });
});
