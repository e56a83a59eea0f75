import { exponential, lognormal, type Rng } from "@vmlab/core-vm";

/** A FILETIME near the MSR Cambridge traces' (February 2007), so generated files look like the real ones and exceed 2^53. */
export const MSR_EPOCH_TICKS = 128166372000000000n;

/** One MSR Cambridge CSV line; times in ns from `MSR_EPOCH_TICKS`, written in 100 ns ticks. */
export function msrLine(
  issueNs: number,
  host: string,
  disk: number,
  isRead: boolean,
  offsetBytes: number,
  bytes: number,
  responseNs: number,
): string {
  const ts = MSR_EPOCH_TICKS + BigInt(Math.floor(issueNs / 100));
  return `${ts},${host},${disk},${isRead ? "Read" : "Write"},${offsetBytes},${bytes},${Math.floor(responseNs / 100)}\n`;
}

export interface SyntheticMsrOptions {
  ios: number;
  /** Mean gap between issues (ns); exponential (Poisson arrivals). */
  meanInterarrivalNs: number;
  readFraction: number;
  /** Probability that an IO continues where the previous ended. */
  sequentialFraction: number;
  /** Disk size in bytes (offsets are 4 KiB aligned within it). */
  diskBytes: number;
  /** Response time: lognormal with this median (ns). */
  medianResponseNs: number;
}

/**
 * A seeded synthetic trace in MSR Cambridge format (for tests and the
 * `storage.vscsistats` benchmark when a bigger file than the shipped trace is
 * wanted). IO sizes are drawn from 4, 8, 16, 64 KiB.
 */
export function syntheticMsrTrace(rng: Rng, o: SyntheticMsrOptions): string {
  const sizes = [4096, 8192, 16384, 65536];
  const lines: string[] = [];
  let t = 0;
  let next = 0;
  const blocks = Math.floor(o.diskBytes / 4096);
  for (let i = 0; i < o.ios; i++) {
    t += Math.round(exponential(rng, o.meanInterarrivalNs));
    const bytes = sizes[rng.int(sizes.length)];
    const offset = rng.random() < o.sequentialFraction ? next : rng.int(blocks) * 4096;
    next = offset + bytes;
    const response = Math.round(lognormal(rng, Math.log(o.medianResponseNs), 0.8));
    lines.push(msrLine(t, "vmlab", 0, rng.random() < o.readFraction, offset, bytes, response));
  }
  return lines.join("");
}
