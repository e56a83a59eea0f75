import { percent } from "@vmlab/core-vm";
import { round } from "./common.js";

/**
 * The latency PARDA's window law settles at, ms: at its fixed point w = (L/L(t))·w + β, so L(t) = L·w / (w − β); with
 * windows ≈ throughput × latency (Little's law) summed over the hosts, L(t) = L + Σβ / throughput (in IOs per ms).
 */
export function windowLawLatencyMs(thresholdMs: number, betaSum: number, totalIops: number): number {
  return thresholdMs + betaSum / (totalIops / 1000);
}

/**
 * A note when the window law itself settles latency past the latency row's bound (`bound` × L above L): that row then
 * fails for the law, not for the control, and nothing said so (16 hosts of β 1: 30 + 16 / 2.53 IOs per ms = 36.3 ms,
 * a "fail" against 15% with no word why). None when the law's latency is within the bound.
 */
export function windowLawNote(thresholdMs: number, betaSum: number, totalIops: number, bound: number): string[] {
  const law = windowLawLatencyMs(thresholdMs, betaSum, totalIops);
  if (!(law > thresholdMs * (1 + bound))) return [];
  const above = Math.round((law / thresholdMs - 1) * 100);
  return [
    `PARDA's window law settles latency at L + Σβ / throughput = ${thresholdMs} + ${round(betaSum, 2)} / ${round(totalIops / 1000, 2)} IOs per ms = ${round(law, 1)} ms, ${above}% above L, past the ${percent(bound)} the latency row allows: at the law's fixed point w = (L/L(t))·w + β each host's window is β more than L alone would give it. So that row fails for the law, not for the control; a smaller Σβ (fewer hosts, smaller shares) brings latency nearer L.`,
  ];
}
