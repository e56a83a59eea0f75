/**
 * Differential fuzzing: run the same generated batch on a reference
 * machine (QEMU) and a candidate (vmlab), compare the dumps program by
 * program, and find the first instruction at which a disagreeing program
 * diverges (by running all its prefixes in one batch).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runQemu } from "../qemu.js";
import { describeDumpDifference, parseDumps } from "./dump.js";
import { type GeneratorOptions, generateProgram } from "./generator.js";
import { buildBatchElf, type HarnessOptions } from "./harness.js";
import { encodeBody, type FuzzInsn, type FuzzProgram, truncateProgram } from "./program.js";
import { normalizeDump, type Tolerance } from "./tolerance.js";

export interface MachineOutput {
  console: Uint8Array;
  exitCode: number | null;
  /** Why the run ended, when the machine says (e.g. "budget"). */
  stop?: string;
}

/** Runs an ELF on one machine; null means "this machine is not available here". */
export type MachineRunner = (elf: Uint8Array) => Promise<MachineOutput | null> | MachineOutput | null;

/** The reference: QEMU via a temporary ELF file. */
export function qemuRunner(timeoutMs = 60_000): MachineRunner {
  return async (elf) => {
    const dir = mkdtempSync(join(tmpdir(), "vmlab-fuzz-"));
    try {
      const path = join(dir, "batch.elf");
      writeFileSync(path, elf);
      const r = await runQemu(path, { timeoutMs });
      if (r === null) return null;
      return { console: r.console, exitCode: r.exitCode, stop: r.timedOut ? "timeout" : "exit" };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

export interface Disagreement {
  seed: number;
  program: FuzzProgram;
  /** What differs in the final dump. */
  differences: string[];
  expectedLine: string | null;
  gotLine: string | null;
  /** The first instruction whose inclusion makes the machines disagree, when bisected. */
  firstInstruction?: { index: number; insn: FuzzInsn; differences: string[] };
}

export interface FuzzReport {
  /** Programs both machines ran and agreed on. */
  agreed: number;
  compared: number;
  disagreements: Disagreement[];
  /** Set when the reference could not run (QEMU absent). */
  referenceMissing: boolean;
}

export interface FuzzOptions {
  seeds: readonly number[];
  reference: MachineRunner;
  candidate: MachineRunner;
  /** Programs per ELF (one machine launch each). */
  batchSize?: number;
  /** Stop after this many disagreements (default 1). */
  maxDisagreements?: number;
  /** Look for each disagreement's first diverging instruction (default true). */
  bisect?: boolean;
  onBatch?: (done: number, total: number) => void;
  /** Harness options for every batch (and for bisection). */
  harness?: HarnessOptions;
  /** Generator options for every program (and for bisection). */
  generator?: GeneratorOptions;
  /** Known differences to ignore (see tolerance.ts); default none. */
  tolerate?: readonly Tolerance[];
}

export async function fuzzCompare(options: FuzzOptions): Promise<FuzzReport> {
  const batchSize = options.batchSize ?? 250;
  const maxDisagreements = options.maxDisagreements ?? 1;
  const tolerate = options.tolerate ?? [];
  const report: FuzzReport = { agreed: 0, compared: 0, disagreements: [], referenceMissing: false };
  for (let start = 0; start < options.seeds.length; start += batchSize) {
    const seeds = options.seeds.slice(start, start + batchSize);
    const programs = seeds.map((s) => generateProgram(s, options.generator));
    const elf = buildBatchElf(programs, options.harness);
    const expected = await options.reference(elf);
    if (expected === null) {
      report.referenceMissing = true;
      return report;
    }
    const got = await options.candidate(elf);
    if (got === null) throw new Error("the candidate machine is not available");
    const e = parseDumps(expected.console);
    const g = parseDumps(got.console);
    if (e.size !== programs.length) {
      throw new Error(`the reference printed ${e.size} of ${programs.length} dumps (stop: ${expected.stop}); the harness is broken`);
    }
    for (let i = 0; i < programs.length; i++) {
      report.compared++;
      const ed = e.get(i),
        gd = g.get(i);
      if (gd && ed && normalizeDump(gd, elf, tolerate) === normalizeDump(ed, elf, tolerate)) {
        report.agreed++;
        continue;
      }
      const d: Disagreement = {
        seed: seeds[i],
        program: programs[i],
        differences: describeDumpDifference(ed, gd),
        expectedLine: ed?.line ?? null,
        gotLine: gd?.line ?? null,
      };
      if (options.bisect ?? true) {
        d.firstInstruction = await bisect(programs[i], options.reference, options.candidate, tolerate, options.harness);
      }
      report.disagreements.push(d);
      if (report.disagreements.length >= maxDisagreements) return report;
    }
    options.onBatch?.(start + seeds.length, options.seeds.length);
  }
  return report;
}

/**
 * Runs every prefix of `program` (0..n instructions) in one batch on both
 * machines; the first prefix whose dumps differ ends with the culprit.
 */
export async function bisect(
  program: FuzzProgram,
  reference: MachineRunner,
  candidate: MachineRunner,
  tolerate: readonly Tolerance[] = [],
  harness: HarnessOptions = {},
): Promise<Disagreement["firstInstruction"]> {
  const prefixes = Array.from({ length: program.body.length + 1 }, (_, k) => truncateProgram(program, k));
  const elf = buildBatchElf(prefixes, harness);
  const e = await reference(elf);
  const g = await candidate(elf);
  if (!e || !g) return undefined;
  const ed = parseDumps(e.console),
    gd = parseDumps(g.console);
  for (let k = 0; k < prefixes.length; k++) {
    const a = ed.get(k),
      b = gd.get(k);
    if (a && b && normalizeDump(a, elf, tolerate) === normalizeDump(b, elf, tolerate)) continue;
    if (k === 0)
      return {
        index: -1,
        insn: { word: 0, text: "(before the body: harness or register set-up)" },
        differences: describeDumpDifference(a, b),
      };
    const word = encodeBody(program.body)[k - 1];
    return { index: k - 1, insn: { ...program.body[k - 1], word }, differences: describeDumpDifference(a, b) };
  }
  return undefined;
}

export function formatDisagreement(d: Disagreement): string {
  const lines = [`seed ${d.seed}: vmlab and the reference disagree`, ...d.differences.map((s) => `  ${s}`)];
  if (d.firstInstruction) {
    const f = d.firstInstruction;
    lines.push(
      `first diverging instruction: #${f.index} ${f.insn.word.toString(16).padStart(8, "0")} ${f.insn.text}`,
      ...f.differences.map((s) => `  ${s}`),
    );
  }
  return lines.join("\n");
}
