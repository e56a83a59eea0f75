import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineScenario, type Scenario, VmlabError } from "@vmlab/core-vm";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/**
 * A scenario's own check refuses with its package's error: a code the CLI's bad-input pattern does not match
 * (no `_BAD_`), no `details.key`. That is still a refused config, so exit 2 with the one config-refusal line,
 * whether the scenario came through `defineScenario` or is a bare object; its run's errors stay a failed run.
 */
vi.mock("../src/plugins.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/plugins.js")>();
  const config = z.object({
    diskMiB: z.number().int().min(1).max(1024).default(64).describe("disk size, MiB"),
    fileMiB: z.number().int().min(1).max(1024).default(16).describe("test file size, MiB"),
  });
  const body = {
    title: "a check that throws its package's own error",
    paper: "none",
    config,
    quick: {},
    check: ({ config: c }: { config: z.output<typeof config> }) => {
      if (c.fileMiB > c.diskMiB)
        throw new VmlabError("VMLAB_DEMO_FILE_TOO_LARGE", `the ${c.fileMiB} MiB file does not fit the ${c.diskMiB} MiB disk`);
    },
    run: (): never => {
      throw new VmlabError("VMLAB_DEMO_MODEL_FAILED", "the model failed midway");
    },
  };
  const defined = defineScenario({ id: "defined", ...body });
  const bare: Scenario = { id: "bare", ...body } as unknown as Scenario;
  const entries = [defined, bare].map((scenario) => ({ scenario: scenario as Scenario, package: "@vmlab/demo" }));
  return {
    ...actual,
    allScenarios: async () => entries,
    findScenario: async (id: string) => entries.find((e) => e.scenario.id === id) ?? actual.findScenario(id),
  };
});

describe("a scenario's check refusing with its package's own code", () => {
  for (const id of ["defined", "bare"])
    it(`${id}: one config-refusal line, exit 2, nothing written; with --dry-run and without`, async () => {
      const out = join(scratchDir("vmlab-check-refusal-"), "out");
      for (const dry of [["--dry-run"], []]) {
        const r = await runCli("run", id, "--set", "diskMiB=4", "--out", out, ...dry);
        expect(r.stderr).toBe(
          `vmlab: invalid config for ${id}: (config): the 16 MiB file does not fit the 4 MiB disk (see \`vmlab describe ${id}\`) [VMLAB_SCENARIO_BAD_CONFIG]\n`,
        );
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(existsSync(out)).toBe(false);
      }
    });

  it("the run's own error is a failed run: exit 1", async () => {
    const out = join(scratchDir("vmlab-check-refusal-"), "out");
    const r = await runCli("run", "defined", "--out", out);
    expect(r.stderr).toBe("vmlab: the model failed midway [VMLAB_DEMO_MODEL_FAILED]\n");
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});
