import { QosErrors } from "../errors.js";
import { requireInHalfOpen } from "../validate.js";

/**
 * Per-IO exponentially weighted moving average of latency, PARDA §3.1:
 * latency ← (1 − α)·latency + α·sample, with α = 0.002 in all the paper's runs
 * (the smoothing form is the standard one; the digest marks it unverified).
 * Also counts IOs since the last `takeCount`, which a host writes next to its
 * average in the shared file.
 */
export class LatencyEwma {
  /** Smoothed latency, ns; 0 until the first sample. */
  valueNs = 0;
  private seen = false;
  ioCount = 0;

  constructor(readonly alpha: number) {
    requireInHalfOpen("latencyEwmaAlpha", alpha, 0, 1);
  }

  /** Adds one IO's latency (ns, finite and >= 0: one NaN or infinity would stay in the average for good). */
  observe(latencyNs: number): void {
    if (!(latencyNs >= 0 && latencyNs < Number.POSITIVE_INFINITY))
      throw QosErrors.badConfig("latencyNs", `an IO's latency must be a finite number of ns >= 0, got ${latencyNs}`);
    this.ioCount++;
    if (!this.seen) {
      this.valueNs = latencyNs;
      this.seen = true;
    } else this.valueNs += this.alpha * (latencyNs - this.valueNs);
  }

  /** IOs observed since the last call; resets the count. */
  takeCount(): number {
    const n = this.ioCount;
    this.ioCount = 0;
    return n;
  }
}
