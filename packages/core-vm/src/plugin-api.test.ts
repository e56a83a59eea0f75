import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { isVmlabError, VmlabError } from "./errors.js";
import { defineScenario, type Scenario, type ScenarioResult } from "./plugin-api.js";
import { SCENARIO_BAD_CONFIG } from "./scenario-config-error.js";
import { RngStreams } from "./sim/rng.js";

/**
 * A scenario as a package outside qos writes one: its check throws the package's own error (a code without
 * `_BAD_`, no `details.key`), and nothing in the scenario converts it. `defineScenario` must make it the
 * scenario's config refusal, or the CLI tells a bad config as a failed run (exit 1).
 */
const DemoConfig = z.object({
  diskMiB: z
    .number()
    .int()
    .min(1)
    .max(1 << 20)
    .default(64)
    .describe("disk size, MiB"),
  fileMiB: z
    .number()
    .int()
    .min(1)
    .max(1 << 20)
    .default(16)
    .describe("test file size, MiB"),
});

const EMPTY: ScenarioResult = { metrics: {}, tables: [], figures: [], reference: [] };

const demo = defineScenario({
  id: "demo-check",
  title: "a scenario whose check throws its package's own error",
  paper: "none",
  config: DemoConfig,
  quick: { fileMiB: 8 },
  check: ({ config }) => {
    if (config.fileMiB > config.diskMiB)
      throw new VmlabError("VMLAB_DEMO_FILE_TOO_LARGE", `the ${config.fileMiB} MiB test file does not fit the ${config.diskMiB} MiB disk`);
  },
  run: ({ config }) => {
    if (config.diskMiB === 13) throw new VmlabError("VMLAB_DEMO_MODEL_FAILED", "the model failed midway");
    return { ...EMPTY, metrics: { fileMiB: config.fileMiB } };
  },
});

const ctx = (config: z.output<typeof DemoConfig>) => ({ config, seed: 1, quick: false, rng: new RngStreams(1), progress: () => {} });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("defineScenario: a check's refusal is the scenario's config refusal, whatever code the package gave it", () => {
  it("check: a package's error becomes the one config-refusal line, the original kept as its cause", () => {
    const e = thrown(() => demo.check?.({ config: DemoConfig.parse({ diskMiB: 4 }), seed: 1, quick: false }));
    expect(isVmlabError(e) && e.code).toBe(SCENARIO_BAD_CONFIG);
    expect((e as Error).message).toBe(
      "invalid config for demo-check: (config): the 16 MiB test file does not fit the 4 MiB disk (see `vmlab describe demo-check`)",
    );
    expect((e as Error).cause).toMatchObject({ code: "VMLAB_DEMO_FILE_TOO_LARGE" });
  });

  it("a package's refusal naming its key keeps the key", () => {
    const keyed = defineScenario({
      ...demo,
      check: () => {
        throw new VmlabError("VMLAB_DEMO_TOO_BIG", "fileMiB: must fit the disk", { key: "fileMiB", issue: "must fit the disk" });
      },
    });
    const e = thrown(() => keyed.check?.({ config: DemoConfig.parse({}), seed: 1, quick: false }));
    expect(e).toMatchObject({ code: SCENARIO_BAD_CONFIG, details: { key: "fileMiB", issue: "must fit the disk" } });
  });

  it("run checks first, so a direct caller gets the same refusal; run's own errors stay as they are", async () => {
    const e = await Promise.resolve()
      .then(() => demo.run(ctx(DemoConfig.parse({ diskMiB: 4 }))))
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: SCENARIO_BAD_CONFIG });
    const failed = await Promise.resolve()
      .then(() => demo.run(ctx(DemoConfig.parse({ diskMiB: 13, fileMiB: 1 }))))
      .catch((x: unknown) => x);
    expect(failed).toMatchObject({ code: "VMLAB_DEMO_MODEL_FAILED" });
    expect(await demo.run(ctx(DemoConfig.parse({})))).toMatchObject({ metrics: { fileMiB: 16 } });
  });

  it("an error that is not a VmlabError (a bug in the check) passes unchanged", () => {
    const buggy = defineScenario({
      ...demo,
      check: () => {
        throw new TypeError("a bug");
      },
    });
    expect(thrown(() => buggy.check?.({ config: DemoConfig.parse({}), seed: 1, quick: false }))).toBeInstanceOf(TypeError);
  });
});

describe("defineScenario keeps the config's types", () => {
  it("check and run take the schema's output; the plugin's untyped list still takes the scenario", () => {
    expectTypeOf(demo.config).toEqualTypeOf<typeof DemoConfig>();
    expectTypeOf(demo.run).parameter(0).toHaveProperty("config").toEqualTypeOf<{ diskMiB: number; fileMiB: number }>();
    // @ts-expect-error fileMiB is a number: a string config no longer type-checks
    thrown(() => demo.check?.({ config: { diskMiB: 4, fileMiB: "16" }, seed: 1, quick: false }));
    const listed: Scenario[] = [demo];
    expect(listed).toHaveLength(1);
  });
});
