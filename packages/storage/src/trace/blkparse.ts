import { StorageErrors } from "../errors.js";
import { SECTOR_BYTES } from "../io.js";
import { BlkparseFieldReader, deviceName, NINE, OPEN_BRACKET, OPEN_PAREN, PLUS, READ, ZERO, ZONE_APPEND } from "./blkparse-fields.js";
import type { TraceReaderOptions, TraceRecord } from "./record.js";
import type { ByteSource } from "./source.js";
import { LineProblem } from "./text-reader.js";
import { WaitingDispatches } from "./waiting-dispatches.js";

/** Actions. */
const DISPATCH = 68; // D
const COMPLETE = 67; // C
const REQUEUE = 82; // R
const QUEUE = 81; // Q
/** `pResponseNs` of a dispatch still waiting for its completion, and of one the driver requeued (its next D stands for it). */
export const WAITING = -1;
const REQUEUED = -2;
/** `pResponseNs` of a dispatch whose completion reported an error: it leaves with no response time, counted in `failed`. */
const FAILED = -3;
/** IOs dispatched and waiting for their completion line; an IO older than this window is emitted without a response time. */
export const WINDOW = 4096;

/**
 * blkparse's default text output (`blkparse -i trace`):
 * `dev cpu seq seconds.nanoseconds pid action RWBS sector + blocks [process]`.
 * An IO is its `D` (issued to the driver) event; its response time is the
 * time to the matching `C` (complete) event: the same device, sector and
 * direction (a read and a write of one sector in flight together each get their own).
 * Records come out in `D` order; a bounded window holds dispatched IOs until
 * their completion (or until the window overflows: then the oldest is emitted
 * without a response time). A requeue (`R`) cancels the dispatch it names:
 * the IO is its next `D`. Other actions (Q, G, I, M, P, U, m, ...), flushes,
 * discards, dispatches that move no data (`[process]` with no sector, e.g. an empty
 * barrier `WBS`), zero-length completions (`sector [error]`), SCSI pass-through
 * commands (`bytes (cdb)`, `(cdb) [error]`), a zoned device's zone management
 * (`ZR`, `ZRA`, `ZF`, `ZO`, `ZC`) and the summary at the end are ignored. A zone
 * append (`ZA`) is a write; its completion names the sector the device wrote, not
 * the zone start its D named, so it answers no dispatch: a ZA has no response time.
 * A completion with an error (`C W 1234 + 8 [-5]`: blkparse_fmt.c prints the
 * error in brackets, 0 for success) ends its IO without a response time (how
 * long a device took to fail is no service time) and counts in `failed`.
 */
export class BlkparseReader extends BlkparseFieldReader {
  readonly format = "blkparse" as const;
  private readonly pIssueNs = new Float64Array(WINDOW);
  protected readonly pLba = new Float64Array(WINDOW);
  private readonly pSectors = new Float64Array(WINDOW);
  protected readonly pResponseNs = new Float64Array(WINDOW);
  private readonly pLine = new Float64Array(WINDOW);
  protected readonly pRead = new Uint8Array(WINDOW);
  /** The dispatch is a zone append: it waits under its own key (`waitingKey`), which no C or R of another IO names. */
  private readonly pZoneAppend = new Uint8Array(WINDOW);
  protected head = 0;
  protected count = 0;
  /**
   * The window's dispatches still waiting for their completion, by sector: writes (zone appends among them) at 0,
   * reads at 1 (`pRead`). A C or R answers a dispatch of its own direction: by sector alone, a write's completion
   * went to a read of the same sector dispatched before it, the two IOs swapping response times.
   */
  private readonly waiting = [new WaitingDispatches(WINDOW), new WaitingDispatches(WINDOW)] as const;
  /** The device of the trace's first IO event (major * 2^20 + minor); -1 before it. */
  private traceDevice = -1;
  /** Q and D events seen (of any kind): a trace with the first and none of the second has no IO vmlab can take. */
  private queued = 0;
  private dispatched = 0;
  /**
   * The line of the last D or C event counted (in `dispatched`, `completed`), and its action: if the line turns out
   * bad, it is no event (`lineRefused`) — a skipped bad D line made a trace of Q and C events pass as one with dispatches.
   */
  private countedLine = 0;
  private countedAction = 0;
  /** Lines that start with a device "major,minor": blkparse's event lines (the rest are its summary, or another format's). */
  private eventLines = 0;
  /** IOs emitted whose completion reported an error (`[-5]`): no response time. */
  failed = 0;
  /** C events (of any kind): a trace with Q events and neither D nor C was filtered to queue events. */
  private completed = 0;
  /** Data dispatches a requeue (R) gave back to the queue, left without a record (their next D is the IO). */
  private requeuedDropped = 0;

  constructor(source: ByteSource, options: TraceReaderOptions) {
    super(source, options);
  }

  protected override ready(rec: TraceRecord): boolean {
    this.dropRequeuedHead();
    if (this.count > 0 && (this.pResponseNs[this.head] >= 0 || this.pResponseNs[this.head] === FAILED)) {
      this.emitHead(rec);
      return true;
    }
    return false;
  }

  protected override finish(rec: TraceRecord): boolean {
    // An empty file is no trace (blkparse prints at least its summary): refused, as the vscsi and fio readers refuse one.
    if (this.lineNo === 0) throw StorageErrors.traceEmpty(this.name);
    // Not 0 IOs and 16 empty histograms: a device-mapper or md device is bio-based, its trace has Q and C events only.
    if (this.dispatched === 0 && this.queued > 0)
      throw this.completed > 0
        ? StorageErrors.traceNoDispatches(this.name, this.queued)
        : StorageErrors.traceQueueEventsOnly(this.name, this.queued);
    this.dropRequeuedHead();
    if (this.count === 0) return false;
    this.emitHead(rec);
    return true;
  }

  /**
   * Called with 0 IOs read. Data dispatches all requeued and never dispatched again: says so (they move data).
   * Event lines and none an IO (flushes, discards, queue events, ...): a blkparse trace without data IO. No event line
   * at all: its summary alone, or another format's file (a fio iolog is all "summary" to this reader).
   */
  noIoNote(): string {
    // With no IO read, every requeued data dispatch was never dispatched again: a data IO, but none completed here.
    const r = this.requeuedDropped;
    if (r > 0)
      return r === 1
        ? "its one data dispatch (D) was requeued (R) and never dispatched again"
        : `its ${r} data dispatches (D) were requeued (R) and never dispatched again`;
    const n = this.eventLines;
    if (n > 0)
      return n === 1
        ? "its one event line is not a read or write that moves data"
        : `none of its ${n} event lines is a read or write that moves data`;
    const read = this.ignored === 1 ? "the one line read was not" : `none of the ${this.ignored} lines read was`;
    return `${read} an IO ${this.advice.readAs(this.format)} (another format? check ${this.advice.format})`;
  }

  /**
   * An IO's lines are its D and C events, handed on as a record later (with its completion, or at the end): one of
   * them read whole sets the trace's device.
   */
  protected override ioLineBefore(): boolean {
    return this.traceDevice >= 0;
  }

  /** A bad D or C line is no dispatch or completion: the count its event line added is taken back. */
  protected override lineRefused(): void {
    if (this.countedLine !== this.lineNo) return;
    if (this.countedAction === DISPATCH) this.dispatched--;
    else if (this.countedAction === COMPLETE) this.completed--;
    this.countedLine = 0;
  }

  /** Requeued dispatches at the head of the window leave without a record. */
  private dropRequeuedHead(): void {
    while (this.count > 0 && this.pResponseNs[this.head] === REQUEUED) {
      this.head = (this.head + 1) & (WINDOW - 1);
      this.count--;
      this.requeuedDropped++;
    }
  }

  protected parseLine(rec: TraceRecord): boolean {
    this.skipBlanks();
    // Event lines start with the device "major,minor"; anything else (blank, summary) carries no IO.
    if (!this.deviceToken()) {
      // No line of blkparse's output but an event line starts with a digit: one that does is not blkparse's (an MSR
      // CSV read with --format blkparse was 0 IOs, 16 empty histograms and exit 0).
      const c = this.atEnd() ? 0 : this.buf[this.pos];
      if (c >= ZERO && c <= NINE)
        throw new LineProblem(
          `a number where blkparse's device "major,minor" goes (another format's line? check ${this.advice.format})`,
          true,
        );
      this.ignored++;
      return false;
    }
    this.eventLines++;
    this.skipToken("CPU");
    this.skipToken("sequence number");
    this.timeToken();
    this.skipToken("PID");
    const action = this.singleCharToken("action");
    if (action !== DISPATCH && action !== COMPLETE && action !== REQUEUE) {
      if (action === QUEUE) this.queued++;
      this.ignored++;
      return false;
    }
    if (action === DISPATCH) this.dispatched++;
    else if (action === COMPLETE) this.completed++;
    this.countedLine = this.lineNo;
    this.countedAction = action;
    const rw = this.rwbsToken();
    if (rw === 0) {
      this.ignored++;
      return false;
    }
    this.skipBlanks();
    // Never a byte past the line's end: it is left over from an earlier read, so the outcome would depend on the chunking.
    const c = this.atEnd() ? 0 : this.buf[this.pos];
    if ((this.flush && (this.atEnd() || c < ZERO || c > NINE)) || c === OPEN_PAREN || (c === OPEN_BRACKET && action === DISPATCH)) {
      // A pure flush (e.g. "FWS [jbd2]") carries no sector and no data; "(cdb) [error]" completes a
      // SCSI pass-through command (blkparse's format for BLK_TC_PC events), not a block IO; "[process]"
      // right after RWBS is how blkparse prints a dispatch that moves no data (it drops "sector + blocks"),
      // e.g. the empty barriers of older kernels ("D WBS [jbd2]", no F flag) or a zone reset; a C or R
      // event always has its sector.
      this.ignored++;
      return false;
    }
    if (this.atEnd()) throw new LineProblem(`missing sector after RWBS on a ${String.fromCharCode(action)} event`);
    const sector = this.uintToken("sector");
    this.skipBlanks();
    const after = this.atEnd() ? 0 : this.buf[this.pos];
    if (after === OPEN_BRACKET || after === OPEN_PAREN) {
      // "sector [error]": a completion that moved no data (blkparse drops "+ blocks" when there are
      // none, e.g. "C FWS 0 [0]"); "bytes (cdb)": a SCSI pass-through dispatch.
      this.ignored++;
      return false;
    }
    if (after !== PLUS) throw new LineProblem('missing "+ blocks" after the sector');
    this.pos++;
    const blocks = this.uintToken("block count");
    if (blocks === 0) {
      this.ignored++;
      return false;
    }
    if (sector + blocks > Number.MAX_SAFE_INTEGER) throw new LineProblem("sector + block count is over 2^53");
    // One trace is one disk's IO stream (vscsiStats is per virtual disk; a replay drives one target): the IOs of
    // `blktrace -d sda -d sdb` were merged into one stream, seek distances measured from one disk to the other.
    if (this.traceDevice < 0) this.traceDevice = this.device;
    else if (this.device !== this.traceDevice)
      throw new LineProblem(
        `an IO on device ${deviceName(this.device)}, but the trace's IOs so far are on ${deviceName(this.traceDevice)}: a trace is one disk's IOs (parse one device's trace, e.g. blkparse -i sdb)`,
      );
    // The direction a C or R is matched on, and the D's (a zone append is a write).
    const read = rw === READ ? 1 : 0;
    if (action === COMPLETE) {
      // A zone append's C names the sector written, which no dispatch names: answering the oldest D of that sector
      // (a read of it, say) gave that IO the append's completion.
      if (rw === ZONE_APPEND) this.ignored++;
      else this.completeMatching(sector, read, this.completionFailed());
      return false;
    }
    if (action === REQUEUE) {
      this.requeueMatching(rw === ZONE_APPEND ? zoneAppendKey(sector) : sector, read);
      return false;
    }
    let emitted = false;
    if (this.count === WINDOW) {
      this.emitHead(rec);
      emitted = true;
    }
    const i = (this.head + this.count) & (WINDOW - 1);
    this.pIssueNs[i] = this.timeNs;
    this.pLba[i] = sector;
    this.pSectors[i] = blocks;
    this.pResponseNs[i] = WAITING;
    this.pZoneAppend[i] = rw === ZONE_APPEND ? 1 : 0;
    this.pRead[i] = read;
    this.indexWaiting(this.waitingKey(i), this.pRead[i], i);
    this.pLine[i] = this.lineNo;
    this.count++;
    return emitted;
  }

  private emitHead(rec: TraceRecord): void {
    const i = this.head;
    // A dispatch leaving the window unanswered (window full, or the trace's end) waits no more: the oldest of its sector.
    if (this.pResponseNs[i] === WAITING) this.waiting[this.pRead[i]].takeOldest(this.waitingKey(i));
    rec.issueNs = this.pIssueNs[i];
    rec.lba = this.pLba[i];
    rec.sectors = this.pSectors[i];
    rec.bytes = this.pSectors[i] * SECTOR_BYTES;
    rec.isRead = this.pRead[i] === 1;
    const response = this.pResponseNs[i];
    if (response === FAILED) this.failed++;
    rec.responseNs = response === FAILED ? -1 : response;
    rec.line = this.pLine[i];
    this.head = (i + 1) & (WINDOW - 1);
    this.count--;
  }

  /** The key slot `slot`'s dispatch waits under: its sector, or for a zone append `zoneAppendKey(sector)`. */
  protected waitingKey(slot: number): number {
    return this.pZoneAppend[slot] === 1 ? zoneAppendKey(this.pLba[slot]) : this.pLba[slot];
  }

  /** Slot `slot` holds a new dispatch waiting for its completion, under `key` (`waitingKey`), a read (1) or not (0). */
  protected indexWaiting(key: number, read: number, slot: number): void {
    this.waiting[read].add(key, slot);
  }

  /**
   * The oldest unanswered dispatch waiting under `key` (a sector, or `zoneAppendKey`; its window slot) that is a read
   * (`read` 1) or not (0), which a C or R of that direction answers; -1 if none. The trace's device need not be matched: every dispatch in the window, and every C or R that
   * gets here, is on it (an IO line on another device is refused before).
   */
  protected takeWaiting(key: number, read: number): number {
    return this.waiting[read].takeOldest(key);
  }

  /**
   * Marks the oldest unanswered dispatch of `sector` in the completion's direction (`read` 1 or 0) complete, or failed
   * if its completion reported an error.
   */
  private completeMatching(sector: number, read: number, failed: boolean): void {
    const i = this.takeWaiting(sector, read);
    // Else a completion for an IO dispatched before the trace began.
    if (i < 0) this.ignored++;
    else this.pResponseNs[i] = failed ? FAILED : Math.max(this.timeNs - this.pIssueNs[i], 0);
  }

  /** The driver gave the dispatch waiting under `key` back to the queue: it will be dispatched again, and that `D` is the IO. */
  private requeueMatching(key: number, read: number): void {
    const i = this.takeWaiting(key, read);
    if (i >= 0) this.pResponseNs[i] = REQUEUED;
    this.ignored++;
  }
}

/**
 * The key a zone append to `sector` waits under: negative, so the C or R of another IO of that sector (a read of the
 * zone's start) never answers it; only an R of the append itself (`R ZA`, which names the D's sector) does.
 */
function zoneAppendKey(sector: number): number {
  return -1 - sector;
}
