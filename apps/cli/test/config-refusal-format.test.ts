import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/**
 * Every refusal of a config value has one shape, whichever package finds it (the CLI's --set parsing, a scenario's
 * schema, a storage or qos scenario's cross-field check): "invalid config for <scenario>: <key>: <what is wrong,
 * with the value given and what is allowed> (see `vmlab describe <scenario>`) [VMLAB_SCENARIO_BAD_CONFIG]".
 * Before, zod's sentence sat beside the same range ("Too big: expected number to be <=3600, given 99999 (expected
 * number, > 0, ≤ 3600)"), a list item was "stopAtS.0", a list's length "1..∞ items", a cross-field refusal ended with
 * the field's own range (which the value met), and qos's and storage's refusals had their own shapes and codes.
 */
const see = (id: string) => `(see \`vmlab describe ${id}\`) [VMLAB_SCENARIO_BAD_CONFIG]`;

const LINES: [kind: string, id: string, sets: string[], line: string][] = [
  [
    "field range",
    "flow-control",
    ["sweepDurationS=99999"],
    `invalid config for flow-control: sweepDurationS: must be a number > 0 and ≤ 3600, got 99999 ${see("flow-control")}`,
  ],
  [
    "list item",
    "parda-demand-change",
    ["stopAtS=100,99999"],
    `invalid config for parda-demand-change: stopAtS[1]: must be a number > 0 and ≤ 3600, got 99999 ${see("parda-demand-change")}`,
  ],
  [
    "list length",
    "queue-validation",
    ["servers="],
    `invalid config for queue-validation: servers: must have at least 1 item, got an empty list ${see("queue-validation")}`,
  ],
  [
    "enum",
    "parda-equal-shares",
    ["placement=Contiguous"],
    `invalid config for parda-equal-shares: placement: must be one of interleaved|contiguous, got "Contiguous" ${see("parda-equal-shares")}`,
  ],
  [
    "integer",
    "parda-equal-shares",
    ["hosts=2.5"],
    `invalid config for parda-equal-shares: hosts: must be an integer ≥ 2 and ≤ 16, got 2.5 ${see("parda-equal-shares")}`,
  ],
  [
    "storage cross-field (schema)",
    "esx-disk-perf",
    ["durationMs=600000"],
    `invalid config for esx-disk-perf: durationMs: the grid's 400 cells × (warmupMs=300 (the default) + durationMs=600000) = 240120000 ms of virtual time per mode, over the run's 3600000; at most 8700 with 400 cells ${see("esx-disk-perf")}`,
  ],
  [
    "storage cross-field (scenario check)",
    "esx-disk-perf",
    ["testFileMiB=99999999"],
    `invalid config for esx-disk-perf: testFileMiB: must be at most the local disk's 286102 MiB, got 99999999 ${see("esx-disk-perf")}`,
  ],
  [
    "qos cross-field",
    "parda-proportional",
    ["windowMin=64", "windowMax=4"],
    `invalid config for parda-proportional: windowMax: must be >= windowMin (64), got 4 ${see("parda-proportional")}`,
  ],
  [
    "core-vm queue-validation",
    "queue-validation",
    ["minCustomers=5000000"],
    `invalid config for queue-validation: minCustomers: must be at most maxCustomers (4000000), got 5000000; maxCustomers=4000000 is the default ${see("queue-validation")}`,
  ],
];

describe("one shape for every refusal of a config value", () => {
  for (const [kind, id, sets, line] of LINES)
    it(`${kind}: ${id} ${sets.join(" ")}`, async () => {
      const out = join(scratchDir("vmlab-config-refusal-"), "out");
      for (const dry of [["--dry-run"], []]) {
        const r = await runCli("run", id, "--out", out, ...dry, ...sets.flatMap((s) => ["--set", s]));
        expect(r.stderr).toBe(`vmlab: ${line}\n`);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(existsSync(out)).toBe(false);
      }
    });

  it("describe words a list's length as the refusal does: at least 1 item, not 1..∞", async () => {
    const r = await runCli("describe", "queue-validation");
    expect(r.stdout).toMatch(/\n {2}servers +\S+ +default [^\n]*\[at least 1 item, each ≥ 1, ≤ 64, no repeats\]\n/);
    expect(r.stdout).not.toContain("..∞");
  });
});
