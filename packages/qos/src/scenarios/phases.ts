import type { ClusterRun } from "../cluster/cluster.js";
import { summarize } from "../cluster/cluster.js";
import { requireIosInWindow, round } from "./common.js";

export type PhaseRow = {
  run: string;
  phase: number;
  from_s: number;
  to_s: number;
  active_hosts: number;
  total_iops: number;
  latency_ms: number;
  mean_window_active: number;
};

/**
 * Checks each phase row (`phaseRows` over `bounds`, one or more runs) saw an IO complete: a phase whose second half
 * is shorter than an IO's latency was reported at 0 IOPS and a latency of 0 ms. Names `key` and its value `given`.
 */
export function requirePhasesMeasured(
  key: string,
  given: number | readonly number[],
  rows: readonly PhaseRow[],
  bounds: readonly number[],
): void {
  const phases = bounds.length - 1;
  rows.forEach((r, k) => {
    const i = k % phases;
    const what = `${r.run}: phase ${i + 1}'s second half`;
    requireIosInWindow(key, given, what, (bounds[i] + bounds[i + 1]) / 2, bounds[i + 1], [r.total_iops], () => "any host");
  });
}

/** Averages of a run over the second half of each phase [bounds[i], bounds[i+1]) — after the controller has settled. */
export function phaseRows(label: string, run: ClusterRun, bounds: number[]): PhaseRow[] {
  const rows: PhaseRow[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = (bounds[i] + bounds[i + 1]) / 2;
    const s = summarize(run, from, bounds[i + 1]);
    const active = s.hostIops.map((x, h) => ({ x, h })).filter((e) => e.x > 0);
    rows.push({
      run: label,
      phase: i + 1,
      from_s: round(from, 1),
      to_s: bounds[i + 1],
      active_hosts: active.length,
      total_iops: round(s.totalIops, 1),
      latency_ms: round(s.latencyMs),
      mean_window_active: round(active.reduce((a, e) => a + s.hostWindow[e.h], 0) / Math.max(1, active.length)),
    });
  }
  return rows;
}
