import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Scenario, VmlabError } from "@vmlab/core-vm";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/**
 * A run that fails (README: "a run that fails (an error while it runs) exits 1"), with a scenario whose run throws: the exit code tells a
 * script that the run, not its input, went wrong, and no output of a run that failed is written.
 */
vi.mock("../src/plugins.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/plugins.js")>();
  const failing: Scenario = {
    id: "fails",
    title: "a run that fails",
    paper: "none",
    config: z.object({ how: z.enum(["model", "bug"]).default("model").describe("how the run fails") }),
    quick: {},
    run: ({ config }) => {
      if (config.how === "model") throw new VmlabError("VMLAB_FAKE_MODEL_FAILED", "the model failed midway");
      throw new TypeError("a bug in the scenario");
    },
  };
  const entry = { scenario: failing, package: "@vmlab/fake" };
  return { ...actual, allScenarios: async () => [entry], findScenario: async () => entry };
});

describe("vmlab run when the run itself fails", () => {
  it("a scenario's own error: its line with its code, exit 1, nothing written", async () => {
    const out = join(scratchDir("vmlab-run-failed-"), "out");
    const r = await runCli("run", "fails", "--out", out);
    expect(r.stderr).toBe("vmlab: the model failed midway [VMLAB_FAKE_MODEL_FAILED]\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(existsSync(out)).toBe(false);
  });

  it("an unexpected error is an internal error, exit 1, and an earlier run's files stay as they were", async () => {
    const out = scratchDir("vmlab-run-failed-");
    // An earlier run's (a file that is not one is refused before the run: `out-dir.test.ts`).
    const earlier = `${JSON.stringify({
      format: "vmlab-results/1",
      scenario: { id: "fails", title: "a run that fails", paper: "none", package: "@vmlab/fake" },
      seed: 1,
      quick: false,
      config: {},
      versions: {},
      metrics: {},
      tables: [],
      figures: [],
      reference: [],
      notes: [],
    })}\n`;
    writeFileSync(join(out, "results.json"), earlier);
    const r = await runCli("run", "fails", "--set", "how=bug", "--out", out);
    expect(r.stderr).toMatch(/^vmlab: internal error: TypeError: a bug in the scenario\n/);
    expect(r.code).toBe(1);
    expect(readdirSync(out)).toEqual(["results.json"]);
    expect(readFileSync(join(out, "results.json"), "utf8")).toBe(earlier);
  });

  it("bad input to the same scenario is still exit 2 (the input, not the run)", async () => {
    const r = await runCli("run", "fails", "--set", "how=never", "--dry-run");
    expect(r.code).toBe(2);
  });
});
