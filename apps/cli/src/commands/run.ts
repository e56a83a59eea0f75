import { resolve } from "node:path";
import { asCheckRefusal, RngStreams } from "@vmlab/core-vm";
import type { Command } from "commander";
import { resolveConfig } from "../config.js";
import { baseConfig, valueSources, withValueSources } from "../config-sources.js";
import { CliErrors } from "../errors.js";
import type { CliIo } from "../io.js";
import { findScenario, packageVersions } from "../plugins.js";
import { createProgress } from "../progress.js";
import { checkCounts, formatCheckCounts } from "../render/checks.js";
import { checkWritableDir, leftoverWriteNotes, writeFilesAtomically } from "../render/output.js";
import { ALWAYS_WRITTEN, previousOutputFiles, renderOutputFiles } from "../render/report.js";
import { parseResults, type Results, resultsJsonChunks } from "../render/results.js";
import { wholeNumber } from "../whole-number.js";

export interface RunOpts {
  set: string[];
  seed: string;
  out?: string;
  json?: boolean;
  quick?: boolean;
  dryRun?: boolean;
}

/** A config value as `--set` takes it back: a list comma-separated, everything else as its decimal or word. */
function setValue(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(",") : String(v);
}

/**
 * The run's resolved parameters for `--dry-run`: seed, `--quick`, where results would go and every
 * config key (defaults included), as `key=value` lines that `--set` takes back, or as JSON.
 */
function dryRunText(
  id: string,
  seed: number,
  quick: boolean,
  outDir: string | null,
  config: Record<string, unknown>,
  json: boolean,
): string {
  if (json) return `${JSON.stringify({ scenario: id, seed, quick, out: outDir, config }, null, 2)}\n`;
  const lines = [`seed=${seed}`, `quick=${quick}`, `out=${outDir}`];
  for (const [k, v] of Object.entries(config)) lines.push(`${k}=${setValue(v)}`);
  return `${lines.join("\n")}\n`;
}

export function parseSeed(text: string): number {
  const n = wholeNumber(text);
  if (!(n < 2 ** 32)) throw CliErrors.badSeed(text);
  return n;
}

/**
 * Every refusal `vmlab run` makes before it runs anything: the scenario, --seed, the config (schema, then the
 * scenario's own check: cross-field rules and the model specs it will build) and --out. `--dry-run` is this
 * and nothing more, so a config it passes is one the run takes.
 */
export async function checkRun(id: string, opts: RunOpts) {
  const { scenario, package: pkg } = await findScenario(id);
  const seed = parseSeed(opts.seed);
  const quick = Boolean(opts.quick);
  // A refusal quoting a value the user did not --set says where it came from (--quick or the default), whether
  // the schema's own cross-field rules refuse it or the scenario's check.
  let config: Record<string, unknown>;
  try {
    config = resolveConfig(scenario, opts.set, quick);
  } catch (e) {
    throw withValueSources(e, valueSources(scenario, opts.set, quick, baseConfig(scenario, quick)));
  }
  const sources = valueSources(scenario, opts.set, quick, config);
  try {
    scenario.check?.({ config, seed, quick });
  } catch (e) {
    // A scenario that is a bare object, not made by defineScenario, gets the same telling: its check's refusal is a refused config (exit 2).
    throw withValueSources(asCheckRefusal(id, e), sources);
  }
  // --json alone prints results.json and writes nothing (null): it wrote the whole output set to out/<id> in the
  // current directory, unasked, when its help said only "print results.json to stdout".
  const outDir = opts.out ?? (opts.json ? null : `out/${id}`);
  // An empty --out (an unset shell variable in `--out "$DIR"`) would resolve to the current directory.
  if (outDir !== null && outDir.trim() === "")
    throw CliErrors.unwritableOut(outDir, "--out is empty (an unset variable?); give a directory");
  if (outDir !== null) await checkWritableDir(outDir, ALWAYS_WRITTEN, () => previousOutputFiles(outDir));
  return { scenario, pkg, seed, quick, config, sources, outDir };
}

export function register(program: Command, io: CliIo): void {
  program
    .command("run")
    .description(
      "run a scenario; writes results.json, CSV tables, SVG charts and index.html into --out (with --json, only if --out is given)",
    )
    .argument("<id>", "scenario id (see `vmlab list`)")
    .option(
      "--set <key=value>",
      "set a config parameter (repeatable, each key once; a list is comma-separated, e.g. servers=1,4; spaces around keys and values are dropped; numbers are decimal, 2e3 allowed; see `vmlab describe <id>` for the keys, types and ranges)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      "--seed <n>",
      "root seed of the run's PRNG streams, a whole number from 0 to 4294967295 (2^32 − 1), in digits; same seed and config, same results.json",
      "1",
    )
    .option(
      "--out <dir>",
      "output directory (default: out/<id>); an earlier run's results there are replaced, files vmlab did not write are left alone (a run whose output would replace one is refused)",
    )
    .option("--json", "print results.json to stdout; writes no files unless --out is given (then both)")
    .option("--quick", "a smaller run (for tests and the demo)")
    .option(
      "--dry-run",
      "check the config as the run would (the schema and the scenario's own checks, --seed, --out) and print it resolved, every key with its value (defaults included; --json: as JSON); runs nothing and writes nothing",
    )
    .addHelpText("after", "\nExit codes: 0 ok, 1 the run failed, 2 bad usage or input (nothing is written).")
    .action(async (id: string, opts: RunOpts) => {
      const { scenario, pkg, seed, quick, config, sources, outDir } = await checkRun(id, opts);
      if (opts.dryRun) {
        io.stdout(dryRunText(id, seed, quick, outDir, config, Boolean(opts.json)));
        io.stderr(`vmlab: ${id}: the config is valid (--dry-run: nothing was run or written)\n`);
        return;
      }
      const progress = createProgress(io, id);
      let result: Awaited<ReturnType<typeof scenario.run>>;
      try {
        result = await scenario.run({ config, seed, quick, rng: new RngStreams(seed), progress: progress.update });
      } catch (e) {
        // Some refusals can only be made once the run has measured (no IO completed in a window).
        throw withValueSources(e, sources);
      } finally {
        progress.stop();
      }
      const results: Results = parseResults({
        format: "vmlab-results/1",
        scenario: { id: scenario.id, title: scenario.title, paper: scenario.paper, package: pkg },
        seed,
        quick,
        config,
        versions: await packageVersions(),
        metrics: result.metrics,
        tables: result.tables,
        figures: result.figures,
        reference: result.reference,
        notes: result.notes ?? [],
      });
      if (outDir !== null) {
        const files = await renderOutputFiles(results);
        // A previous run's tables and figures that this one does not have go, so the directory holds one run.
        const previous = await previousOutputFiles(outDir);
        refuseInputsAmongOutputs(outDir, config, [...files.keys(), ...previous]);
        await writeFilesAtomically(outDir, files, previous);
        for (const note of await leftoverWriteNotes(outDir)) io.stderr(`vmlab: note: ${note}\n`);
      }
      // In the chunks results.json was written in: a long time series printed as one string held it twice over,
      // and past V8's longest string (~512 Mi characters) it could not be made at all.
      if (opts.json) for (const chunk of resultsJsonChunks(results)) io.stdout(chunk);
      else io.stderr(`vmlab: ${id} done${checksSummary(results.reference)}; report: ${outDir}/index.html\n`);
    });
}

/**
 * Refuses a write that would replace or remove a file the run read, a config value naming one of `names` in `outDir`:
 * `--set traceFile=out/trace.csv` after a run there had written its table `trace.csv` replaced the user's trace with
 * the table (it was listed as the earlier run's, so the write took it for vmlab's).
 */
function refuseInputsAmongOutputs(outDir: string, config: Record<string, unknown>, names: readonly string[]): void {
  const outputs = new Map(names.map((n) => [resolve(outDir, n), n]));
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== "string" || value === "") continue;
    const name = outputs.get(resolve(value));
    if (name !== undefined)
      throw CliErrors.unwritableOut(
        outDir,
        `${key} is ${resolve(value)}, which the run's output (${name}) would replace; it is left alone`,
      );
  }
}

/**
 * "; reference checks: 5 pass, 1 fail (see the report)" when the scenario judges its reference rows (n/a counted
 * only when some are), so a check outside its tolerance shows in the run's last line; nothing when none is judged.
 */
function checksSummary(reference: Results["reference"]): string {
  const counts = checkCounts(reference);
  return counts === null ? "" : `; reference checks: ${formatCheckCounts(counts)} (see the report)`;
}
