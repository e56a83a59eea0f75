import type { z } from "zod";
import type { BlockBackend } from "./block/backend.js";
import { asCheckRefusal } from "./scenario-config-error.js";
import type { RngStreams } from "./sim/rng.js";
import type { Simulation } from "./sim/simulation.js";

/**
 * The small interface through which a package offers scenarios and
 * benchmarks to the `vmlab` CLI. A package exports a `plugin` object from its
 * `./plugin` subpath; the CLI discovers every `@vmlab/*` dependency that has
 * one. Adding a scenario touches only its own package.
 */
export interface VmlabPlugin {
  /** npm package name, e.g. "@vmlab/core-vm". */
  package: string;
  scenarios: Scenario[];
  benchmarks: Benchmark[];
  /** Timing models a booted guest's disks can run on (`vmlab boot --disk-model`). */
  diskModels?: DiskModel[];
}

/**
 * A timing model for a virtio-blk disk, offered by a package (storage's HDD
 * and SSD models) so `vmlab boot --disk-model NAME` can put a guest's disk
 * image behind it: the image holds the bytes, the model decides when each
 * request completes.
 */
export interface DiskModel {
  /** Name on the command line, e.g. "cheetah-15k5". */
  name: string;
  /** One line: what is modeled (shown when listing models). */
  description: string;
  /** A backend over `store` (the disk image) whose completions the model times, on the machine's simulation `sim`. */
  create(options: { sim: Simulation; store: BlockBackend }): BlockBackend;
}

/** A table of results: CSV on disk, data for charts. */
export interface Table {
  name: string;
  /** Column order for CSV output. */
  columns: string[];
  rows: Record<string, number | string | boolean | null>[];
}

/**
 * A figure: a Vega-Lite spec without data; the CLI binds `table`'s rows as
 * its data and renders it to SVG.
 */
export interface Figure {
  name: string;
  title: string;
  table: string;
  spec: Record<string, unknown>;
}

/** One of the paper's numbers next to ours. */
export interface ReferenceValue {
  what: string;
  /** The paper's figure, quoted; or, with `paperComputed`, the figure the paper's rule or the model's spec expects. */
  paper: number | string;
  /**
   * True when `paper` is not a number the paper printed but one vmlab computed: from this run or its config by the
   * paper's rule (Little's law's OIO / IOPS, 1/λ), or from the model's spec (Erlang C, a disk's rated IOPS). The
   * report shows it as expected, not as the paper's. Absent: `paper` is quoted from what `source` names.
   */
  paperComputed?: boolean;
  ours: number | string;
  /** The unit of `paper` and `ours`, which share one scale ("µs", "IOs", "ratio", "share": a share 1 is 100%). */
  unit?: string;
  /** Where the paper's number comes from (section, figure, table); for a computed one, the rule it follows. */
  source?: string;
  note?: string;
  /** How close `ours` must come to `paper` to pass, in words ("at least 99%", "±5%"); given with `verdict`. */
  tolerance?: string;
  /**
   * `ours` against `paper` within `tolerance`: "pass" or "fail"; "n/a" when nothing was measured or the check does
   * not apply to this run (the note says why). Absent on a row that is no check (a number the paper does not give).
   */
  verdict?: "pass" | "fail" | "n/a";
}

/** What a scenario's `run` returns; the CLI writes it as `results.json` (with config, seed and versions), one CSV per table, one SVG per figure and `index.html`. */
export interface ScenarioResult {
  /** Headline numbers, flat. */
  metrics: Record<string, number>;
  tables: Table[];
  figures: Figure[];
  reference: ReferenceValue[];
  notes?: string[];
}

/** What a scenario's `run` gets: the parsed config (schema defaults applied), the seed, `--quick`, the run's seeded PRNG streams and a progress callback. */
export interface ScenarioContext<C> {
  config: C;
  seed: number;
  quick: boolean;
  /** Seeded named PRNG streams for this run. */
  rng: RngStreams;
  /** Report progress of long work (the CLI draws a bar on a TTY). */
  progress(done: number, total: number): void;
}

/** What a scenario's config check sees: the run's context without its streams and progress. */
export interface ScenarioCheckContext<C> {
  config: C;
  seed: number;
  quick: boolean;
}

/** One paper figure or table, reproduced. */
export interface Scenario<S extends z.ZodObject = z.ZodObject> {
  id: string;
  title: string;
  /** The paper it reproduces (short citation). */
  paper: string;
  /** Config schema: the single source of defaults and of `vmlab describe`. Use `.describe()` on every field. */
  config: S;
  /** Overrides applied by `--quick` (a smaller run for tests and demos). */
  quick: Partial<z.input<S>>;
  /**
   * Every refusal `run` would make for this config (cross-field rules the schema cannot state, the
   * model specs the run builds), without running anything: throws the same `VmlabError` the run
   * would. The CLI calls it before `run` and for `vmlab run --dry-run`, so the two cannot disagree;
   * `defineScenario`'s `run` calls it first, so a direct caller gets the same refusals. Any `VmlabError` it
   * throws is a refused config (exit 2, told as `VMLAB_SCENARIO_BAD_CONFIG`), whatever its code.
   * Omitted: the schema is the whole check.
   */
  check?(ctx: ScenarioCheckContext<z.output<S>>): void;
  run(ctx: ScenarioContext<z.output<S>>): ScenarioResult | Promise<ScenarioResult>;
}

/** What one `Benchmark.run` measured: its value in the benchmark's unit, beside a baseline measured in the same run. */
export interface BenchmarkResult {
  /** NaN when skipped (the note says why, starting "skipped: "). */
  value: number;
  /** A reference measured in the same run (naive implementation, QEMU, ...). */
  baseline: { name: string; value: number } | null;
  /**
   * Why ours and the baseline give no ratio, though both are shown: they count on different clocks (vmlab's
   * guest-measured virtual time against QEMU's host clock), so their quotient says nothing about which is faster.
   */
  noRatio?: string;
  note?: string;
}

/** A hot path's benchmark, run by `vmlab bench NAME` (its value printed beside a baseline measured in the same run). */
export interface Benchmark {
  /** Dotted name, e.g. "sim.hold". */
  name: string;
  unit: string;
  description: string;
  run(options: { quick: boolean }): BenchmarkResult | Promise<BenchmarkResult>;
}

/**
 * Defines a scenario, typed by its config schema: `check` and `run` take the schema's output, and so does a
 * direct caller of the scenario returned (it still goes into a plugin's `scenarios` list).
 *
 * Any `VmlabError` its `check` throws becomes the scenario's config refusal (`VMLAB_SCENARIO_BAD_CONFIG`, the
 * original as its cause; `asCheckRefusal`), so a package's own error code cannot turn a refused config into
 * a failed run. `run` calls that check first, so a direct caller of `run` gets the same refusal as
 * `vmlab run`; an error from `run` itself is left as it is (a failed run).
 */
export function defineScenario<S extends z.ZodObject>(s: Scenario<S>): Scenario<S> {
  if (!s.check) return s;
  const check = (ctx: ScenarioCheckContext<z.output<S>>): void => {
    try {
      s.check?.(ctx);
    } catch (e) {
      throw asCheckRefusal(s.id, e);
    }
  };
  return {
    ...s,
    check,
    run: (ctx) => {
      check(ctx);
      return s.run(ctx);
    },
  };
}
