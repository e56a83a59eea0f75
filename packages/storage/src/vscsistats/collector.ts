import { plural } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { refuseUnknownOptions } from "../options-check.js";
import { VSCSI_HISTOGRAMS } from "./bins.js";
import { VscsiHistogram } from "./histogram.js";

/**
 * How the first IO (of all IOs, of reads, of writes) is treated by the
 * histograms that compare an IO with its predecessor (seek distance,
 * closest-of-16 distance, interarrival):
 * - "skip": no sample (our default: there is no predecessor, so no distance);
 * - "zero": measured against a zero state — previous IO ended at LBN 0 and was
 *   issued at time 0 — as ESX does with the state left from before its window,
 *   so every histogram's count equals the number of IOs, as in an ESX printout.
 *   That IO stays among the previous 16 of the closest-of-16 distance until 16
 *   IOs have come. A first IO timed before 0 (a trace's earliest record, whose
 *   times count from a later one) is time 0 itself.
 */
export type FirstIoPolicy = "skip" | "zero";

/** Options of `VscsiStats`: what the first IO's seek distance and interarrival are (`firstIo`: skipped, as ESX, or zero). */
export interface VscsiStatsOptions {
  firstIo?: FirstIoPolicy;
}

const ALL = 0;
const READS = 1;
const WRITES = 2;
/** ESX keeps the distance to the closest of the previous 16 commands (IISWC 2007, vscsiStats). */
const CLOSEST_WINDOW = 16;

/**
 * vscsiStats for one virtual disk: ESX's 16 online histograms, updated at
 * issue and completion in the vSCSI layer (Ahmad, IISWC 2007).
 *
 * Definitions (verified against a real ESXi printout; see docs/vscsistats.md):
 * - seek distance = this IO's first LBN − the previous IO's **last** LBN, so
 *   sequential IO is +1; the Read (Write) histogram compares with the previous
 *   Read (Write), as ESX's "between successive Read commands" says;
 * - closest-of-16 = the seek distance to whichever of the previous 16 IOs (any
 *   type) gives the smallest |distance| (a tie between +d and -d counts +d;
 *   ESX's tie rule is not documented); total only;
 * - outstanding IOs when an IO is issued counts that IO; the Read (Write)
 *   histogram counts outstanding Reads (Writes) when a Read (Write) is issued;
 * - latency and interarrival in whole µs (truncated); the Read (Write)
 *   interarrival is the time since the previous Read (Write).
 */
export class VscsiStats {
  readonly ioLength = [
    new VscsiHistogram(VSCSI_HISTOGRAMS[0].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[1].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[2].limits),
  ];
  readonly seekDistance = [
    new VscsiHistogram(VSCSI_HISTOGRAMS[3].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[4].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[5].limits),
  ];
  readonly seekDistanceClosest16 = new VscsiHistogram(VSCSI_HISTOGRAMS[6].limits);
  readonly latency = [
    new VscsiHistogram(VSCSI_HISTOGRAMS[7].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[8].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[9].limits),
  ];
  readonly outstandingIOs = [
    new VscsiHistogram(VSCSI_HISTOGRAMS[10].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[11].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[12].limits),
  ];
  readonly interarrival = [
    new VscsiHistogram(VSCSI_HISTOGRAMS[13].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[14].limits),
    new VscsiHistogram(VSCSI_HISTOGRAMS[15].limits),
  ];
  /** All 16 in ESX's print order (the order of `VSCSI_HISTOGRAMS`). */
  readonly histograms: readonly VscsiHistogram[];

  readonly firstIo: FirstIoPolicy;
  /** IOs issued (seen at the vSCSI layer). */
  ios = 0;
  /** IOs whose issue time was earlier than the previous IO's (interarrival recorded as 0). */
  outOfOrder = 0;

  /** Outstanding IOs per split (all, reads, writes). */
  private readonly outstanding = new Float64Array(3);
  /** Last LBN of the previous IO per split; valid where `hasPrevious` is 1. */
  private readonly previousLastLbn = new Float64Array(3);
  /** The interarrival clock per split: the latest issue time (ns) of a timed IO; valid where `hasPreviousTime` is 1. */
  private readonly previousIssueNs = new Float64Array(3);
  private readonly hasPrevious = new Uint8Array(3);
  private readonly hasPreviousTime = new Uint8Array(3);
  /** Ring of the last LBNs of the previous 16 IOs. */
  private readonly recentLastLbn = new Float64Array(CLOSEST_WINDOW);
  private recentCount = 0;
  private recentHead = 0;

  constructor(options: VscsiStatsOptions = {}) {
    refuseUnknownOptions("vscsiStats", options, ["firstIo"]);
    const firstIo = options.firstIo ?? "skip";
    if (firstIo !== "skip" && firstIo !== "zero")
      throw StorageErrors.badConfig("vscsiStats", `firstIo must be "skip" or "zero", got ${JSON.stringify(firstIo)}`);
    this.firstIo = firstIo;
    this.histograms = [
      ...this.ioLength,
      ...this.seekDistance,
      this.seekDistanceClosest16,
      ...this.latency,
      ...this.outstandingIOs,
      ...this.interarrival,
    ];
    this.clearState();
  }

  /**
   * An IO issued to the virtual disk at `nowNs`: updates IO length, seek
   * distances, outstanding IOs (counting this one) and interarrival. Pair
   * with `complete`.
   */
  issue(nowNs: number, lba: number, sectors: number, bytes: number, isRead: boolean): void {
    const split = isRead ? READS : WRITES;
    this.outstanding[ALL]++;
    this.outstanding[split]++;
    this.outstandingIOs[ALL].record(this.outstanding[ALL]);
    this.outstandingIOs[split].record(this.outstanding[split]);
    this.issueUntracked(nowNs, lba, sectors, bytes, isRead);
  }

  /** An issued IO completed after `latencyNs` (issue → completion at the vSCSI layer). */
  complete(latencyNs: number, isRead: boolean): void {
    this.outstanding[ALL]--;
    this.outstanding[isRead ? READS : WRITES]--;
    this.recordLatency(latencyNs, isRead);
  }

  /** Records a latency sample without queue accounting (trace replay knows latencies up front). */
  recordLatency(latencyNs: number, isRead: boolean): void {
    const us = latencyNs > 0 ? Math.floor(latencyNs / 1000) : 0;
    const all = this.latency[ALL];
    const b = all.bucketOf(us);
    all.recordIn(b, us);
    this.latency[isRead ? READS : WRITES].recordIn(b, us);
  }

  /**
   * An IO whose completion is not observed (a trace without response times):
   * every histogram but outstanding IOs and latency. `nowNs === -1` means
   * the format has no timestamps: no interarrival sample either. Other
   * negative times are real (a trace record earlier than the trace's first,
   * which times are measured from). An IO issued earlier than the latest IO
   * before it gets interarrival 0 and is counted in `outOfOrder`; the clock
   * stays at the latest issue (see `recordInterarrival`).
   */
  issueUntracked(nowNs: number, lba: number, sectors: number, bytes: number, isRead: boolean): void {
    const split = isRead ? READS : WRITES;
    this.ios++;
    const lengths = this.ioLength[ALL];
    const b = lengths.bucketOf(bytes);
    lengths.recordIn(b, bytes);
    this.ioLength[split].recordIn(b, bytes);

    // Seek distance: first LBN of this IO − last LBN of the previous one (sequential = +1).
    const zero = this.firstIo === "zero";
    if (this.hasPrevious[ALL] === 1 || zero) this.seekDistance[ALL].record(lba - this.previousLastLbn[ALL]);
    if (this.hasPrevious[split] === 1 || zero) this.seekDistance[split].record(lba - this.previousLastLbn[split]);
    this.recordClosest16(lba, zero);
    const last = lba + (sectors > 0 ? sectors : 1) - 1;
    this.previousLastLbn[ALL] = last;
    this.previousLastLbn[split] = last;
    this.hasPrevious[ALL] = 1;
    this.hasPrevious[split] = 1;
    const ring = this.recentHead;
    this.recentLastLbn[ring] = last;
    this.recentHead = (ring + 1) & (CLOSEST_WINDOW - 1);
    if (this.recentCount < CLOSEST_WINDOW) this.recentCount++;

    if (nowNs !== -1) {
      // firstIo "zero": the zero state was issued at time 0, the trace's start. A first IO timed before 0 is a trace's
      // earliest record whose times count from a later one (MSR and .vscsi count from the file's first record; the
      // reorder window hands the earliest on first): it is the start, so the first read's and first write's
      // interarrivals do not depend on which record the file has first, and nothing is out of order.
      if (nowNs < 0 && zero && this.hasPreviousTime[ALL] === 0) this.previousIssueNs.fill(nowNs);
      this.recordInterarrival(ALL, nowNs, zero);
      this.recordInterarrival(split, nowNs, zero);
    }
  }

  private recordClosest16(lba: number, zero: boolean): void {
    const n = this.recentCount;
    const recent = this.recentLastLbn;
    let best: number;
    let first: number;
    if (zero && n < CLOSEST_WINDOW) {
      // The zero state's IO (ended at LBN 0) came just before the first: like ESX's IOs from before its window, it
      // is among the previous 16 until 16 IOs have come (not only the first IO's sole candidate).
      best = lba;
      first = 0;
    } else if (n === 0) return;
    else {
      best = lba - recent[0];
      first = 1;
    }
    // Order does not matter: entries 0..n-1 are the valid ones (the ring fills from 0).
    // (A branch-free minimum measured 2x slower: the "better" branch is rarely taken, so it predicts well.)
    let bestAbs = Math.abs(best);
    for (let i = first; i < n; i++) {
      const d = lba - recent[i];
      const a = Math.abs(d);
      if (a < bestAbs || (a === bestAbs && d > best)) {
        bestAbs = a;
        best = d;
      }
    }
    this.seekDistanceClosest16.record(best);
  }

  /**
   * vscsiStats' interarrival is the time between successive commands arriving at the vSCSI layer (IISWC 2007), on a
   * clock that only moves forwards. An IO issued earlier than one already seen (a trace record out of issue order that
   * no reorder window put back) counts 0 µs and leaves the clock at the latest issue: measured from its own earlier
   * time, the IO after it got an interarrival inflated by how late it was. Counted as 0 rather than skipped, so each
   * histogram keeps one sample per IO (all of them with firstIo "zero", as in an ESX printout), and the samples add up
   * to the time from the first IO to the latest, as they do in issue order: the mean is the issue-order one.
   */
  private recordInterarrival(split: number, nowNs: number, zero: boolean): void {
    if (this.hasPreviousTime[split] === 1 || zero) {
      const dt = nowNs - this.previousIssueNs[split];
      if (dt < 0) {
        if (split === ALL) this.outOfOrder++;
        this.interarrival[split].record(0);
        return;
      }
      this.interarrival[split].record(Math.floor(dt / 1000));
    }
    this.previousIssueNs[split] = nowNs;
    this.hasPreviousTime[split] = 1;
  }

  /** Outstanding IOs right now (all splits). */
  get outstandingNow(): number {
    return this.outstanding[ALL];
  }

  /**
   * Clears every histogram and the inter-IO state (ESX's `vscsiStats -r`). The count of IOs in
   * flight stays: they are still outstanding, and their completions will come.
   */
  reset(): void {
    for (const h of this.histograms) h.reset();
    this.ios = 0;
    this.outOfOrder = 0;
    this.clearState();
  }

  /** The previous-IO state (seek and interarrival references); not the IOs in flight. */
  private clearState(): void {
    this.previousLastLbn.fill(0);
    this.previousIssueNs.fill(0);
    this.hasPrevious.fill(0);
    this.hasPreviousTime.fill(0);
    this.recentLastLbn.fill(0);
    this.recentCount = 0;
    this.recentHead = 0;
  }

  save(): VscsiStatsState {
    return {
      version: 1,
      firstIo: this.firstIo,
      ios: this.ios,
      outOfOrder: this.outOfOrder,
      histograms: this.histograms.map((h) => ({ counts: Array.from(h.counts), count: h.count, sum: h.sum, min: h.min, max: h.max })),
      outstanding: Array.from(this.outstanding),
      previousLastLbn: Array.from(this.previousLastLbn),
      previousIssueNs: Array.from(this.previousIssueNs),
      hasPrevious: Array.from(this.hasPrevious, (v) => v === 1),
      hasPreviousTime: Array.from(this.hasPreviousTime, (v) => v === 1),
      recent: this.recentInOrder(),
    };
  }

  /** Restores a `save()`d state; validates it first (saved state is untrusted input). */
  restore(state: unknown): void {
    const parsed = VscsiStatsStateSchema.safeParse(state);
    if (!parsed.success) throw StorageErrors.vscsiBadState(parsed.error.issues[0]?.message ?? "schema mismatch");
    const s = parsed.data;
    if (s.firstIo !== this.firstIo) throw StorageErrors.vscsiBadState(`firstIo is "${s.firstIo}", this collector uses "${this.firstIo}"`);
    if (s.histograms.length !== this.histograms.length) throw StorageErrors.vscsiBadState(`expected ${this.histograms.length} histograms`);
    s.histograms.forEach((hs, i) => {
      const h = this.histograms[i];
      if (hs.counts.length !== h.counts.length)
        throw StorageErrors.vscsiBadState(`histogram ${i} has ${hs.counts.length} buckets, expected ${h.counts.length}`);
      const total = hs.counts.reduce((a, b) => a + b, 0);
      if (total !== hs.count) throw StorageErrors.vscsiBadState(`histogram ${i}: bucket counts add up to ${total}, count is ${hs.count}`);
      // The smallest and largest values lie in the first and last buckets that hold any (all 0 when empty):
      // a min above the max, or one outside its bucket, was accepted and printed as the histogram's range.
      const first = hs.counts.findIndex((c) => c > 0);
      const last = hs.counts.findLastIndex((c) => c > 0);
      const range =
        hs.count === 0
          ? hs.min === 0 && hs.max === 0 && hs.sum === 0
          : hs.min <= hs.max && h.bucketOf(hs.min) === first && h.bucketOf(hs.max) === last;
      if (!range)
        throw StorageErrors.vscsiBadState(
          `histogram ${i}: min ${hs.min} and max ${hs.max} do not match its ${hs.count} values in buckets ${first} to ${last}`,
        );
    });
    // IOs in flight are reads or writes: the all-IOs count is their sum (else a read could see more reads than IOs outstanding).
    const [all, reads, writes] = s.outstanding;
    if (all !== reads + writes)
      throw StorageErrors.vscsiBadState(`${plural(all, "IO")} outstanding, but ${plural(reads, "read")} and ${plural(writes, "write")}`);
    s.histograms.forEach((hs, i) => {
      const h = this.histograms[i];
      h.counts.set(hs.counts);
      h.count = hs.count;
      h.sum = hs.sum;
      h.min = hs.min;
      h.max = hs.max;
    });
    this.ios = s.ios;
    this.outOfOrder = s.outOfOrder;
    this.outstanding.set(s.outstanding);
    this.previousLastLbn.set(s.previousLastLbn);
    this.previousIssueNs.set(s.previousIssueNs);
    this.hasPrevious.set(s.hasPrevious.map((b) => (b ? 1 : 0)));
    this.hasPreviousTime.set(s.hasPreviousTime.map((b) => (b ? 1 : 0)));
    this.recentLastLbn.fill(0);
    s.recent.forEach((v, i) => {
      this.recentLastLbn[i] = v;
    });
    this.recentCount = s.recent.length;
    this.recentHead = s.recent.length & (CLOSEST_WINDOW - 1);
  }

  /** The ring's contents, oldest first. */
  private recentInOrder(): number[] {
    const out: number[] = [];
    const start = (this.recentHead - this.recentCount + CLOSEST_WINDOW) & (CLOSEST_WINDOW - 1);
    for (let k = 0; k < this.recentCount; k++) out.push(this.recentLastLbn[(start + k) & (CLOSEST_WINDOW - 1)]);
    return out;
  }
}

const finite = z.number().finite();
const triple = z.array(finite).length(3);
const flags = z.array(z.boolean()).length(3);

/** Validates saved `VscsiStats` (`VscsiStatsState`) before `restore` uses them. */
export const VscsiStatsStateSchema = z.object({
  version: z.literal(1),
  firstIo: z.enum(["skip", "zero"]),
  ios: z.number().int().nonnegative(),
  outOfOrder: z.number().int().nonnegative(),
  histograms: z.array(
    z.object({
      counts: z.array(z.number().int().nonnegative()),
      count: z.number().int().nonnegative(),
      sum: finite,
      min: finite,
      max: finite,
    }),
  ),
  outstanding: z.array(z.number().int().nonnegative()).length(3),
  previousLastLbn: triple,
  previousIssueNs: triple,
  hasPrevious: flags,
  hasPreviousTime: flags,
  recent: z.array(finite).max(CLOSEST_WINDOW),
});
/** `VscsiStats`' saved state: every histogram's counts and the collector's running fields. */
export type VscsiStatsState = z.infer<typeof VscsiStatsStateSchema>;
