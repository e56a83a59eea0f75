import type { Figure, Table } from "@vmlab/core-vm";
import { z } from "zod";
import { FC_10K_DISK } from "../array/sptf-disk.js";
import { type ClusterRun, checkClusterSpec, MAX_SAMPLES_PER_RUN, MIN_SAMPLE_S } from "../cluster/cluster.js";
import { type ClusterSpec, type ControlSpec, type HostSpec, PARDA_CONTROL } from "../cluster/config.js";
import { LATENCY_EWMA_FORMS, type LatencyEwmaForm, requireLatencyEwma } from "../control/latency-ewma.js";
import { QosErrors } from "../errors.js";

/** A VM's outstanding IOs or a queue depth, whole, 1 to 256, by default 32 (the paper's VMs and ESX's adapter queue). */
export const depthField = (description: string) => z.number().int().min(1).max(256).default(32).describe(description);

/** Zod fields shared by the PARDA-family scenarios (flat, so `--set key=value` reaches each). */
export const controlFields = {
  latencyThresholdMs: z.number().gt(0).max(1000).describe("L: PARDA's latency threshold, ms (> 0)"),
  smoothingGamma: z.number().gt(0).max(1).default(0.8).describe("γ: window smoothing, in (0, 1] (paper: 0.8)"),
  latencyEwmaAlpha: z
    .number()
    .gt(0)
    .max(1)
    .default(0.002)
    .describe("α: latency EWMA weight (paper: 0.002): the past's per period (period-mean, < 1) or each new IO's (per-io), in (0, 1]"),
  latencyEwmaForm: z
    .enum(LATENCY_EWMA_FORMS)
    .default("period-mean")
    .describe(
      "what the latency EWMA takes in: period-mean = PARDA Eq. 1 as printed, L(t) = (1−α)·l + α·L(t−1) with l each control period's mean IO latency; per-io = every IO, L ← (1−α)·L + α·l (an earlier reading)",
    ),
  controlPeriodS: z.number().min(0.001).max(60).default(2).describe("control period, s (paper: 2; at least 1 ms)"),
  windowMin: z.number().min(1).max(64).default(4).describe("w_min: smallest window (not in the paper; assumption), ≥ 1"),
  windowMax: z.number().min(1).max(1024).default(64).describe("w_max: largest window (paper §5.4: 64)"),
  disks: z.number().int().min(3).max(64).default(10).describe("member disks of the RAID-5 LUN (paper: 10)"),
  arrayModel: z
    .enum(["qos", "storage"])
    .default("qos")
    .describe(
      "array model: qos = RAID-5 over compact SPTF disks calibrated to PARDA's array; storage = the storage package's array, cache and Cheetah 15K.5 disks (uncalibrated)",
    ),
  placement: z
    .enum(["interleaved", "contiguous"])
    .default("interleaved")
    .describe("virtual disks on the LUN: interleaved in 1 GB extents (no VM favoured by position) or one after another"),
  sampleS: z
    .number()
    .min(MIN_SAMPLE_S)
    .max(60)
    .default(2)
    .describe(`time-series sampling interval, s (at least 1 ms; at most ${MAX_SAMPLES_PER_RUN} samples per run)`),
};

export interface ControlConfig {
  latencyThresholdMs: number;
  smoothingGamma: number;
  latencyEwmaAlpha: number;
  latencyEwmaForm: LatencyEwmaForm;
  controlPeriodS: number;
  windowMin: number;
  windowMax: number;
  disks: number;
  arrayModel: "qos" | "storage";
  placement: "interleaved" | "contiguous";
  sampleS: number;
}

export function controlSpec(c: ControlConfig, over: Partial<ControlSpec> = {}): ControlSpec {
  // The cross-field rules the flat schema cannot state: named as the user wrote them (--set windowMax), not as the
  // cluster spec's control.windowMax.
  if (!(c.windowMax >= c.windowMin)) throw QosErrors.badConfig("windowMax", `must be >= windowMin (${c.windowMin}), got ${c.windowMax}`);
  requireLatencyEwma("", c.latencyEwmaAlpha, c.latencyEwmaForm);
  return {
    ...PARDA_CONTROL,
    latencyThresholdMs: c.latencyThresholdMs,
    smoothingGamma: c.smoothingGamma,
    latencyEwmaAlpha: c.latencyEwmaAlpha,
    latencyEwmaForm: c.latencyEwmaForm,
    periodS: c.controlPeriodS,
    windowMin: c.windowMin,
    windowMax: c.windowMax,
    ...over,
  };
}

export function clusterSpec(
  c: ControlConfig,
  hosts: HostSpec[],
  durationS: number,
  seed: number,
  over: Partial<ClusterSpec> = {},
): ClusterSpec {
  return {
    hosts,
    placement: c.placement,
    control: controlSpec(c),
    array: { model: c.arrayModel, disks: c.disks, disk: FC_10K_DISK, stripeUnitSectors: 128, cacheHitMs: 0.5 },
    events: [],
    durationS,
    sampleS: c.sampleS,
    seed,
    ...over,
  };
}

/**
 * The paper's L for a reference row, and the run's where it differs (L is a config key: a row comparing the run's
 * latency with the paper's must say when the run was not at the paper's L).
 */
export function thresholdLabel(paperMs: number, runMs: number): string {
  return `L = ${paperMs} ms${runMs === paperMs ? "" : `; this run's L = ${runMs} ms`}`;
}

/**
 * A reference row's label for a setting of the paper's setup, and the run's where it differs ("β 1:1:2:2; this run's
 * 1:1:1:1"), as `thresholdLabel` does for L: a row set the paper's ≈ 2 beside a run's 1.03 under a label naming only
 * the paper's shares.
 */
export function setupLabel(setting: string, paper: string, run: string): string {
  return `${setting} ${paper}${run === paper ? "" : `; this run's ${run}`}`;
}

/** The run's note on its array, from the config (a fixed "10-disk … SPTF" was printed by runs over 6 disks or the storage array too). */
export function arrayNote(c: Pick<ControlConfig, "arrayModel" | "disks">): string {
  if (c.arrayModel === "storage")
    return `Array: the storage package's array (write-back cache, RAID-5 over ${c.disks} Cheetah 15K.5 disks), not calibrated to the paper's array: compare trends, not absolute numbers; see docs/parda.md.`;
  return `Array: ${c.disks}-disk RAID-5 LUN over a compact SPTF disk model (10K RPM), command overhead calibrated (with 10 disks) to Table 3's uncontrolled aggregate; see docs/parda.md.`;
}

/**
 * The cluster specs a scenario runs, each checked before any of them runs: `runCluster` checks
 * its own spec only when it starts, so a spec the second run refuses was found after the first
 * had run — and `vmlab run --dry-run` (the scenario's `check`) would not have found it at all.
 */
export function checkedSpecs<T extends Record<string, ClusterSpec | ClusterSpec[]>>(specs: T): T {
  for (const s of Object.values(specs).flat()) checkClusterSpec(s);
  return specs;
}

/**
 * A run is sampled every `sampleS` s up to `durationS`, and `summarize(run, fromS, toS)` averages
 * the samples in (fromS, toS]. Checks, before anything runs, that such a window holds at least one
 * sample — an empty one averaged to zeros (or crashed on a missing row) — naming `key`, the
 * setting that made it empty, and `given`, its value. `what` says which window, for the message.
 */
export function requireSampledWindow(
  key: string,
  given: number | readonly number[],
  what: string,
  fromS: number,
  toS: number,
  sampleS: number,
  durationS: number,
): void {
  const end = Math.min(toS, durationS);
  const lastSample = Math.floor(end / sampleS + 1e-9) * sampleS;
  if (lastSample > fromS + 1e-9) return;
  // Unrounded (to 1 ns, against float noise): at ms precision a sub-ms window read "(0 s, 0.001 s] holds no 0.001 s sample".
  const s = (x: number) => String(round(x, 9));
  const nextSample = (Math.floor(fromS / sampleS + 1e-9) + 1) * sampleS;
  const allowed = `a window that holds one, here one that ends at ${s(nextSample)} s or later${lastSample > 0 ? ` or starts before ${s(lastSample)} s` : ""}`;
  throw QosErrors.badConfig(
    key,
    // Named as "key (value" so the CLI can say where a value the user did not set came from (`withValueSources`):
    // "sampleS, 2 s" and a window ending at durationS's 160 s named neither the default nor --quick's durationS.
    `${what} (${s(fromS)} s, ${s(end)} s] holds no sample (samples are at multiples of sampleS (${s(sampleS)} s)${end === durationS ? ` up to durationS (${s(durationS)} s)` : ""}); allowed: ${allowed}, given ${key}=${typeof given === "number" ? s(given) : given.map(s).join(",")}`,
  );
}

/**
 * Checks, after a run, that each of `counts` (IOs, or IOPS, per host or VM, named by `who(i)`) is above 0 over the
 * measured window (fromS, toS]: a window shorter than an IO's latency holds a sample but no completed IO, and its
 * ratios and latencies came out 0/0 — null in results.json, NaN and Infinity in the CSVs — or a latency of 0 ms.
 * Named as `requireSampledWindow` names it: `key`, the setting that made it too short, and `given`, its value.
 */
export function requireIosInWindow(
  key: string,
  given: number | readonly number[],
  what: string,
  fromS: number,
  toS: number,
  counts: readonly number[],
  who: (i: number) => string,
): void {
  const i = counts.findIndex((n) => !(n > 0));
  if (i < 0) return;
  const s = (x: number) => String(round(x, 9));
  throw QosErrors.badConfig(
    key,
    `${what} (${s(fromS)} s, ${s(toS)} s] saw no IO of ${who(i)} complete, so its throughput and latency there are not known; make the window longer than a few IO latencies (tens of ms), given ${key}=${typeof given === "number" ? s(given) : given.map(s).join(",")}`,
  );
}

/**
 * `requireIosInWindow` for the usual case: every host completed IOs in the measured window (measureFromS, durationS],
 * called `what` in the refusal.
 */
export function requireHostIosMeasured(
  c: { measureFromS: number; durationS: number },
  hostIops: readonly number[],
  what = "the measured window",
): void {
  requireIosInWindow("measureFromS", c.measureFromS, what, c.measureFromS, c.durationS, hostIops, hostName);
}

/** A host as the refusals name it: `host 1` for index 0. */
export const hostName = (h: number) => `host ${h + 1}`;

/**
 * Each host's control acts once every controlPeriodS, the first time at a random point of the second period, after a
 * whole period measured (Fig. 9's unsynchronised hosts; `runCluster`): a measured window no longer than the period —
 * or whose part after the first period is not — may see some host's control never act. A period of 60 s in a 30 s
 * run passed and printed a panel labelled PARDA in which no window ever moved. Refuses a period not shorter than what
 * of the window (fromS, toS], `what`, described by `bounds` (the keys that set it, as `key=value`, so that a refusal
 * names them), comes after the first period.
 */
export function requireControlActsIn(periodS: number, what: string, fromS: number, toS: number, bounds: string): void {
  const acting = actingSpan(periodS, fromS, toS);
  if (periodS < acting - 1e-9) return;
  const s = (x: number) => String(round(x, 9));
  const span = fromS < periodS ? `${s(Math.max(acting, 0))} s of it after the first control period` : `${s(acting)} s`;
  throw QosErrors.badConfig(
    "controlPeriodS",
    `must be shorter than ${what}, ${bounds} (${span}), so that every host's control acts in it (once a period, the first time at a random point of the second: the first is measured whole); given controlPeriodS=${s(periodS)}`,
  );
}

/** How much of the window (fromS, toS] comes after the first control period, when controls can act, s. */
const actingSpan = (periodS: number, fromS: number, toS: number) => toS - Math.max(fromS, periodS);

/**
 * The measured window (measureFromS, durationS] — called `what` in the refusals — holds a sample and sees every host's
 * control act: `requireSampledWindow` and `requireControlActsIn` over it.
 */
export function requireMeasuredWindow(
  c: { measureFromS: number; durationS: number; sampleS: number; controlPeriodS: number },
  what = "the measured window",
): void {
  requireSampledWindow("measureFromS", c.measureFromS, what, c.measureFromS, c.durationS, c.sampleS, c.durationS);
  requireControlActsIn(
    c.controlPeriodS,
    what,
    c.measureFromS,
    c.durationS,
    `from measureFromS=${c.measureFromS} to durationS=${c.durationS}`,
  );
}

/**
 * `requireControlActsIn` for runs in phases (between consecutive `bounds`, s, set by `key`, given as `given`): each
 * phase changes what the control must answer (a VM stops, L changes), so every host's control must act in each.
 */
export function requireControlActsInPhases(
  periodS: number,
  key: string,
  given: number | readonly number[],
  bounds: readonly number[],
): void {
  const span = (i: number) => actingSpan(periodS, bounds[i], bounds[i + 1]);
  let shortest = 0;
  for (let i = 1; i + 1 < bounds.length; i++) if (span(i) < span(shortest)) shortest = i;
  const s = (x: number) => String(round(x, 9));
  const list = typeof given === "number" ? s(given) : given.map(s).join(",");
  const [from, to] = [bounds[shortest], bounds[shortest + 1]];
  requireControlActsIn(
    periodS,
    `every phase`,
    from,
    to,
    `here phase ${shortest + 1}, from ${s(from)} s to ${s(to)} s, with ${key}=${list}`,
  );
}

/**
 * Each phase between consecutive `bounds` (s) is measured over its second half (phaseRows): checks each
 * such window holds a sample, as `requireSampledWindow` does, naming `key` and its value `given`.
 */
export function requirePhasesSampled(
  key: string,
  given: number | readonly number[],
  bounds: readonly number[],
  sampleS: number,
  durationS: number,
): void {
  // A time given twice (stopAtS=60,60) makes a phase of length 0: said plainly, before the window check would call it
  // "phase 2's second half (60 s, 60 s] holds no sample".
  if (typeof given !== "number") {
    const twice = given.find((t, i) => given.indexOf(t) !== i);
    if (twice !== undefined)
      throw QosErrors.badConfig(
        key,
        `two of its times are the same (${twice} s), which leaves no phase between them; give each time once, given ${key}=${given.join(",")}`,
      );
  }
  for (let i = 0; i + 1 < bounds.length; i++)
    requireSampledWindow(key, given, `phase ${i + 1}'s second half`, (bounds[i] + bounds[i + 1]) / 2, bounds[i + 1], sampleS, durationS);
}

/**
 * A sweep's points in ascending order, each once: the scenarios read their "low" and "high" point
 * (and monotonicity) off the ends of the sweep, which must not depend on the order given.
 */
export function ascending(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export { round };

/**
 * A sample's IOPS to 0.1, but never 0 for a sample that did IO: one IO in a 60 s sample is 0.0167 IOPS, and "0.0"
 * beside that IO's latency read as a host that did nothing. Below 0.05 it keeps three significant digits.
 */
export const roundIops = (iops: number) => (iops > 0 && iops < 0.05 ? Number(iops.toPrecision(3)) : round(iops, 1));

/** Long-format time series of one or more runs: one row per (run, host, sample); latency_ms is null where the host completed no IO. */
export function timeSeriesTable(name: string, runs: { label: string; run: ClusterRun }[]): Table {
  const rows: Table["rows"] = [];
  for (const { label, run } of runs)
    for (const s of run.samples)
      rows.push({
        run: label,
        t_s: round(s.t, 3),
        host: `host ${s.host + 1}`,
        window: round(s.window),
        iops: roundIops(s.iops),
        // A sample with no IO has no latency: 0 ms drew a stopped host's line down to the axis (Fig. 9). Null ends it.
        latency_ms: s.ios > 0 ? round(s.latencyMs) : null,
      });
  return { name, columns: ["run", "t_s", "host", "window", "iops", "latency_ms"], rows };
}

/** The three over-time charts every PARDA figure has: window, latency and IOPS per host, one panel per run. */
export function timeSeriesFigures(table: string, prefix: string, titleSuffix: string): Figure[] {
  const chart = (field: string, title: string, yTitle: string): Figure => ({
    name: `${prefix}-${field}`,
    title: `${title} ${titleSuffix}`,
    table,
    spec: {
      mark: { type: "line" },
      encoding: {
        x: { field: "t_s", type: "quantitative", title: "time (s)" },
        y: { field, type: "quantitative", title: yTitle },
        color: { field: "host", type: "nominal" },
        row: { field: "run", type: "nominal", title: null },
      },
    },
  });
  return [
    chart("window", "Window (issue-queue depth) per host", "window"),
    chart("latency_ms", "Latency per host", "latency (ms)"),
    chart("iops", "Throughput per host", "IOPS"),
  ];
}

/** Jain's fairness index of a set of allocations normalised by their entitlements: 1 = exactly proportional. */
export function jainIndex(values: number[], weights: number[]): number {
  const x = values.map((v, i) => v / weights[i]);
  const index = (y: number[]) => {
    const s = y.reduce((a, b) => a + b, 0);
    const s2 = y.reduce((a, b) => a + b * b, 0);
    return { s, s2, j: s2 > 0 ? (s * s) / (y.length * s2) : 1 };
  };
  const { s, s2, j } = index(x);
  // The index does not change when every x is scaled alike: scaled by the largest when the squares overflow (shares
  // of 1e-300 and 1000 gave Infinity / Infinity, NaN) or underflow (1e-200 alone squared to 0, an index of 1). Only
  // then, so that the usual case is computed as it always was.
  if (Number.isFinite(s * s) && Number.isFinite(s2) && !(s2 === 0 && s > 0)) return j;
  const largest = Math.max(...x);
  return index(x.map((v) => v / largest)).j;
}
