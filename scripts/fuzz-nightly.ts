/**
 * Nightly-style differential fuzzing: many more seeds than CI. Runs seeded
 * random RV32IMA programs on QEMU and on vmlab in batches and stops at the
 * first disagreement, printing the seed, the program and the first
 * instruction at which the machines diverge.
 *
 *   npm run fuzz:nightly -- [--seeds N] [--start S] [--batch B] [--max-disagreements K] [--tolerate amo-fault-cause] [--skip-faulting-atomics]
 *   npm run fuzz:nightly -- --ci-config      # with CI's interim options (CI_FUZZ in test-utils)
 *   npm run fuzz:nightly -- --update-golden   # re-record guest/expected/fuzz-1-250.*
 *
 * Exit codes: 0 all agree, 1 a disagreement, 2 QEMU not installed / bad usage.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bootElf } from "@vmlab/core-vm";
import {
  buildBatchElf,
  CI_FUZZ,
  type FuzzOptions,
  formatDisagreement,
  formatProgram,
  fuzzCompare,
  generateProgram,
  type MachineRunner,
  parseDumps,
  qemuAvailable,
  qemuRunner,
  repoRoot,
  type Tolerance,
} from "@vmlab/test-utils";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "100000" },
    start: { type: "string", default: "1" },
    batch: { type: "string", default: "500" },
    "max-disagreements": { type: "string", default: "1" },
    "update-golden": { type: "boolean", default: false },
    tolerate: { type: "string", multiple: true, default: [] },
    "skip-faulting-atomics": { type: "boolean", default: false },
    "ci-config": { type: "boolean", default: false },
  },
});

const toInt = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${v}`);
    process.exit(2);
  }
  return n;
};

if (!qemuAvailable()) {
  console.error("qemu-system-riscv32 is not installed: it is the reference; install qemu-system-misc");
  process.exit(2);
}

const vmlab: MachineRunner = (elf) => {
  const r = bootElf(elf, { maxInstructions: 500_000_000 });
  return { console: r.console, exitCode: r.exitCode, stop: r.stop };
};

if (values["update-golden"]) {
  const seeds = CI_FUZZ.goldenSeeds;
  const elf = buildBatchElf(
    seeds.map((s) => generateProgram(s, CI_FUZZ.generator)),
    CI_FUZZ.harness,
  );
  const out = await qemuRunner()(elf);
  if (!out || parseDumps(out.console).size !== seeds.length) {
    console.error("QEMU did not print a dump for every program; not updating");
    process.exit(1);
  }
  const dir = join(repoRoot(), "guest", "expected");
  writeFileSync(join(dir, "fuzz-1-250.out"), out.console);
  writeFileSync(join(dir, "fuzz-1-250.sha256"), `${createHash("sha256").update(elf).digest("hex")}\n`);
  console.log("recorded guest/expected/fuzz-1-250.out and .sha256 from QEMU");
  process.exit(0);
}

const start = toInt("start", values.start);
const count = toInt("seeds", values.seeds);
const seeds = Array.from({ length: count }, (_, i) => start + i);
/** CI's interim options with --ci-config, else everything on and strict unless told otherwise. */
function comparisonOptions(): Pick<FuzzOptions, "generator" | "harness" | "tolerate"> {
  if (values["ci-config"]) return { generator: CI_FUZZ.generator, harness: CI_FUZZ.harness, tolerate: CI_FUZZ.tolerate };
  const tolerate = (values.tolerate ?? []).map((t): Tolerance => {
    if (t !== "amo-fault-cause") {
      console.error(`unknown --tolerate ${t}; known: amo-fault-cause`);
      process.exit(2);
    }
    return t;
  });
  return { generator: { faultingAtomics: !values["skip-faulting-atomics"] }, tolerate };
}

const t0 = process.hrtime.bigint();
const report = await fuzzCompare({
  seeds,
  reference: qemuRunner(),
  candidate: vmlab,
  batchSize: Math.max(1, toInt("batch", values.batch)),
  maxDisagreements: Math.max(1, toInt("max-disagreements", values["max-disagreements"])),
  ...comparisonOptions(),
  onBatch: (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} programs compared`);
    else if (done === total || (done / Math.max(1, toInt("batch", values.batch))) % 20 === 0)
      process.stderr.write(`${done}/${total} programs compared\n`);
  },
});
if (process.stderr.isTTY) process.stderr.write("\n");
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${report.agreed} of ${report.compared} programs agree (seeds ${start}..${start + count - 1}, ${seconds.toFixed(1)} s)`);
for (const d of report.disagreements) {
  console.log(`\n${formatDisagreement(d)}\n\nprogram:\n${formatProgram(d.program)}`);
}
process.exit(report.disagreements.length > 0 ? 1 : 0);
