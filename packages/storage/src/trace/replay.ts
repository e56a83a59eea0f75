import { StorageErrors, tracePlace } from "../errors.js";
import type { IoRequest } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { refuseUnknownOptions } from "../options-check.js";
import { WorkloadBase, type WorkloadContext } from "../workload/workload.js";
import { newTraceRecord, type TraceReader, type TraceRecord } from "./record.js";
import { checkReorderWindow, IssueOrderCounts, ReorderWindow } from "./reorder.js";

/**
 * How a trace is replayed:
 * - `timed`: as recorded — each IO is issued at its recorded time (relative to
 *   the trace's first IO) divided by `speed`, whatever the device does (open
 *   loop); IOs of a format without a clock, and of one that records only the
 *   pauses between back-to-back IOs (fio's `wait`), go back to back: each when
 *   the one before has completed, and not before its time;
 * - `closed`: as fast as possible — `depth` IOs kept outstanding, the next
 *   trace IO issued when one completes (timestamps ignored).
 * In both modes the IOs go in issue order (earliest recorded time first) as far as the reorder window puts them in
 * it (`TraceReplayOptions.reorderWindow`).
 *
 * Stopped and started again, a replay goes on where it stopped: timed, the trace's clock stands still while it is
 * stopped (the rest of the trace keeps its recorded spacing, later by the pause); closed, IOs still in flight from
 * before the stop hold their places among the `depth`.
 */
export type ReplayMode = { kind: "timed"; speed: number } | { kind: "closed"; depth: number };

/** Options of `TraceReplayWorkload`: how many IOs, what to do with addresses beyond the target, and the reorder window. */
export interface TraceReplayOptions {
  /** Stop after this many IOs (0 = the whole trace). */
  maxIos?: number;
  /**
   * Addresses beyond the target are folded into it (lba modulo the target's
   * capacity, then clamped so the IO fits) — the usual way to replay a trace
   * of a big volume on a smaller model — or rejected ("error").
   */
  outOfRange?: "wrap" | "error";
  /**
   * Records held back to replay the trace in issue order, as `characterizeTrace` does (`DEFAULT_REORDER_WINDOW`, at
   * most `MAX_REORDER_WINDOW`); 0 replays in the file's order. Real traces are a little out of order (MSR CSV, blkparse
   * interleaving its CPUs): in the file's order a timed replay issued an IO recorded before the one ahead of it in the
   * file late, after that one, and a closed loop in the file's order. Ignored for a back-to-back trace (fio: no issue
   * times to order by). `maxIos` counts records as they come in the file.
   */
  reorderWindow?: number;
}

/**
 * Replays a trace file (any `TraceReader`) as a workload. Reads the trace
 * lazily, through a reorder window of a fixed number of records, so memory
 * stays bounded however long the trace. A trace in which no record comes
 * after more than `reorderWindow` records issued later than it replays exactly
 * as the sorted trace would; a record out of order by more is issued where it
 * comes (timed: at once, later than recorded) and counted as `late`.
 */
export class TraceReplayWorkload extends WorkloadBase {
  /** True once the trace (or `maxIos`) is exhausted. */
  finished = false;
  /** Virtual time (ns) the last IO of the trace completed; -1 until then. */
  doneNs = -1;
  private readonly rec: TraceRecord = newTraceRecord();
  private havePending = false;
  /** Timed mode: when the trace's first IO was (or would have been) issued, later by every pause so far (ns). */
  private startNs = 0;
  /** When the replay was last stopped (ns); NaN while it runs or before its first start. */
  private stoppedAtNs = Number.NaN;
  /** Whether onStart ran before (the base's `started` is already true inside the first onStart). */
  private startedBefore = false;
  /**
   * Which start the pending issue event belongs to (its `num`): one scheduled before a stop() is stale after the
   * next start() (which schedules its own) and is ignored when it fires.
   */
  private epoch = 0;
  private kindIssue = 0;
  private readonly maxIos: number;
  private readonly wrap: boolean;
  private taken = 0;
  /** The reader's IOs went back to back (`TraceReader.backToBack`). */
  private readonly backToBack: boolean;
  /** Timed mode: the pending record goes back to back, after the IO in flight completes. */
  private waitingForCompletion = false;
  /**
   * Timed mode: the recorded time of the trace's first IO, which replays at the start. MSR and vscsi times already count
   * from it (0); blkparse's from blktrace's start, which may be long before it. A version 2 fio iolog's IOs keep their times
   * (its clock is the waits fio itself pauses for, a wait before the first IO included). NaN until the first timed record.
   */
  private firstIssueNs = Number.NaN;
  /** Records the reorder window holds back (0: the file's order; always 0 for a back-to-back trace). */
  readonly reorderWindow: number;
  /**
   * Line (record, in a binary trace) of the first IO issued earlier than an IO before it in the file; null when the
   * trace's issue times never go back (so far).
   */
  get firstOutOfOrder(): number | null {
    return this.order.firstOutOfOrder;
  }
  /** IOs out of issue order in the file that the reorder window put back in issue order. */
  get reordered(): number {
    return this.order.reordered;
  }
  /**
   * IOs recorded earlier than an IO already handed to the replay: out of order by more than the window (with a window
   * of 0, every IO recorded earlier than an IO before it). They go where they came: after a later-recorded IO (timed:
   * at once, later than recorded).
   */
  get late(): number {
    return this.order.late;
  }
  /** Line (record) of the first late IO, or null. */
  get firstLate(): number | null {
    return this.order.firstLate;
  }
  private readonly order: IssueOrderCounts;
  private readonly window: ReorderWindow | null;
  private readerDone = false;
  /** Latest issue time handed to the replay so far. */
  private latestOutNs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly reader: TraceReader,
    readonly mode: ReplayMode,
    options: TraceReplayOptions = {},
    name = "trace-replay",
  ) {
    super(name);
    // Values the types do not allow (from a config file) ran silently: another mode kind as timed, a
    // negative maxIos as the whole trace, an outOfRange other than "wrap" as "error".
    if (mode.kind !== "timed" && mode.kind !== "closed")
      throw StorageErrors.badConfig(
        "trace replay",
        `mode kind must be "timed" or "closed", got ${JSON.stringify((mode as { kind: unknown }).kind)}`,
      );
    refuseUnknownOptions("trace replay", options, ["maxIos", "outOfRange", "reorderWindow"]);
    if (options.maxIos !== undefined && !(Number.isInteger(options.maxIos) && options.maxIos >= 0))
      throw StorageErrors.badConfig("trace replay", `maxIos must be a whole number >= 0 (0 = the whole trace), got ${options.maxIos}`);
    if (options.outOfRange !== undefined && options.outOfRange !== "wrap" && options.outOfRange !== "error")
      throw StorageErrors.badConfig("trace replay", `outOfRange must be "wrap" or "error", got ${JSON.stringify(options.outOfRange)}`);
    if (mode.kind === "timed" && !(mode.speed > 0 && Number.isFinite(mode.speed)))
      throw StorageErrors.badConfig("trace replay", `speed must be a finite number > 0, got ${mode.speed}`);
    if (mode.kind === "closed" && !(Number.isInteger(mode.depth) && mode.depth >= 1))
      throw StorageErrors.badConfig("trace replay", `closed-loop depth must be an integer >= 1, got ${mode.depth}`);
    const requested = checkReorderWindow("trace replay", options.reorderWindow);
    this.maxIos = options.maxIos ?? 0;
    this.wrap = (options.outOfRange ?? "wrap") === "wrap";
    this.backToBack = reader.backToBack === true;
    this.reorderWindow = this.backToBack ? 0 : requested;
    this.window = this.reorderWindow > 0 ? new ReorderWindow(this.reorderWindow) : null;
    this.order = new IssueOrderCounts();
  }

  protected onStart(ctx: WorkloadContext): void {
    // Started again: the time the replay stood stopped is a pause, not trace time (restarted at once, the rest of the
    // trace was issued later by everything replayed so far; after a pause, later by that too).
    if (!this.startedBefore) this.startNs = ctx.sim.now;
    else if (!Number.isNaN(this.stoppedAtNs)) this.startNs += ctx.sim.now - this.stoppedAtNs;
    this.startedBefore = true;
    this.stoppedAtNs = Number.NaN;
    this.epoch++;
    this.kindIssue = sharedKind(ctx.sim, "storage.trace-replay.issue", onIssueEvent);
    if (this.mode.kind === "closed") {
      // IOs still in flight from before a stop() hold their places (their completions issue again): issuing `depth`
      // more kept twice the depth in flight.
      for (let i = this.outstanding; i < this.mode.depth; i++) if (!this.issueNext()) break;
    } else this.scheduleNext();
  }

  override stop(): void {
    if (!this.stopped && this.startedBefore) this.stoppedAtNs = (this.ctx as WorkloadContext).sim.now;
    super.stop();
  }

  protected onCompleted(_req: IoRequest, nowNs: number): void {
    if (this.mode.kind === "closed" && !this.stopped) this.issueNext();
    // Back to back: the next IO waited for this one.
    else if (this.waitingForCompletion && this.outstanding === 0) {
      this.waitingForCompletion = false;
      this.scheduleNext();
    }
    if (this.finished && this.outstanding === 0 && this.doneNs < 0) this.doneNs = nowNs;
  }

  /** Puts the next record, in issue order as far as the window allows, into `rec`; false at the end. */
  private pull(): boolean {
    if (this.havePending) return true;
    if (this.finished) return false;
    const window = this.window;
    if (window === null) {
      if (!this.read()) return this.finishTrace();
    } else {
      // Hold `reorderWindow` records besides the one handed out (as characterizeTrace does).
      while (window.size <= window.capacity && this.read()) window.push(this.rec);
      if (!window.pop(this.rec)) return this.finishTrace();
    }
    if (this.rec.issueNs > this.latestOutNs) this.latestOutNs = this.rec.issueNs;
    this.havePending = true;
    return true;
  }

  /** Reads the file's next record into `rec` and counts it if out of issue order; false at the end (or `maxIos`). */
  private read(): boolean {
    if (this.readerDone) return false;
    let more: boolean;
    try {
      more = !(this.maxIos > 0 && this.taken >= this.maxIos) && this.reader.next(this.rec);
    } catch (e) {
      // A bad line stops the replay (and the simulation): the reader would keep its file open, as at maxIos.
      this.closeReader();
      throw e;
    }
    if (!more) {
      // Stopped at maxIos, the reader would keep its file open (at the trace's end it has closed itself).
      this.closeReader();
      return false;
    }
    this.taken++;
    this.order.read(this.rec.issueNs, this.rec.line, this.latestOutNs);
    return true;
  }

  /** The replay reads no more of the file: its reader is done and its file closed (`close` is safe to repeat). */
  private closeReader(): void {
    this.readerDone = true;
    this.reader.close();
  }

  private finishTrace(): false {
    this.finished = true;
    return false;
  }

  /** @internal issues the pending record now (closed loop, or a timed record whose time has come). */
  issueNext(): boolean {
    if (this.stopped || !this.pull()) return false;
    this.havePending = false;
    const ctx = this.ctx as WorkloadContext;
    const cap = ctx.target.capacitySectors;
    const r = this.rec;
    let lba = r.lba;
    let sectors = r.sectors;
    if (lba + sectors > cap) {
      if (!this.wrap) {
        // The error stops the replay: its reader is done (and its file closed), as after a bad line.
        this.closeReader();
        throw StorageErrors.badConfig(
          "trace replay",
          `${placeOf(this.reader, r.line)}: IO [${lba}, +${sectors}) is beyond the target's ${cap} sectors; replay with outOfRange "wrap" to fold it in, or use a larger target`,
        );
      }
      if (sectors > cap) sectors = cap;
      lba = lba % cap;
      if (lba + sectors > cap) lba = cap - sectors;
    }
    this.issue(lba, sectors, r.isRead);
    return true;
  }

  /** @internal timed mode: issue what is due and schedule the next record. */
  scheduleNext(): void {
    if (this.stopped) return;
    const ctx = this.ctx as WorkloadContext;
    const speed = (this.mode as { speed: number }).speed;
    for (;;) {
      if (!this.pull()) return;
      // Exactly -1 is "no clock" (a negative time is real: an MSR record earlier than the first one).
      const noClock = this.rec.issueNs === -1;
      const backToBack = this.backToBack || noClock;
      // A back-to-back IO waits for the one before it (its completion calls this again).
      if (backToBack && this.outstanding > 0) {
        this.waitingForCompletion = true;
        return;
      }
      if (!noClock && Number.isNaN(this.firstIssueNs)) this.firstIssueNs = this.backToBack ? 0 : this.rec.issueNs;
      // Whole ns, as the simulation keeps time: an unrounded due time could never be reached.
      const due = noClock ? ctx.sim.now : Math.round(this.startNs + (this.rec.issueNs - this.firstIssueNs) / speed);
      if (due > ctx.sim.now) {
        ctx.sim.scheduleAt(due, this.kindIssue, this.epoch, this);
        return;
      }
      this.issueNext();
    }
  }

  /** @internal a timed issue event fired: stale (scheduled before a stop and a new start) or due. */
  issueEvent(epoch: number): void {
    if (epoch === this.epoch) this.scheduleNext();
  }
}

/** Record `line` of the trace as its reader names it in errors: "file:line", or "file: record n" in a binary .vscsi trace. */
function placeOf(reader: TraceReader, line: number): string {
  return tracePlace(reader.name, line, reader.format === "vscsi" ? "record" : "line");
}

function onIssueEvent(epoch: number, obj: unknown): void {
  (obj as TraceReplayWorkload).issueEvent(epoch);
}
