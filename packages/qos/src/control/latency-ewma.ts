import { QosErrors } from "../errors.js";
import { requireInHalfOpen, requireOneOf } from "../validate.js";

/**
 * Which observations PARDA's latency average takes in:
 * - `period-mean` (the default): PARDA's Eq. 1 as the paper prints it, L(t) = (1 − α)·l + α·L(t − 1), "the weight
 *   given to past values" being α, with l the mean latency of the host's IOs over the control period (the paper's
 *   control algorithm "detects overload … based on average IO latency measured over a fixed time period"; §4.2: each
 *   host writes "its average latency and number of IOs" into the shared file). With α = 0.002 L(t) is almost the
 *   period's mean.
 * - `per-io`: every IO an observation, L ← (1 − α)·L + α·l, α weighting the new IO (an earlier reading of the paper
 *   by vmlab's digest; with α = 0.002 a time constant of 500 IOs). Eq. 1 taken per IO as printed would leave L the
 *   last IO's latency (0.998 on it), which no reading of "to smooth out short-term variations" supports.
 */
export const LATENCY_EWMA_FORMS = ["period-mean", "per-io"] as const;

/** One of `LATENCY_EWMA_FORMS`. */
export type LatencyEwmaForm = (typeof LATENCY_EWMA_FORMS)[number];

/** Checks α and the form together (keys under `prefix`, e.g. "control."): α ∈ (0, 1], and < 1 for `period-mean`. */
export function requireLatencyEwma(prefix: string, alpha: number, form: LatencyEwmaForm): void {
  requireInHalfOpen(`${prefix}latencyEwmaAlpha`, alpha, 0, 1);
  requireOneOf(`${prefix}latencyEwmaForm`, form, LATENCY_EWMA_FORMS);
  // Eq. 1's α is the weight of the past: at 1 every later period would be ignored.
  if (form === "period-mean" && alpha === 1)
    throw QosErrors.badConfig(
      `${prefix}latencyEwmaAlpha`,
      "must be < 1 when latencyEwmaForm=period-mean: there α is the weight of the past, and at 1 the first period's latency would stay L for good; got 1",
    );
}

/**
 * A host's smoothed IO latency for PARDA's control loop (Eq. 1), in one of the two forms above. The first observation
 * (the first period's mean, or the first IO) is taken as it is: there is no L(t − 1) before it.
 */
export class LatencyEwma {
  /** Smoothed latency, ns; 0 until the first observation. */
  valueNs = 0;
  private seen = false;
  /** The current period's IOs and summed latency (the `period-mean` form's l). */
  private periodIos = 0;
  private periodSumNs = 0;

  constructor(
    readonly alpha: number,
    readonly form: LatencyEwmaForm = "period-mean",
  ) {
    requireLatencyEwma("", alpha, form);
  }

  /** Adds one IO's latency (ns, finite and >= 0: one NaN or infinity would stay in the average for good). */
  observe(latencyNs: number): void {
    if (!(latencyNs >= 0 && latencyNs < Number.POSITIVE_INFINITY))
      throw QosErrors.badConfig("latencyNs", `an IO's latency must be a finite number of ns >= 0, got ${latencyNs}`);
    if (this.form === "period-mean") {
      this.periodIos++;
      this.periodSumNs += latencyNs;
    } else this.fold(latencyNs, this.alpha);
  }

  /**
   * Ends a control period. In the `period-mean` form folds the period's mean latency in (Eq. 1); a period without IO
   * has no observation and leaves L as it was. In the `per-io` form nothing changes.
   */
  endPeriod(): void {
    if (this.form !== "period-mean" || this.periodIos === 0) return;
    const mean = this.periodSumNs / this.periodIos;
    this.periodIos = 0;
    this.periodSumNs = 0;
    this.fold(mean, 1 - this.alpha);
  }

  /** L ← L + w·(l − L): the new observation's weight `w` (α per IO; 1 − α per period, α being the past's). */
  private fold(latencyNs: number, w: number): void {
    if (!this.seen) {
      this.valueNs = latencyNs;
      this.seen = true;
    } else this.valueNs += w * (latencyNs - this.valueNs);
  }
}
