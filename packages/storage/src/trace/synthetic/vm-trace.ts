import { Discrete, exponential, lognormal, pareto, type Rng, Zipf } from "@vmlab/core-vm";
import { SECTOR_BYTES } from "../../io.js";
import type { TraceRecord } from "../record.js";
import { ArrayLatencyModel } from "./latency-model.js";
import { parseSyntheticVmTraceOptions, type SyntheticVmTraceOptions } from "./options.js";

/** The four places an IO comes from, in the order of their weights. */
export const SYNTHETIC_SOURCES = ["hot", "sequential", "log", "cold"] as const;
/** The four IO sources a `SyntheticVmTrace` mixes: a hot set, sequential runs, a log and cold random IOs. */
export type SyntheticSource = (typeof SYNTHETIC_SOURCES)[number];
const HOT = 0;
const SEQUENTIAL = 1;
const LOG = 2;

/**
 * IO sizes (bytes) and their weights per source — assumptions of vmlab's,
 * spread over ESX's IO-length buckets: database pages on the hot set; large
 * transfers in the streams (a few above 512 KiB, ESX's overflow bucket);
 * sub-4 KiB and odd-sized journal writes (3,584 B lands in the 4095 bucket);
 * a mix on the cold random IO.
 */
const HOT_SIZES = new Discrete([0.55, 0.3, 0.1, 0.05], [4096, 8192, 16384, 32768]);
const SEQUENTIAL_SIZES = new Discrete([0.2, 0.45, 0.2, 0.1, 0.03, 0.02], [32768, 65536, 131072, 262144, 524288, 1048576]);
const LOG_SIZES = new Discrete([0.15, 0.1, 0.1, 0.1, 0.35, 0.12, 0.08], [512, 1024, 2048, 3584, 4096, 8192, 12288]);
const COLD_SIZES = new Discrete([0.45, 0.2, 0.1, 0.05, 0.2], [4096, 8192, 16384, 49152, 65536]);

/** Sectors in a 4 KiB page: random IO and stream starts are 4 KiB aligned, as a guest file system's blocks are. */
const PAGE_SECTORS = 8;
/** Where the hot set starts, as a share of the disk (somewhere in the middle, away from the log at the end). */
const HOT_SET_AT = 0.3;

/**
 * A seeded model of one VM's virtual-disk IO stream, as vscsiStats would see
 * it at the vSCSI layer of a consolidated server VM (a file/database server):
 *
 * - **time**: active periods (exponential length, mean `burstMeanMs`) with
 *   Poisson arrivals at `burstIops` × a lognormal factor per period, separated
 *   by heavy-tailed idle periods (Pareto: `idleMinMs`, `idleShape`);
 * - **where**: each IO comes from one of four sources picked by weight —
 *   a **hot set** (random 4 KiB-aligned IO whose pages are ranked by a Zipf
 *   law and scattered over the region), **sequential streams** (a few
 *   interleaved file copies/scans, each reading or writing one IO size until
 *   it ends after ≈ `sequentialRunMeanIos` IOs and restarts elsewhere),
 *   **log writes** (small sequential writes, circular over a region at the
 *   end of the disk) and **cold** random IO anywhere;
 * - **response times** from `ArrayLatencyModel` (a write-back cached,
 *   striped LUN), so latencies and outstanding IOs rise in busy bursts.
 *
 * Times are whole µs, so every format (vscsi µs, MSR 100 ns ticks) stores the
 * trace exactly. `next(rec)` fills a caller-owned `TraceRecord` like a trace
 * reader (the first IO is at time 0) and allocates nothing per IO.
 */
export class SyntheticVmTrace {
  readonly options: SyntheticVmTraceOptions;
  /** IOs generated per source, in `SYNTHETIC_SOURCES` order. */
  readonly perSource = new Float64Array(SYNTHETIC_SOURCES.length);
  /** IOs generated so far. */
  generated = 0;
  readonly diskSectors: number;

  private readonly sources: Discrete<number>;
  private readonly hotPages: number;
  private readonly hotStart: number;
  private readonly hotCachedRanks: number;
  /** Multiplier scattering Zipf ranks over the hot set's pages (coprime with their number: a bijection). */
  private readonly hotScatter: number;
  private readonly zipf: Zipf;
  private readonly logStart: number;
  private logNext: number;
  private readonly streamNext: Float64Array;
  private readonly streamSectors: Float64Array;
  private readonly streamLeft: Float64Array;
  private readonly streamReads: Uint8Array;
  /** 1 until a stream's first IO: that one misses (nothing read ahead yet). */
  private readonly streamFresh: Uint8Array;
  private readonly latency: ArrayLatencyModel;
  private nowUs = 0;
  private lastSource = 0;
  private lastStream = -1;
  private burstEndUs = 0;
  private burstIops = 0;

  constructor(
    private readonly rng: Rng,
    options: Partial<SyntheticVmTraceOptions> = {},
  ) {
    const o = parseSyntheticVmTraceOptions(options);
    this.options = o;
    this.diskSectors = (o.diskGiB * 2 ** 30) / SECTOR_BYTES;
    this.sources = new Discrete([o.hotWeight, o.sequentialWeight, o.logWeight, o.coldWeight]);
    this.hotPages = o.hotSetMiB * 256;
    this.hotStart = alignDown(Math.floor(this.diskSectors * HOT_SET_AT));
    this.hotCachedRanks = Math.floor(o.hotCachedShare * this.hotPages);
    this.hotScatter = coprimeNear(this.hotPages, Math.floor(this.hotPages * 0.618));
    this.zipf = new Zipf(this.hotPages, o.hotZipfExponent);
    this.logStart = this.diskSectors - o.logRegionMiB * 2048;
    this.logNext = this.logStart;
    const n = o.sequentialStreams;
    this.streamNext = new Float64Array(n);
    this.streamSectors = new Float64Array(n);
    this.streamLeft = new Float64Array(n);
    this.streamReads = new Uint8Array(n);
    this.streamFresh = new Uint8Array(n);
    for (let s = 0; s < n; s++) this.startStream(s);
    this.latency = new ArrayLatencyModel(o, this.diskSectors);
    this.startBurst();
  }

  /** Fills `rec` with the next IO; false once `options.ios` IOs were generated. */
  next(rec: TraceRecord): boolean {
    const o = this.options;
    if (this.generated >= o.ios) return false;
    const rng = this.rng;
    if (this.generated > 0) {
      this.nowUs += exponential(rng, 1e6 / this.burstIops);
      if (this.nowUs > this.burstEndUs) {
        // The burst is over: idle, and the next IO opens a new burst.
        this.nowUs = this.burstEndUs + pareto(rng, o.idleMinMs * 1000, o.idleShape);
        this.startBurst();
      }
    }
    const issueUs = Math.floor(this.nowUs);
    // A run: the previous IO's source (and stream) again, or a fresh pick by weight.
    const sticky = this.generated > 0 && rng.random() < o.sourceStickiness;
    const source = sticky ? this.lastSource : this.sources.sampleIndex(rng);
    this.lastSource = source;
    let lba: number;
    let bytes: number;
    let isRead: boolean;
    let responseUs: number;
    if (source === HOT) {
      const rank = this.zipf.sample(rng);
      bytes = HOT_SIZES.sample(rng);
      const page = mulMod(rank - 1, this.hotScatter, this.hotPages);
      lba = this.hotStart + Math.min(page * PAGE_SECTORS, this.hotPages * PAGE_SECTORS - bytes / SECTOR_BYTES);
      isRead = rng.random() < o.hotReadFraction;
      responseUs =
        isRead && rank > this.hotCachedRanks
          ? this.latency.miss(rng, issueUs, lba, bytes / SECTOR_BYTES, bytes)
          : this.latency.cached(rng, issueUs, lba, bytes / SECTOR_BYTES, bytes, !isRead);
    } else if (source === SEQUENTIAL) {
      const s = sticky && this.lastStream >= 0 ? this.lastStream : rng.int(o.sequentialStreams);
      this.lastStream = s;
      if (this.streamLeft[s] <= 0) this.startStream(s);
      const sectors = this.streamSectors[s];
      if (this.streamNext[s] + sectors > this.diskSectors) this.streamNext[s] = 0;
      lba = this.streamNext[s];
      this.streamNext[s] += sectors;
      this.streamLeft[s]--;
      bytes = sectors * SECTOR_BYTES;
      isRead = this.streamReads[s] === 1;
      // Read-ahead serves a stream's reads after its first; the disk still reads the data.
      responseUs =
        isRead && this.streamFresh[s] === 1
          ? this.latency.miss(rng, issueUs, lba, sectors, bytes)
          : this.latency.cached(rng, issueUs, lba, sectors, bytes, true);
      this.streamFresh[s] = 0;
    } else if (source === LOG) {
      bytes = LOG_SIZES.sample(rng);
      const sectors = bytes / SECTOR_BYTES;
      if (this.logNext + sectors > this.diskSectors) this.logNext = this.logStart;
      lba = this.logNext;
      this.logNext += sectors;
      isRead = false;
      responseUs = this.latency.cached(rng, issueUs, lba, sectors, bytes, true);
    } else {
      bytes = COLD_SIZES.sample(rng);
      lba = alignDown(Math.floor(rng.random() * (this.diskSectors - bytes / SECTOR_BYTES)));
      isRead = rng.random() < o.coldReadFraction;
      responseUs = isRead
        ? this.latency.miss(rng, issueUs, lba, bytes / SECTOR_BYTES, bytes)
        : this.latency.cached(rng, issueUs, lba, bytes / SECTOR_BYTES, bytes, true);
    }
    this.generated++;
    this.perSource[source]++;
    rec.issueNs = issueUs * 1000;
    rec.lba = lba;
    rec.bytes = bytes;
    rec.sectors = bytes / SECTOR_BYTES;
    rec.isRead = isRead;
    rec.responseNs = Math.max(1, Math.round(responseUs)) * 1000;
    rec.line = this.generated;
    return true;
  }

  private startBurst(): void {
    const o = this.options;
    this.burstIops = o.burstIops * lognormal(this.rng, 0, o.burstRateSigma);
    this.burstEndUs = this.nowUs + exponential(this.rng, o.burstMeanMs * 1000);
  }

  private startStream(s: number): void {
    const o = this.options;
    const rng = this.rng;
    this.streamSectors[s] = SEQUENTIAL_SIZES.sample(rng) / SECTOR_BYTES;
    this.streamNext[s] = alignDown(Math.floor(rng.random() * this.diskSectors));
    this.streamLeft[s] = Math.max(1, Math.round(exponential(rng, o.sequentialRunMeanIos)));
    this.streamReads[s] = rng.random() < o.sequentialReadFraction ? 1 : 0;
    this.streamFresh[s] = 1;
  }
}

function alignDown(sector: number): number {
  return sector - (sector % PAGE_SECTORS);
}

/** The odd number nearest above `near` that is coprime with n (so k ↦ k·m mod n permutes 0..n−1). */
function coprimeNear(n: number, near: number): number {
  let m = near % 2 === 0 ? near + 1 : Math.max(1, near);
  while (gcd(m, n) !== 1) m += 2;
  return m;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** a·b mod n without losing precision (a, b < n ≤ 2^32): b split into 16-bit halves keeps products below 2^49. */
function mulMod(a: number, b: number, n: number): number {
  const hi = Math.floor(b / 65536);
  const lo = b % 65536;
  return (((a * hi) % n) * 65536 + a * lo) % n;
}
