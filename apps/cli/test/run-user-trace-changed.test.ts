import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Scenario } from "@vmlab/core-vm";
import { plugin } from "@vmlab/storage/plugin";
import { describe, expect, it, vi } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** The file `vscsistats-characterize`'s run changes, and what it writes to it, between its two passes over the trace. */
const change = vi.hoisted(() => ({ path: "", text: "" }));

/**
 * vscsistats-characterize, its trace file rewritten when the run's progress first reaches 4 of 5 (the Iometer
 * workloads are 3 of 5, each pass over the trace 1): after the characterization's pass, before the replay's.
 */
vi.mock("../src/plugins.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/plugins.js")>();
  const scenario = plugin.scenarios.find((s) => s.id === "vscsistats-characterize") as Scenario;
  const changing: Scenario = {
    ...scenario,
    run: (ctx) => {
      let done = false;
      return scenario.run({
        ...ctx,
        progress: (d, t) => {
          if (!done && d / t >= 0.8) {
            done = true;
            writeFileSync(change.path, change.text);
          }
          ctx.progress(d, t);
        },
      });
    },
  };
  const entry = { scenario: changing, package: "@vmlab/storage" };
  return { ...actual, allScenarios: async () => [entry], findScenario: async () => entry };
});

describe("vmlab run vscsistats-characterize on a trace that changes during the run", () => {
  it("is refused in one line naming the file, exit 2, nothing written to --out", async () => {
    const dir = scratchDir("vmlab-trace-changed-");
    const path = join(dir, "src1_2.csv");
    const lines = Array.from({ length: 100 }, (_, i) => `${128166372003061629n + BigInt(i) * 20000n},src1,2,Read,${i * 4096},4096,300`);
    writeFileSync(path, `${lines.join("\n")}\n`);
    // Same size, other bytes: the first IO's 4 KiB become 8 KiB.
    change.path = path;
    change.text = readFileSync(path, "utf8").replace(",4096,300", ",8192,300");
    const out = join(dir, "out");
    const r = await runCli("run", "vscsistats-characterize", "--quick", "--set", `traceFile=${path}`, "--out", out);
    expect(r.stderr).toMatch(new RegExp(`^vmlab: trace file ${path} changed while the run read it: [^\\n]*\\[VMLAB_TRACE_CHANGED\\]\\n$`));
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
