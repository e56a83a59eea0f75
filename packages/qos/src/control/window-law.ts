import { QosErrors } from "../errors.js";
import { requireInHalfOpen, requirePositive } from "../validate.js";

/**
 * The FAST-TCP-like window law PARDA uses (PARDA §3.2, Eq. 2; FAST TCP, Wei
 * et al. ToN 2006):
 *
 *   w(t+1) = (1 − γ)·w(t) + γ·( (L / latency(t))·w(t) + β )
 *
 * clamped to [w_min, w_max] and, as in FAST TCP, to at most `maxGrowthFactor`
 * times the old window. At equilibrium latency = L·w/(w − β), so each host's
 * window is β·latency/(latency − L): windows are proportional to β, and the
 * latency sits just above L by the sum of the βs over the total window.
 */
export interface WindowLawParams {
  /** L: the latency threshold (operating point), ms, > 0. */
  latencyThresholdMs: number;
  /** γ ∈ (0, 1]: how far each update moves toward the target window (PARDA: 0.8). */
  smoothingGamma: number;
  /** β: the host's weight, proportional to its VMs' aggregate shares, > 0. */
  beta: number;
  /** w_min: smallest window, ≥ 1 (the paper bounds the window below against starvation but gives no value: an assumption). */
  windowMin: number;
  /** w_max: largest window, finite (PARDA §5.4 uses 64; the paper always caps the window). */
  windowMax: number;
  /** Cap on growth per update as a factor of the old window (FAST TCP's 2w); Infinity for none. */
  maxGrowthFactor: number;
}

/** Refuses window-law parameters out of range (`VMLAB_QOS_BAD_CONFIG`, naming each key with `prefix`). */
export function checkWindowLaw(p: WindowLawParams, prefix = ""): void {
  requirePositive(`${prefix}latencyThresholdMs`, p.latencyThresholdMs);
  requireInHalfOpen(`${prefix}smoothingGamma`, p.smoothingGamma, 0, 1);
  requirePositive(`${prefix}beta`, p.beta);
  if (!(p.windowMin >= 1)) throw QosErrors.badConfig(`${prefix}windowMin`, `must be >= 1, got ${p.windowMin}`);
  // No cap is not a setting: below L the window grows geometrically each period until it
  // overflows to Infinity, and the run then died on a queue depth of Infinity naming "depth".
  if (!(p.windowMax >= p.windowMin && Number.isFinite(p.windowMax)))
    throw QosErrors.badConfig(`${prefix}windowMax`, `must be a finite number >= windowMin (${p.windowMin}), got ${p.windowMax}`);
  if (!(p.maxGrowthFactor > 1))
    throw QosErrors.badConfig(`${prefix}maxGrowthFactor`, `must be > 1 (Infinity for no cap), got ${p.maxGrowthFactor}`);
}

/** One update of the window law; `latencyMs` is the congestion signal (latency(t)), > 0. */
export function nextWindow(p: WindowLawParams, window: number, latencyMs: number): number {
  // No IO in the period gives 0 (grow); NaN is no measurement at all, and would have grown the window too.
  if (Number.isNaN(latencyMs) || Number.isNaN(window))
    throw QosErrors.badConfig("latencyMs", `the window law needs a latency and a window, got latency ${latencyMs} ms, window ${window}`);
  if (!(latencyMs > 0)) return Math.min(p.windowMax, window * Math.min(2, p.maxGrowthFactor));
  const g = p.smoothingGamma;
  let w = (1 - g) * window + g * ((p.latencyThresholdMs / latencyMs) * window + p.beta);
  const cap = window * p.maxGrowthFactor;
  if (w > cap) w = cap;
  if (w > p.windowMax) w = p.windowMax;
  if (w < p.windowMin) w = p.windowMin;
  return w;
}

/** The law's fixed point for a given latency: w* = β·latency / (latency − L), when latency > L. */
export function equilibriumWindow(p: WindowLawParams, latencyMs: number): number {
  // NaN fell through both comparisons and came back as a NaN window; nextWindow refuses it too.
  if (Number.isNaN(latencyMs)) throw QosErrors.badConfig("latencyMs", `the window law's fixed point needs a latency, got ${latencyMs} ms`);
  if (latencyMs <= p.latencyThresholdMs) return p.windowMax;
  return Math.min(p.windowMax, Math.max(p.windowMin, (p.beta * latencyMs) / (latencyMs - p.latencyThresholdMs)));
}
