import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allScenarios } from "../src/plugins.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/**
 * Values inside every range `vmlab describe` states that made a run that never ended: each is refused by
 * the scenario's check, so `--dry-run` (which runs nothing, so these tests cannot hang) refuses it too.
 */
const NEVER_ENDED: [string, string[], RegExp][] = [
  // Every delay rounded to 0 ns: the virtual clock stood still at 0 (killed after 120 s).
  [
    "vic-coalescing",
    ["deviceBaseUs=0", "deviceJitterUs=0", "issueCpuUs=0", "appCpuUs=0", "interruptCpuUs=0", "perCompletionCpuUs=0"],
    /^vmlab: invalid config for vic-coalescing: deviceBaseUs: every IO takes no virtual time .* \(see `vmlab describe vic-coalescing`\) \[VMLAB_SCENARIO_BAD_CONFIG\]$/m,
  ],
  // One ns per IO: 10^10 IOs in the half-second quick point.
  [
    "vic-coalescing",
    ["deviceBaseUs=0.001", "deviceJitterUs=0", "issueCpuUs=0", "appCpuUs=0", "interruptCpuUs=0", "perCompletionCpuUs=0"],
    /^vmlab: invalid config for vic-coalescing: durationS: these costs allow up to 500000001 IOs per run \(0.5 s at OIO 1, 1 ns per IO at best\), more than 100000000; shorten durationS/,
  ],
  // A sample every 0.1 ns rounded to 0 ns: the sampler rescheduled itself at the same instant forever.
  ["mclock-vs-sfq", ["sampleS=1e-10"], /^vmlab: invalid config for mclock-vs-sfq: sampleS: .*≥ 0\.001/],
  // A sample every ms: 160,000 per host and run, 3.8 GB of memory, a 237 MB results.json, still writing after 5 minutes.
  [
    "parda-equal-shares",
    ["sampleS=0.001"],
    /^vmlab: invalid config for parda-equal-shares: sampleS: at most 20000 samples per run, got 160000 .* \(see `vmlab describe parda-equal-shares`\) \[VMLAB_SCENARIO_BAD_CONFIG\]$/m,
  ],
  // 10^15 customers per point: years of wall time (about 3 µs per customer), accepted while describe showed no bound.
  [
    "queue-validation",
    ["maxCustomers=1e15"],
    /^vmlab: invalid config for queue-validation: maxCustomers: must be an integer ≥ 100 and ≤ 200000000, got 1000000000000000 \(see /,
  ],
  [
    "queue-validation",
    ["maxCustomers=1e8"],
    /^vmlab: invalid config for queue-validation: maxCustomers: the sweep's 6 points .* at most 33333333 with 6 points/,
  ],
  // The shipped trace slowed 10^5 times: ran the Iometer workloads, then failed in the kernel naming no key.
  [
    "vscsistats-characterize",
    ["traceSpeed=0.00001"],
    /^vmlab: invalid config for vscsistats-characterize: traceSpeed: must be a number ≥ 0\.001 and ≤ 1000000, got 0\.00001 \(see /,
  ],
  // 400 cells of 10 virtual minutes, native and VM: days of wall time.
  [
    "esx-disk-perf",
    ["durationMs=600000"],
    /^vmlab: invalid config for esx-disk-perf: durationMs: the grid's 32 cells × \(warmupMs=50 \(from --quick\) \+ durationMs=600000\) = .* at most 112450 with 32 cells/,
  ],
  // 48 sweep points of an hour each: hours of wall time with the storage array.
  [
    "flow-control",
    [`oioSweep=${Array.from({ length: 48 }, (_, i) => i + 1).join(",")}`, "sweepDurationS=3600"],
    /^vmlab: invalid config for flow-control: sweepDurationS: the sweep's 48 points × 3600 s = 172800 s of virtual time, more than 21600 s; at most 450 s with 48 points, got 3600 \(see `vmlab describe flow-control`\) \[VMLAB_SCENARIO_BAD_CONFIG\]$/m,
  ],
];

/**
 * Configs the bounds must keep: defaults and each scenario's largest runs (a duration at its limit, a sample
 * per second). Every registered scenario has a run at its limits here (the first test says which is missing),
 * so a new one's bounds are tried against the runs its paper needs, not only against what never ended.
 */
const ACCEPTED: [string, string[]][] = [
  ["vic-coalescing", []],
  ["vic-coalescing", ["durationS=600", "warmupS=1"]],
  ["vic-coalescing", ["deviceBaseUs=0", "deviceJitterUs=0"]],
  ["parda-equal-shares", ["sampleS=1"]],
  ["parda-threshold-change", ["phaseS=3600", "thresholdsMs=1,2,3,4"]],
  ["mclock-vs-sfq", ["sampleS=0.01"]],
  ["queue-validation", []],
  ["queue-validation", ["maxCustomers=1e7"]],
  ["vscsistats-characterize", ["traceSpeed=0.001"]],
  ["esx-disk-perf", []],
  [
    "esx-disk-perf",
    ["storage=local", "ioSizesBytes=4096", "readPercents=100", "randomPercents=0", "outstandingIos=1", "durationMs=600000"],
  ],
  ["flow-control", []],
  ["flow-control", ["durationS=3600"]],
  ["parda-demand-change", []],
  ["parda-demand-change", ["durationS=3600"]],
  ["parda-end-to-end", []],
  ["parda-end-to-end", ["durationS=3600"]],
  ["parda-proportional", []],
  ["parda-proportional", ["durationS=3600"]],
  ["vic-guest", []],
  ["vic-guest", ["ios=1000000"]],
];
const scenarios = await allScenarios();

describe("vmlab run refuses an in-range config whose run would never end: one line, exit 2, nothing written", () => {
  for (const [id, sets, line] of NEVER_ENDED)
    it(`${id} ${sets.join(" ")}`, async () => {
      const out = join(scratchDir("vmlab-bounds-"), "out");
      const r = await runCli("run", id, "--quick", "--dry-run", "--out", out, ...sets.flatMap((s) => ["--set", s]));
      expect(r.stderr).toMatch(line);
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.code).toBe(2);
      expect(existsSync(out)).toBe(false);
    });

  it("the accepted table has a run at its limits for every registered scenario", () => {
    const missing = scenarios.map((e) => e.scenario.id).filter((id) => !ACCEPTED.some(([a, sets]) => a === id && sets.length > 0));
    expect(
      missing,
      "add each to ACCEPTED in apps/cli/test/run-bounds.test.ts: its largest runs (a duration or a count at the limit `vmlab describe` states), and to NEVER_ENDED any in-range value whose run did not end — so its bounds refuse what never ends and keep the runs the paper needs",
    ).toEqual([]);
  });

  it("the defaults, the full runs and a sample per second stay accepted", async () => {
    for (const [id, sets] of ACCEPTED) {
      const r = await runCli(
        "run",
        id,
        "--dry-run",
        "--out",
        join(scratchDir("vmlab-bounds-"), "out"),
        ...sets.flatMap((s) => ["--set", s]),
      );
      expect(`${id} ${sets.join(" ")}: ${r.stderr}`).toMatch(/the config is valid/);
    }
  });
});
