import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/**
 * A bad-input line names the key, the value given and what is allowed, and points at the scenario's own
 * `vmlab describe` — qos's refusals ended with a literal "`vmlab describe <scenario>`", several cross-field
 * refusals left out the value given, and zod's range errors said only the bound.
 */
const LINES: [string, string[], string][] = [
  [
    "parda-demand-change",
    ["stopAtS=500"],
    "invalid config for parda-demand-change: stopAtS: every stop must be before durationS (400 s), got 500; durationS=400 is the default (see `vmlab describe parda-demand-change`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  [
    "parda-end-to-end",
    ["idleFromS=400", "idleToS=500"],
    "invalid config for parda-end-to-end: idleFromS: must be before durationS (300 s), got 400; durationS=300 is the default (see `vmlab describe parda-end-to-end`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  [
    "parda-end-to-end",
    ["idleFromS=200", "idleToS=100"],
    "invalid config for parda-end-to-end: idleToS: must be after idleFromS (200 s), got 100 (see `vmlab describe parda-end-to-end`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  // A model's own check, reached through the scenario's: named with the scenario too.
  [
    "parda-equal-shares",
    ["sampleS=0.001"],
    "invalid config for parda-equal-shares: sampleS: at most 20000 samples per run, got 300000 (a run of 300 s sampled every 0.001 s); make sampleS at least 0.015 s (see `vmlab describe parda-equal-shares`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  [
    "vic-coalescing",
    ["ratio=0.5"],
    "invalid config for vic-coalescing: ratio: needs one ratio per ratioMinCif step (3), got 1: ratio=0.5 (see `vmlab describe vic-coalescing`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  [
    "queue-validation",
    ["minCustomers=5000000"],
    "invalid config for queue-validation: minCustomers: must be at most maxCustomers (4000000), got 5000000; maxCustomers=4000000 is the default (see `vmlab describe queue-validation`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  [
    "parda-equal-shares",
    ["hosts=40"],
    "invalid config for parda-equal-shares: hosts: must be an integer ≥ 2 and ≤ 16, got 40 (see `vmlab describe parda-equal-shares`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  // zod's integer check (2^53) and the field's own bound both refused it: the line said the value was over 2^53.
  [
    "queue-validation",
    ["maxCustomers=1e300"],
    "invalid config for queue-validation: maxCustomers: must be an integer ≥ 100 and ≤ 200000000, got 1e+300 (see `vmlab describe queue-validation`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
  [
    "queue-validation",
    ["utilizations=0.5,1.5"],
    "invalid config for queue-validation: utilizations[1]: must be a number > 0 and < 1, got 1.5 (see `vmlab describe queue-validation`) [VMLAB_SCENARIO_BAD_CONFIG]",
  ],
];

describe("a bad-input line names the key, the value given, what is allowed and the scenario", () => {
  for (const [id, sets, line] of LINES)
    it(`${id} ${sets.join(" ")}`, async () => {
      const out = join(scratchDir("vmlab-config-errors-"), "out");
      for (const dry of [["--dry-run"], []]) {
        const r = await runCli("run", id, "--out", out, ...dry, ...sets.flatMap((s) => ["--set", s]));
        expect(r.stderr).toBe(`vmlab: ${line}\n`);
        expect(r.code).toBe(2);
        expect(existsSync(out)).toBe(false);
      }
    });
});
