import { exponential, lognormal, type Rng } from "@vmlab/core-vm";
import { SECTOR_BYTES } from "../io.js";
import { newTraceRecord, type TraceRecordSource } from "./record.js";

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

/**
 * Writes records as MSR Cambridge CSV (no header line, as the published
 * traces), e.g. a `SyntheticVmTrace`. Times in whole 100 ns ticks: records
 * with whole-µs times round-trip exactly; a record without a response time
 * (−1) is written with 0.
 */
export function writeMsrTrace(source: TraceRecordSource, host = "vmlab", disk = 0): string {
  const rec = newTraceRecord();
  const lines: string[] = [];
  while (source.next(rec))
    lines.push(msrLine(rec.issueNs, host, disk, rec.isRead, rec.lba * SECTOR_BYTES, rec.bytes, Math.max(0, rec.responseNs)));
  return lines.join("");
}

/** Options of `syntheticMsrTrace` (test traces in the MSR Cambridge format): IOs, mean gap, read and sequential fractions, disk size, median response time. */
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
 * A minimal seeded trace in MSR Cambridge format for reader tests: Poisson
 * arrivals, one sequential fraction, IO sizes of 4, 8, 16, 64 KiB. For a
 * realistic VM workload use `SyntheticVmTrace` with `writeMsrTrace`.
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
