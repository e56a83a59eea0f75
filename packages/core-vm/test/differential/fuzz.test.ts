/**
 * Differential fuzzing in CI (issue 4, "Must show"): 1,000 seeded random
 * RV32IMA programs, run in batches of 250 per ELF, must leave the same
 * registers, scratch checksum and trap log on vmlab as on QEMU. Where QEMU is
 * missing, the first batch is checked against QEMU's recorded dumps
 * (guest/expected/fuzz-1-250.out). `npm run fuzz:nightly` runs many more seeds.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bootElf } from "@vmlab/core-vm";
import {
  buildBatchElf,
  CI_FUZZ,
  describeDumpDifference,
  formatDisagreement,
  fuzzCompare,
  generateProgram,
  type MachineRunner,
  normalizeDump,
  parseDumps,
  qemuRunner,
  qemuUnavailable,
  repoRoot,
} from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";

const CI_SEEDS = CI_FUZZ.seeds;
const GOLDEN_SEEDS = CI_FUZZ.goldenSeeds;
const program = (seed: number) => generateProgram(seed, CI_FUZZ.generator);

const vmlab: MachineRunner = (elf) => {
  const r = bootElf(elf, { maxInstructions: 100_000_000 });
  return { console: r.console, exitCode: r.exitCode, stop: r.stop };
};

const noQemu = qemuUnavailable();
const hasQemu = noQemu === null;
if (!hasQemu) console.warn(`fuzz differential: ${noQemu} — checking vmlab against recorded QEMU dumps only`);

describe("differential fuzzing, vmlab vs QEMU", () => {
  it("agree on 1,000 generated programs", async (ctx) => {
    if (!hasQemu) {
      await ctx.annotate(`${noQemu}: live fuzz comparison skipped (recorded dumps checked below)`, "warning");
      ctx.skip(`${noQemu}`);
    }
    const report = await fuzzCompare({
      seeds: CI_SEEDS,
      reference: qemuRunner(),
      candidate: vmlab,
      batchSize: CI_FUZZ.batchSize,
      generator: CI_FUZZ.generator,
      harness: CI_FUZZ.harness,
      tolerate: CI_FUZZ.tolerate,
    });
    expect(report.referenceMissing).toBe(false);
    const message = report.disagreements.map(formatDisagreement).join("\n\n");
    expect(report.disagreements, message).toEqual([]);
    expect(report.agreed).toBe(CI_SEEDS.length);
  });

  it("agree with QEMU's recorded dumps for seeds 1..250", () => {
    const dir = join(repoRoot(), "guest", "expected");
    const elf = buildBatchElf(GOLDEN_SEEDS.map(program), CI_FUZZ.harness);
    const sha = createHash("sha256").update(elf).digest("hex");
    const recordedSha = readFileSync(join(dir, "fuzz-1-250.sha256"), "utf8").trim();
    expect(sha, "the generator or harness changed: refresh the recording with `npm run fuzz:nightly -- --update-golden`").toBe(recordedSha);
    const expected = parseDumps(readFileSync(join(dir, "fuzz-1-250.out")));
    const got = parseDumps(bootElf(elf, { maxInstructions: 100_000_000 }).console);
    expect(expected.size).toBe(GOLDEN_SEEDS.length);
    const problems: string[] = [];
    for (const [i, e] of expected) {
      const g = got.get(i);
      if (g && normalizeDump(g, elf, CI_FUZZ.tolerate) === normalizeDump(e, elf, CI_FUZZ.tolerate)) continue;
      problems.push(`seed ${GOLDEN_SEEDS[i]}: ${describeDumpDifference(e, g).join("; ")}`);
    }
    expect(problems.slice(0, 10).join("\n"), `${problems.length} programs disagree`).toBe("");
  });

  it("a vmlab run of a batch is deterministic", () => {
    const elf = buildBatchElf(GOLDEN_SEEDS.slice(0, 50).map(program), CI_FUZZ.harness);
    const a = bootElf(elf, { maxInstructions: 100_000_000 });
    const b = bootElf(elf, { maxInstructions: 100_000_000 });
    expect(a.stop).toBe("exit");
    expect(parseDumps(a.console).size).toBe(50);
    expect(Buffer.from(a.console).equals(Buffer.from(b.console))).toBe(true);
    expect(a.instructions).toBe(b.instructions);
  });
});
