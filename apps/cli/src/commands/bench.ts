import type { Benchmark, BenchmarkResult } from "@vmlab/core-vm";
import type { Command } from "commander";
import { CliErrors } from "../errors.js";
import { CliExit, type CliIo } from "../io.js";
import { allBenchmarks } from "../plugins.js";
import { holdSignals } from "../signals.js";

/** One line of `vmlab bench --json` (the issue's contract). */
export interface BenchLine {
  name: string;
  /** null in JSON when skipped or failed. */
  value: number;
  unit: string;
  baseline: { name: string; value: number } | null;
  /** Ours over the baseline, measured in the same run; null without a baseline, or when the two are on different clocks. */
  ratio: number | null;
  /** Present when the benchmark did not measure: "skipped" (a guest or QEMU missing; the note says which) or "failed". */
  status?: "skipped" | "failed";
  note?: string;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (Math.abs(v) >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toPrecision(4);
}

/**
 * Runs one benchmark into its line. A benchmark that throws is a failed line (its error in the note), not the end of
 * the command: one that threw took the lines measured before it and every benchmark after it down with it.
 */
async function measure(b: Benchmark, quick: boolean): Promise<BenchLine> {
  let r: BenchmarkResult;
  try {
    r = await b.run({ quick });
  } catch (e) {
    return failedLine(b, e instanceof Error ? e.message : String(e));
  }
  const measured = Number.isFinite(r.value);
  // A NaN is a skip only with its reason (plugin-api: the note starts "skipped: "); a NaN without one is a benchmark
  // that computed 0/0, and passed as a clean skip with no word.
  if (!measured && !r.note?.startsWith("skipped: "))
    return failedLine(b, `it measured ${r.value} and gave no reason${r.note ? ` (${r.note})` : ""}`);
  const ratio = measured && r.baseline && r.baseline.value !== 0 && r.noRatio === undefined ? r.value / r.baseline.value : null;
  const line: BenchLine = { name: b.name, value: r.value, unit: b.unit, baseline: r.baseline, ratio };
  if (!measured) line.status = "skipped";
  const note = [r.noRatio === undefined || r.baseline === null ? "" : `no ratio: ${r.noRatio}`, r.note ?? ""]
    .filter((x) => x !== "")
    .join("; ");
  if (note !== "") line.note = note;
  return line;
}

/** The line of a benchmark that did not measure: `why` in its note. */
function failedLine(b: Benchmark, why: string): BenchLine {
  return { name: b.name, value: Number.NaN, unit: b.unit, baseline: null, ratio: null, status: "failed", note: `failed: ${why}` };
}

/** A line of the text output. */
function textLine(l: BenchLine): string {
  // A baseline of 0 has no ratio (null in --json): the line printed "ratio undefined".
  const shown = l.ratio === null ? "" : `  ratio ${l.ratio.toFixed(2)}`;
  const base = l.baseline ? `  vs ${l.baseline.name} ${fmt(l.baseline.value)}${shown}` : "";
  const value = l.status === undefined ? fmt(l.value) : l.status;
  return `${l.name.padEnd(22)} ${value.padStart(9)} ${l.unit}${base}${l.note ? `  (${l.note})` : ""}\n`;
}

/** The benchmarks `vmlab bench [name]` runs; refuses a name that matches none (before any runs). */
export async function chooseBenchmarks(name: string | undefined) {
  const all = await allBenchmarks();
  const chosen = name !== undefined ? all.filter((e) => e.benchmark.name === name || e.benchmark.name.startsWith(`${name}.`)) : all;
  if (chosen.length === 0)
    throw CliErrors.unknownBenchmark(
      name ?? "",
      all.map((e) => e.benchmark.name),
    );
  return chosen;
}

/**
 * The benchmarks `vmlab bench --help` lists. Help text is made synchronously and the plugins load asynchronously, so
 * `main` loads them first (`loadBenchmarkHelp`) when the command line names `bench`; without that the help lists none.
 */
let helpList: { name: string; description: string }[] = [];

/** Loads the benchmarks' names and descriptions for `vmlab bench --help` (and `vmlab help bench`). */
export async function loadBenchmarkHelp(): Promise<void> {
  helpList = (await allBenchmarks()).map(({ benchmark: b }) => ({ name: b.name, description: b.description }));
}

function benchmarksHelp(): string {
  if (helpList.length === 0) return "";
  const width = Math.max(...helpList.map((b) => b.name.length));
  return `\nBenchmarks:\n${helpList.map((b) => `  ${b.name.padEnd(width)}  ${b.description}`).join("\n")}\n`;
}

export function register(program: Command, io: CliIo): void {
  program
    .command("bench")
    .description("run the registered benchmarks (hot paths side by side with a reference measured in the same run)")
    .argument("[name]", "run only benchmarks whose name equals this or starts with it followed by a dot (e.g. `sim`; see Benchmarks below)")
    .option(
      "--json",
      "print a JSON array of { name, value, unit, baseline, ratio, note?, status? } (status: skipped or failed, value then null)",
    )
    .option("--quick", "shorter runs (noisier)")
    .addHelpText("after", benchmarksHelp)
    .action(async (name: string | undefined, opts: { json?: boolean; quick?: boolean }) => {
      const chosen = await chooseBenchmarks(name);
      const lines: BenchLine[] = [];
      // Ctrl-C waits for the benchmark running to finish (so it removes its temporary files: a snapshot benchmark
      // left up to 187 MB in /tmp), prints what ran (--json too), then ends the process with the signal.
      const held = holdSignals();
      try {
        for (const { benchmark: b } of chosen) {
          io.stderr(`bench ${b.name} …\n`);
          const line = await measure(b, Boolean(opts.quick));
          lines.push(line);
          if (!opts.json) io.stdout(textLine(line));
          await held.settle();
          const signal = held.caught();
          if (signal !== undefined) {
            const rest = chosen.length - lines.length;
            if (rest > 0) io.stderr(`vmlab bench: ${signal}: stopped after ${b.name}; ${rest} not run\n`);
            break;
          }
        }
        if (opts.json) io.stdout(`${JSON.stringify(lines, null, 2)}\n`);
      } finally {
        await held.release();
      }
      const failed = lines.filter((l) => l.status === "failed").map((l) => l.name);
      if (failed.length > 0) throw new CliExit(1, `vmlab bench: ${failed.join(", ")} failed (see the note); the others ran`);
    });
}
