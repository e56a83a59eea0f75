import { percent } from "@vmlab/core-vm";
import { round } from "./common.js";

/**
 * The latency PARDA's window law settles at, ms: at its fixed point w = (L/L(t))·w + β, so L(t) = L·w / (w − β); with
 * windows ≈ throughput × latency (Little's law) summed over the hosts, L(t) = L + Σβ / throughput (in IOs per ms).
 */
export function windowLawLatencyMs(thresholdMs: number, betaSum: number, totalIops: number): number {
  return thresholdMs + betaSum / (totalIops / 1000);
}

/** A PARDA run as `windowLawNote` judges it: its setup, its latency bound and what it measured. */
export interface WindowLawRun {
  thresholdMs: number;
  /** Σβ over the hosts. */
  betaSum: number;
  totalIops: number;
  /** The latency row's bound, as a share of L. */
  bound: number;
  /** The run's measured latency, ms: the latency row's figure. */
  latencyMs: number;
  /** Each host's mean window over the measurement. */
  hostWindows: readonly number[];
  windowMin: number;
  windowMax: number;
}

/**
 * Why a PARDA run's rows miss, when the control law explains it (none when nothing needs explaining).
 *
 * - A host whose window sat at w_max or w_min: the law's fixed point is outside the bounds, so β no longer sets its
 *   window, and neither the ratios that follow β nor the law's latency hold (shares 1,1,2,20: the β-20 host at 64 read
 *   as "the law settles latency at 32.7 ms" beside a measured 27.1 ms and a failing IOPS ratio).
 * - Otherwise, the law's latency L + Σβ / throughput past the latency row's bound, when the row fails: it fails for the
 *   law, not for the control (16 hosts of β 1: 30 + 16 / 2.53 IOs per ms = 36.3 ms, "fail" against 15% with no word why).
 *   Not while the measured latency is within the bound (shares 1,1000 with both windows at 64 predicted 337 ms beside 20).
 */
export function windowLawNote(r: WindowLawRun): string[] {
  const pinned = pinnedWindowsNote(r);
  if (pinned !== undefined) return [pinned];
  // Only a row failing above L: the law explains latency above it, never below.
  if (!(r.latencyMs > r.thresholdMs * (1 + r.bound))) return [];
  const law = windowLawLatencyMs(r.thresholdMs, r.betaSum, r.totalIops);
  if (!(law > r.thresholdMs * (1 + r.bound))) return [];
  const above = Math.round((law / r.thresholdMs - 1) * 100);
  return [
    `PARDA's window law settles latency at L + Σβ / throughput = ${r.thresholdMs} + ${round(r.betaSum, 2)} / ${round(r.totalIops / 1000, 2)} IOs per ms = ${round(law, 1)} ms, ${above}% above L, past the ${percent(r.bound)} the latency row allows: at the law's fixed point w = (L/L(t))·w + β each host's window is β more than L alone would give it. So that row fails for the law, not for the control; a smaller Σβ (fewer hosts, smaller shares) brings latency nearer L.`,
  ];
}

/**
 * The hosts whose mean window over the measurement sat at (within 2% of) windowMax or windowMin, as a note: there the
 * window law has no fixed point inside the bounds, so β does not set those windows and the law's latency does not
 * hold. Undefined when every window is inside the bounds.
 */
export function pinnedWindowsNote(r: Pick<WindowLawRun, "hostWindows" | "windowMin" | "windowMax">): string | undefined {
  const hosts = (at: (w: number) => boolean) => r.hostWindows.flatMap((w, h) => (at(w) ? [h + 1] : []));
  const atMax = hosts((w) => w >= r.windowMax * 0.98);
  // A host counted at windowMax is not at windowMin too (bounds within 4% of each other).
  const atMin = hosts((w) => w <= r.windowMin * 1.02 && w < r.windowMax * 0.98);
  const named = (list: number[]) => `${list.length === 1 ? "host" : "hosts"} ${list.join(", ")}`;
  const pinned = [
    ...(atMax.length > 0 ? [`${named(atMax)} at windowMax (${r.windowMax}), the law asking for more`] : []),
    ...(atMin.length > 0 ? [`${named(atMin)} at windowMin (${r.windowMin}), the law asking for less`] : []),
  ];
  if (pinned.length === 0) return undefined;
  return `The window of ${pinned.join("; of ")}, over the measurement: PARDA's window law has no fixed point inside [windowMin, windowMax] there, so β does not set those windows, the window and IOPS ratios need not follow β, and the law's latency L + Σβ / throughput does not hold. A wider [windowMin, windowMax], or β nearer the others', lets the law work.`;
}
