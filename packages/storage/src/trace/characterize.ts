import type { VscsiStats } from "../vscsistats/collector.js";
import { newTraceRecord, type TraceReader, type TraceRecordSource } from "./record.js";

export interface CharacterizeSummary {
  /** IOs characterized. */
  ios: number;
  /** IOs with a recorded response time (latency and outstanding IOs come only from these). */
  timedIos: number;
  skipped: number;
  firstSkipped: string | null;
  ignored: number;
  /**
   * Line (record, in a binary trace) of the first IO issued earlier than the IO before it (the collector counts
   * them in `outOfOrder`); null when the trace's issue times never go back.
   */
  firstOutOfOrder: number | null;
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
 */
export function characterizeTrace(
  reader: TraceRecordSource & Partial<Pick<TraceReader, "skipped" | "firstSkipped" | "ignored" | "close" | "backToBack">>,
  stats: VscsiStats,
  options: { maxIos?: number } = {},
): CharacterizeSummary {
  const rec = newTraceRecord();
  const completions = new CompletionHeap();
  const limit = options.maxIos && options.maxIos > 0 ? options.maxIos : Number.POSITIVE_INFINITY;
  let ios = 0;
  let timed = 0;
  // A back-to-back trace (fio) records no issue times, only pauses: the gap between two IOs was the first one's
  // service time, unknown here, so its IOs are given "no clock" (no interarrival sample) rather than 0 µs gaps.
  const noClock = reader.backToBack === true;
  let firstOutOfOrder: number | null = null;
  const outOfOrderBefore = stats.outOfOrder;
  try {
    while (ios < limit && reader.next(rec)) {
      ios++;
      const t = rec.issueNs;
      // Retire every IO whose completion is at or before this issue.
      while (completions.size > 0 && completions.topTime() <= t) {
        stats.complete(completions.topLatency(), completions.topIsRead());
        completions.pop();
      }
      // -1 is the "no clock" mark (record.ts); other negative times are real: a record earlier than the trace's first one.
      if (rec.responseNs >= 0 && t !== -1) {
        timed++;
        stats.issue(t, rec.lba, rec.sectors, rec.bytes, rec.isRead);
        completions.push(t + rec.responseNs, rec.responseNs, rec.isRead);
      } else {
        stats.issueUntracked(noClock ? -1 : t, rec.lba, rec.sectors, rec.bytes, rec.isRead);
      }
      // The collector's own count says whether this IO went back in time (one rule, not a copy of it).
      if (firstOutOfOrder === null && stats.outOfOrder > outOfOrderBefore) firstOutOfOrder = rec.line;
    }
  } finally {
    // A reader closes itself at the end of its trace; one stopped early (maxIos, a bad line) would keep its file open.
    reader.close?.();
  }
  while (completions.size > 0) {
    stats.complete(completions.topLatency(), completions.topIsRead());
    completions.pop();
  }
  return {
    ios,
    timedIos: timed,
    skipped: reader.skipped ?? 0,
    firstSkipped: reader.firstSkipped ?? null,
    ignored: reader.ignored ?? 0,
    firstOutOfOrder,
  };
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
