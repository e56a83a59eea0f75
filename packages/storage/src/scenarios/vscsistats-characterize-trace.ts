import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { plural, type Rng } from "@vmlab/core-vm";
import { StorageErrors, type TraceAdvice } from "../errors.js";
import { characterizeTrace } from "../trace/characterize.js";
import { HashedPass } from "../trace/hashed-pass.js";
import { openTraceFile } from "../trace/open-file.js";
import type { TraceFormat, TraceReader, TraceRecord } from "../trace/record.js";
import { type ReplayMode, TraceReplayWorkload } from "../trace/replay.js";
import { shippedTracePath } from "../trace/shipped.js";
import { VscsiStats } from "../vscsistats/collector.js";
import { SCENARIO_TRACE_ADVICE, type VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";
import { type Characterized, MAX_REPLAY_SPAN_NS, REPLAY_CLOCK_LIMIT_NS, runWorkload } from "./vscsistats-characterize-run.js";

/**
 * A user's trace file (`traceFile`), as the results identify it: the path as given (relative to the directory the run
 * ran in, maybe), the absolute path it resolved to, its format, size and SHA-256.
 */
export interface UserTrace {
  path: string;
  absolutePath: string;
  format: TraceFormat;
  bytes: number;
  sha256: string;
}

/** What the trace workloads read and replayed, besides their histograms: for the results' trace table and notes. */
export interface TraceRunInfo {
  /** The user's trace; null for the shipped one (the release identifies it). */
  user: UserTrace | null;
  /** IOs read from the file and characterized (`traceMaxIos` applied). */
  ios: number;
  /** IOs without a recorded response time (in no latency or outstanding-IO histogram of `trace-file`). */
  untimedIos: number;
  /** IOs whose completion reported an error (blkparse). */
  failedIos: number;
  /** Bad lines (records) counted and skipped (`traceSkipBad`), and the first one's problem. */
  skipped: number;
  firstSkipped: string | null;
  /** Well-formed lines that are no read or write (headers, flushes, trims, queue events). */
  ignored: number;
  /** What the file held instead of IOs, when it held none. */
  noIoNote: string | null;
  /**
   * IOs out of issue order in the file (`characterizeTrace`'s counts, as `vmlab vscsistats` reports them): put back in
   * order by the reorder window of `reorderWindow` records, or too late for it (characterized where they came,
   * interarrival 0; the replay issues them where they come too); the first of each's line (record), or null.
   */
  reorderWindow: number;
  reordered: number;
  late: number;
  firstOutOfOrder: number | null;
  firstLate: number | null;
  /** IOs the replay read whose extent passes the VM's disk: folded into it (LBA modulo its capacity). */
  foldedIos: number;
  /** Why the replay did not reach the end of the trace (`traceMaxIos` aside), or null. */
  cut: string | null;
}

/**
 * The timed replay's reader: `inner`, ended at the first record whose recorded time is more than `spanNs` after the
 * earliest so far (so the replay's due times, which count from a first IO no earlier, stay within
 * `MAX_REPLAY_SPAN_NS` of virtual time); counts the records that pass the disk's `capacitySectors` (the replay
 * folds them in). Only the trace's end is changed: a trace within the span replays exactly as without it.
 */
export class ReplayBound implements TraceReader {
  /** Line (record) at which the trace was cut, or -1. */
  cutAtLine = -1;
  /** How far after the earliest IO the cut record was recorded (ns). */
  cutAfterNs = 0;
  folded = 0;
  private earliestNs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly inner: TraceReader,
    private readonly spanNs: number,
    private readonly capacitySectors: number,
  ) {}

  get format(): TraceFormat {
    return this.inner.format;
  }
  get name(): string {
    return this.inner.name;
  }
  get skipped(): number {
    return this.inner.skipped;
  }
  get firstSkipped(): string | null {
    return this.inner.firstSkipped;
  }
  get failed(): number | undefined {
    return this.inner.failed;
  }
  get ignored(): number {
    return this.inner.ignored;
  }
  get backToBack(): boolean | undefined {
    return this.inner.backToBack;
  }
  get advice(): TraceAdvice | undefined {
    return this.inner.advice;
  }
  noIoNote(): string {
    return this.inner.noIoNote();
  }
  close(): void {
    this.inner.close();
  }

  next(rec: TraceRecord): boolean {
    if (this.cutAtLine >= 0 || !this.inner.next(rec)) return false;
    // Exactly -1 is "no clock" (record.ts); a back-to-back log (fio) counts its times from 0, as the replay does.
    if (rec.issueNs !== -1) {
      if (this.inner.backToBack) this.earliestNs = 0;
      else if (rec.issueNs < this.earliestNs) this.earliestNs = rec.issueNs;
      if (rec.issueNs - this.earliestNs > this.spanNs) {
        this.cutAtLine = rec.line;
        this.cutAfterNs = rec.issueNs - this.earliestNs;
        this.inner.close();
        return false;
      }
    }
    if (rec.lba + rec.sectors > this.capacitySectors) this.folded++;
    return true;
  }
}

/**
 * What the trace read from the file shows of latency and outstanding IOs: only the IOs with a recorded response time
 * have them (a fio log or a .vscsi v1 file records none; a blkparse IO without its completion, or failed, has none).
 */
function recordedWhat(ios: number, timedIos: number, backToBack: boolean): string {
  // A version 2 fio log records pauses, not issue times: no interarrival either (`characterizeTrace`).
  if (backToBack) return "no response or issue times recorded: no latency, OIO or interarrival";
  if (timedIos === ios) return "latency and OIO as recorded";
  if (timedIos === 0) return "no response times recorded: no latency or OIO";
  return `latency and OIO of the ${plural(timedIos, "IO")} with a recorded response time`;
}

const DAY_NS = 86_400e9;
const days = (ns: number) => `${(ns / DAY_NS).toFixed(1)} days`;

/** The trace's name in labels: the user's file by its base name, or the shipped trace; `first` IOs of it, if cut. */
function traceName(c: VscsiCharacterizeConfig, first: number | null): string {
  const name = c.traceFile === "" ? "shipped generated VM trace" : `trace ${basename(c.traceFile)}`;
  return first === null
    ? c.traceFile === ""
      ? name
      : `your ${name}`
    : `first ${first} IOs of ${c.traceFile === "" ? "the" : "your"} ${name}`;
}

/** The file's size for the progress (0 if it cannot be told: opening it says why). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** `f()`; on an error, `pass`'s file closed (the reader's `close` leaves it open for `HashedPass.finish`). */
function whileHashing<T>(pass: HashedPass | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    pass?.close();
    throw e;
  }
}

/**
 * The trace (the shipped one, vmlab's generated VM trace, data/traces/SOURCE.md, or the user's `traceFile`): read
 * straight from the file (no model: latency and outstanding IOs as recorded, where the format records them), and
 * replayed through the storage model. Both stream the file (constant memory, however long the trace); `progress`
 * gets the share of the two passes done, by bytes read. A user's trace is hashed by both passes, each to the end of
 * the file: if they read different bytes (the file changed during the run), the run fails (`VMLAB_TRACE_CHANGED`).
 */
export function traceWorkloads(
  c: VscsiCharacterizeConfig,
  rng: Rng,
  capacitySectors: number,
  progress: (done: number) => void = () => {},
): { workloads: Characterized[]; info: TraceRunInfo } {
  const shipped = c.traceFile === "";
  const path = shipped ? shippedTracePath() : c.traceFile;
  const total = 2 * Math.max(1, shipped ? 0 : sizeOf(path));
  let read = 0;
  const onRead = shipped
    ? undefined
    : (n: number) => {
        read += n;
        progress(Math.min(1, read / total));
      };
  // The readers' errors and notes advise in this scenario's keys (SCENARIO_TRACE_ADVICE), not vmlab vscsistats's flags.
  // Each pass over a user's trace hashes what it reads, to the end of the file: the sha256 recorded is of the bytes
  // both passes read, or the run is refused (the file changed between or during them).
  const open = (hashedPass: HashedPass | undefined) =>
    openTraceFile(path, {
      format: shipped ? "vscsi" : c.traceFormat === "auto" ? undefined : c.traceFormat,
      skipBad: !shipped && c.traceSkipBad,
      onRead,
      hashedPass,
      advice: SCENARIO_TRACE_ADVICE,
    });
  const fromFile = new VscsiStats();
  const first = shipped ? undefined : new HashedPass(onRead);
  const reader = whileHashing(first, () => open(first));
  const summary = whileHashing(first, () =>
    characterizeTrace(reader, fromFile, { maxIos: c.traceMaxIos, reorderWindow: c.traceReorderWindow }),
  );
  const firstDigest = first?.finish() ?? null;
  // The replay's half of the progress starts here (the characterization read the file to its end).
  read = firstDigest?.bytes ?? 0;
  const mode: ReplayMode = c.traceReplay === "timed" ? { kind: "timed", speed: c.traceSpeed } : { kind: "closed", depth: c.traceDepth };
  const second = shipped ? undefined : new HashedPass(onRead);
  // A closed loop has no recorded times to outrun the clock with (the run loop's limit bounds it).
  const bound = whileHashing(
    second,
    () =>
      new ReplayBound(open(second), mode.kind === "timed" ? MAX_REPLAY_SPAN_NS * mode.speed : Number.POSITIVE_INFINITY, capacitySectors),
  );
  const replay = new TraceReplayWorkload(bound, mode, { maxIos: c.traceMaxIos, reorderWindow: c.traceReorderWindow }, "trace-replay");
  const { stoppedAtClockLimit, ...replayed } = whileHashing(second, () => runWorkload(c, replay, rng, Number.POSITIVE_INFINITY));
  const digest = second?.finish() ?? null;
  if (firstDigest !== null && digest !== null && (firstDigest.bytes !== digest.bytes || firstDigest.sha256 !== digest.sha256))
    throw StorageErrors.traceChanged(path, firstDigest, digest);
  // What ran: the first traceMaxIos IOs when the cut is shorter than the trace, and the replay's speed-up.
  const trace = traceName(c, c.traceMaxIos > 0 && fromFile.ios === c.traceMaxIos ? c.traceMaxIos : null);
  const how =
    c.traceReplay === "closed"
      ? `closed loop at depth ${c.traceDepth}`
      : c.traceSpeed === 1
        ? "as recorded"
        : `at ${c.traceSpeed}× the recorded speed`;
  const unit = reader.format === "vscsi" ? "record" : "line";
  const cut =
    bound.cutAtLine >= 0
      ? `the timed replay stopped before ${unit} ${bound.cutAtLine}, recorded ${days(bound.cutAfterNs)} after the trace's first IO: at traceSpeed ${c.traceSpeed} that is past the ${days(MAX_REPLAY_SPAN_NS)} of virtual time a replay may span (the kernel's clock ends at 2^53 ns, ~104 days); a higher traceSpeed, or traceReplay=closed, replays the rest`
      : stoppedAtClockLimit
        ? `the replay was stopped at ${days(REPLAY_CLOCK_LIMIT_NS)} of virtual time, near the end of the kernel's clock (2^53 ns, ~104 days), before the end of the trace; traceMaxIos replays less of it`
        : null;
  const info: TraceRunInfo = {
    user: digest === null ? null : { path, absolutePath: resolve(path), format: reader.format, ...digest },
    ios: summary.ios,
    untimedIos: summary.ios - summary.timedIos,
    failedIos: summary.failedIos,
    skipped: summary.skipped,
    firstSkipped: summary.firstSkipped,
    ignored: summary.ignored,
    noIoNote: summary.ios === 0 && summary.ignored > 0 ? reader.noIoNote() : null,
    reorderWindow: summary.reorderWindow,
    reordered: summary.reordered,
    late: summary.late,
    firstOutOfOrder: summary.firstOutOfOrder,
    firstLate: summary.firstLate,
    foldedIos: bound.folded,
    cut,
  };
  return {
    workloads: [
      {
        id: "trace-file",
        label: `${trace}, read from the file (${recordedWhat(summary.ios, summary.timedIos, reader.backToBack === true)})`,
        stats: fromFile,
        iops: Number.NaN,
        seconds: Number.NaN,
        guestQueueWaits: Number.NaN,
      },
      { id: "trace-replay", label: `${trace}, replayed ${how} on the ${c.storage} storage model`, ...replayed },
    ],
    info,
  };
}
