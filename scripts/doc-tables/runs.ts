/**
 * Making the runs the marks name: each distinct `vmlab run` once with the built CLI, and the storage model checks
 * in this process.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { MODEL_CHECKS, type RunSpec, repoRoot, runArgs, runKey } from "./marks.js";
import type { Results } from "./render.js";

/** The storage models' checks, measured in this process (about 2 s). */
export async function modelCheckResults(): Promise<Results> {
  const { storageModelChecks } = await import("../../packages/storage/src/model-checks.js");
  return storageModelChecks();
}

export interface RunOutput {
  dir: string;
  results: Results;
}

function runOnce(spec: RunSpec, out: string, root: string): Promise<RunOutput> {
  const bin = join(root, "apps/cli/bin/vmlab.js");
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...runArgs(spec), "--out", out], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`vmlab ${runArgs(spec).join(" ")} failed (exit ${code}): ${stderr.trim()}`));
      else done({ dir: out, results: JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Results });
    });
  });
}

/** Runs each distinct scenario run once with the built CLI, `jobs` at a time, longest first. */
export async function runAll(
  specs: RunSpec[],
  scratch: string,
  root = repoRoot,
  jobs = availableParallelism(),
): Promise<Map<string, RunOutput>> {
  const unique = new Map<string, RunSpec>();
  for (const s of specs) if (s.id !== MODEL_CHECKS) unique.set(runKey(s), s);
  const checks = specs.find((s) => s.id === MODEL_CHECKS);
  // The slow grids first, so the short runs fill in beside them.
  const order = [...unique.values()].sort((a, b) => weight(b) - weight(a));
  const outputs = new Map<string, RunOutput>();
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < order.length && !failed) {
      const i = next++;
      const s = order[i];
      try {
        outputs.set(runKey(s), await runOnce(s, join(scratch, `run-${i}`), root));
      } catch (e) {
        failed = true; // the other worker starts no new run
        throw e;
      }
    }
  };
  // Every worker settles before a failure is thrown: a run still under way would write into `scratch` after the
  // caller removed it (rejected at the first failure, the other run's output was left behind in the temp directory).
  const running = Promise.allSettled(Array.from({ length: Math.max(1, Math.min(jobs, order.length)) }, worker));
  // The model checks are measured here while the first runs go on in their own processes.
  let failure: { error: unknown } | undefined;
  if (checks) {
    try {
      outputs.set(runKey(checks), { dir: "", results: await modelCheckResults() });
    } catch (error) {
      failed = true; // no new run starts
      failure = { error };
    }
  }
  const settled = await running;
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  if (failure) throw failure.error;
  return outputs;
}

/** Rough CPU seconds of a scenario's full run, for the order only (a long run started last holds the test up). */
const SLOW: Record<string, number> = { "esx-disk-perf": 16, "queue-validation": 16, "vic-guest": 8 };
/** A run that sets one of esx-disk-perf's grid axes runs a few of its cells (about a second). */
const GRID_AXES = ["storage=", "ioSizesBytes=", "readPercents=", "randomPercents=", "outstandingIos="];
function weight(s: RunSpec): number {
  if (s.quick) return 1;
  if (s.id === "parda-equal-shares" && s.sets.includes("arrayModel=storage")) return 12; // the storage package's array
  if (s.id === "esx-disk-perf" && s.sets.some((x) => GRID_AXES.some((a) => x.startsWith(a)))) return 2;
  return SLOW[s.id] ?? 2;
}
