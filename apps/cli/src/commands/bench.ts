import type { Command } from "commander";
import { CliErrors } from "../errors.js";
import type { CliIo } from "../io.js";
import { allBenchmarks } from "../plugins.js";

/** One line of `vmlab bench --json` (the issue's contract). */
export interface BenchLine {
  name: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number } | null;
  /** Ours over the baseline, measured in the same run. */
  ratio: number | null;
  note?: string;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (Math.abs(v) >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toPrecision(4);
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
    .option("--json", "print a JSON array of { name, value, unit, baseline, ratio }")
    .option("--quick", "shorter runs (noisier)")
    .addHelpText("after", benchmarksHelp)
    .action(async (name: string | undefined, opts: { json?: boolean; quick?: boolean }) => {
      const chosen = await chooseBenchmarks(name);
      const lines: BenchLine[] = [];
      for (const { benchmark: b } of chosen) {
        io.stderr(`bench ${b.name} …\n`);
        const r = await b.run({ quick: Boolean(opts.quick) });
        const ratio = r.baseline && r.baseline.value !== 0 ? r.value / r.baseline.value : null;
        const line: BenchLine = { name: b.name, value: r.value, unit: b.unit, baseline: r.baseline, ratio };
        if (r.note) line.note = r.note;
        lines.push(line);
        if (!opts.json) {
          // A baseline of 0 has no ratio (null in --json): the line printed "ratio undefined".
          const shown = ratio === null ? "" : `  ratio ${ratio.toFixed(2)}`;
          const base = r.baseline ? `  vs ${r.baseline.name} ${fmt(r.baseline.value)}${shown}` : "";
          io.stdout(`${b.name.padEnd(22)} ${fmt(r.value).padStart(9)} ${b.unit}${base}${r.note ? `  (${r.note})` : ""}\n`);
        }
      }
      if (opts.json) io.stdout(`${JSON.stringify(lines, null, 2)}\n`);
    });
}
