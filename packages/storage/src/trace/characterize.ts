import { StorageErrors, VSCSISTATS_TRACE_ADVICE } from "../errors.js";
import type { VscsiStats } from "../vscsistats/collector.js";
import { newTraceRecord, type TraceReader, type TraceRecord, type TraceRecordSource } from "./record.js";
import { checkReorderWindow, IssueOrderCounts, ReorderWindow } from "./reorder.js";

/** What `characterizeTrace` read: IOs characterized, records skipped or ignored, and how far the file's issue order had to be repaired. */
export interface CharacterizeSummary {
  /** IOs characterized. */
  ios: number;
  /** IOs with a recorded response time (latency and outstanding IOs come only from these). */
  timedIos: number;
  /** IOs whose completion reported an error (`TraceReader.failed`): characterized without a response time. */
  failedIos: number;
  skipped: number;
  firstSkipped: string | null;
  ignored: number;
  /** Records the reorder window could hold back (0: the file's order). */
  reorderWindow: number;
  /**
   * Line (record, in a binary trace) of the first IO issued earlier than an IO before it in the file; null when the
   * trace's issue times never go back.
   */
  firstOutOfOrder: number | null;
  /** IOs out of issue order in the file that the reorder window put back in issue order. */
  reordered: number;
  /**
   * IOs issued earlier than an IO already characterized: out of order by more than the window (with a window of 0,
   * every IO issued earlier than an IO before it). They are characterized where they came, after a later-issued IO:
   * interarrival 0, and the next IO's is measured from the latest issue, not from theirs (the collector's
   * `outOfOrder` counts the same IOs).
   */
  late: number;
  /** Line (record) of the first late IO, or null. */
  firstLate: number | null;
}

/** Options of `characterizeTrace`: how many IOs, and the reorder window. */
export interface CharacterizeOptions {
  /** Stop after this many IOs (0 or absent: the whole trace). */
  maxIos?: number;
  /**
   * Records held back to characterize the trace in issue order (`DEFAULT_REORDER_WINDOW`); 0 takes the file's order.
   * Ignored for a back-to-back trace (fio: no issue times to order by).
   */
  reorderWindow?: number;
}

/**
 * Feeds a trace (a reader, or a generator such as `SyntheticVmTrace`) to
 * vscsiStats without a device model. The issue times are the
 * trace's own; where the format records a response time (MSR, blkparse with
 * completions, vscsi v2), the IO is outstanding over [issue, issue +
 * response) — an IO completing exactly when another is issued no longer
 * counts — and its latency is that response time. IOs without one count in
 * every histogram but latency and outstanding IOs; those of a back-to-back
 * trace (fio: no issue times) not in interarrival either. `maxIos` stops early.
 *
 * Real traces are not always in issue order (MSR CSV records a little out of
 * timestamp order, blkparse interleaving its CPUs): a reorder window of
 * `reorderWindow` records (a min-heap by issue time, ties in file order) sits
 * between the reader and the collector, so a record out of order by up to
 * that many records is characterized exactly as if the file were sorted. A
 * record out of order by more comes out where it came (interarrival 0, the
 * clock staying at the latest issue; an IO issued later may count as
 * outstanding) and is counted as `late`. Memory stays bounded: the window's
 * typed arrays. With `firstIo: "zero"`, time 0 is the first IO characterized
 * if it is timed before 0: MSR and .vscsi times count from the file's first
 * record, and the window hands the earliest it holds on first.
 *
 * A reader that skipped bad lines (records) and gave no IO throws `VMLAB_TRACE_MALFORMED_LINE` (`traceOnlyBad`):
 * the file is not of the format read. One of no IO and no bad line is characterized (0 IOs; its `noIoNote` says why).
 */
export function characterizeTrace(
  reader: TraceRecordSource &
    Partial<Pick<TraceReader, "format" | "name" | "skipped" | "firstSkipped" | "ignored" | "failed" | "close" | "backToBack" | "advice">>,
  stats: VscsiStats,
  options: CharacterizeOptions = {},
): CharacterizeSummary {
  const rec = newTraceRecord();
  const completions = new CompletionHeap();
  const limit = options.maxIos && options.maxIos > 0 ? options.maxIos : Number.POSITIVE_INFINITY;
  const requested = checkReorderWindow("characterizeTrace", options.reorderWindow);
  // A back-to-back trace (fio) records no issue times, only pauses: the gap between two IOs was the first one's
  // service time, unknown here, so its IOs are given "no clock" (no interarrival sample) rather than 0 µs gaps.
  // Its order is the file's: nothing to reorder by.
  const noClock = reader.backToBack === true;
  const capacity = noClock ? 0 : requested;
  const feeder = new Feeder(stats, completions, noClock);
  let ios = 0;
  const order = new IssueOrderCounts();
  try {
    if (capacity === 0) {
      while (ios < limit && reader.next(rec)) {
        ios++;
        order.read(rec.issueNs, rec.line, feeder.lastIssueNs);
        feeder.feed(rec);
      }
    } else {
      const window = new ReorderWindow(capacity);
      while (ios < limit && reader.next(rec)) {
        ios++;
        order.read(rec.issueNs, rec.line, feeder.lastIssueNs);
        window.push(rec);
        if (window.size > capacity) feeder.feedSlot(window, window.popSlot());
      }
      for (let s = window.popSlot(); s >= 0; s = window.popSlot()) feeder.feedSlot(window, s);
    }
  } finally {
    // A reader closes itself at the end of its trace; one stopped early (maxIos, a bad line) would keep its file open.
    reader.close?.();
  }
  feeder.finish();
  const skipped = reader.skipped ?? 0;
  // Skip-bad is for a trace with some bad lines; a file of no IO and only bad lines is another format's, or no trace:
  // refused here, where vmlab vscsistats and vscsistats-characterize both read, rather than 16 empty histograms.
  if (ios === 0 && skipped > 0) {
    const format = reader.format ?? "trace";
    throw StorageErrors.traceOnlyBad(
      reader.name ?? "trace",
      format,
      skipped,
      format === "vscsi" ? "record" : "line",
      reader.firstSkipped ?? "",
      reader.advice ?? VSCSISTATS_TRACE_ADVICE,
    );
  }
  return {
    ios,
    timedIos: feeder.timed,
    failedIos: reader.failed ?? 0,
    skipped,
    firstSkipped: reader.firstSkipped ?? null,
    ignored: reader.ignored ?? 0,
    reorderWindow: capacity,
    firstOutOfOrder: order.firstOutOfOrder,
    reordered: order.reordered,
    late: order.late,
    firstLate: order.firstLate,
  };
}

/** Hands records to the collector in the order given, retiring recorded completions as time passes. */
class Feeder {
  timed = 0;
  /** Issue time of the last IO fed (-Infinity before the first). */
  lastIssueNs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stats: VscsiStats,
    private readonly completions: CompletionHeap,
    private readonly noClock: boolean,
  ) {}

  feed(rec: TraceRecord): void {
    this.feedIo(rec.issueNs, rec.lba, rec.sectors, rec.bytes, rec.isRead, rec.responseNs);
  }

  /** The record in a reorder window's slot (just taken out). */
  feedSlot(w: ReorderWindow, s: number): void {
    this.feedIo(w.issueNs[s], w.lba[s], w.sectors[s], w.bytes[s], w.isRead[s] === 1, w.responseNs[s]);
  }

  private feedIo(t: number, lba: number, sectors: number, bytes: number, isRead: boolean, responseNs: number): void {
    const stats = this.stats;
    const completions = this.completions;
    if (t > this.lastIssueNs) this.lastIssueNs = t;
    // Retire every IO whose completion is at or before this issue.
    while (completions.size > 0 && completions.topTime() <= t) {
      stats.complete(completions.topLatency(), completions.topIsRead());
      completions.pop();
    }
    // -1 is the "no clock" mark (record.ts); other negative times are real: a record earlier than the trace's first one.
    if (responseNs >= 0 && t !== -1) {
      this.timed++;
      stats.issue(t, lba, sectors, bytes, isRead);
      completions.push(t + responseNs, responseNs, isRead);
    } else {
      stats.issueUntracked(this.noClock ? -1 : t, lba, sectors, bytes, isRead);
    }
  }

  finish(): void {
    const completions = this.completions;
    while (completions.size > 0) {
      this.stats.complete(completions.topLatency(), completions.topIsRead());
      completions.pop();
    }
  }
}

/**
 * Binary min-heap of completion times over typed arrays (ties: any order —
 * the histograms do not depend on the order of equal-time completions).
 * Holds at most the trace's peak outstanding IOs.
 */
class CompletionHeap {
  size = 0;
  private time = new Float64Array(256);
  private latency = new Float64Array(256);
  private read = new Uint8Array(256);

  topTime(): number {
    return this.time[0];
  }
  topLatency(): number {
    return this.latency[0];
  }
  topIsRead(): boolean {
    return this.read[0] === 1;
  }

  push(t: number, latency: number, isRead: boolean): void {
    if (this.size === this.time.length) this.grow();
    let i = this.size++;
    const time = this.time;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (time[parent] <= t) break;
      this.move(parent, i);
      i = parent;
    }
    time[i] = t;
    this.latency[i] = latency;
    this.read[i] = isRead ? 1 : 0;
  }

  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    const time = this.time;
    const t = time[n];
    const latency = this.latency[n];
    const read = this.read[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && time[child + 1] < time[child]) child++;
      if (time[child] >= t) break;
      this.move(child, i);
      i = child;
    }
    time[i] = t;
    this.latency[i] = latency;
    this.read[i] = read;
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from];
    this.latency[to] = this.latency[from];
    this.read[to] = this.read[from];
  }

  private grow(): void {
    const n = this.time.length * 2;
    const time = new Float64Array(n);
    const latency = new Float64Array(n);
    const read = new Uint8Array(n);
    time.set(this.time);
    latency.set(this.latency);
    read.set(this.read);
    this.time = time;
    this.latency = latency;
    this.read = read;
  }
}
