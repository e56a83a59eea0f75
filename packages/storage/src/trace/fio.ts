import { StorageErrors } from "../errors.js";
import { inexactTimeProblem } from "./exact-time.js";
import { type FioWaitReading, setExtentFromBytes, type TraceReaderOptions, type TraceRecord } from "./record.js";
import type { ByteSource } from "./source.js";
import { extentIsExact, LineProblem, TextTraceReader } from "./text-reader.js";

const SPACE = 32;
const TAB = 9;
const HEADER = "fio version 2 iolog";

/** Actions fio writes that carry no data for vscsiStats. */
const NON_DATA_ACTIONS = new Set(["add", "open", "close", "sync", "datasync", "sync_file_range", "trim"]);

/**
 * fio's iolog version 2 (`write_iolog=`; replayed with `read_iolog=`): a first
 * line `fio version 2 iolog`, then `<file> <action> [<offset> <length>]` per
 * line; actions read, write, trim, sync, datasync, sync_file_range, wait, and
 * the file actions add, open, close. The format has no clock: fio replays it
 * back to back, pausing only at `wait` lines, so an IO's issue time is the
 * earliest time its waits let it go. fio's replay (iolog.c `read_iolog_get`,
 * the `DDIR_WAIT` branch, unchanged from fio 1.35 to 3.42) takes a wait's
 * offset field as a time in ms since the run began and sleeps until it
 * (`(ipo->delay - mtime_since_genesis()) * 1000` µs), not at all once it has
 * passed; its HOWTO says µs relative to the previous wait, with values below
 * 100 discarded (the noise floor of `iolog_delay`, which times version 3 and
 * blktrace replays, not waits, and was dropped in fio 2.1.11). `fioWait`
 * picks the reading: "fio" (default) as fio runs the log, "howto" each wait
 * adding n µs. There are no response times. One log is one file's IOs: a read or write of
 * another file than the first IO's is a bad line (a log of a job over several
 * files, e.g. `filename=/dev/sda:/dev/sdb`, merged their streams: seek distances
 * from one disk to the other).
 */
export class FioReader extends TextTraceReader {
  readonly format = "fio" as const;
  /** fio replays a log back to back, pausing at `wait` lines. */
  readonly backToBack = true;
  private clockNs = 0;
  /** A wait's number: ms since the start of the replay ("fio"), or µs added to the clock ("howto"). */
  private readonly waitIsAbsoluteMs: boolean;
  /** The file name of the log's first read or write (null before it). */
  private file: Uint8Array | null = null;

  constructor(source: ByteSource, options: TraceReaderOptions) {
    super(source, options);
    const reading: FioWaitReading = options.fioWait ?? "fio";
    this.waitIsAbsoluteMs = reading === "fio";
  }

  protected parseLine(rec: TraceRecord): boolean {
    if (this.lineNo === 1) {
      const text = new TextDecoder().decode(this.buf.subarray(this.lineStart, this.lineEnd)).trim();
      if (text !== HEADER) {
        const hint = text.startsWith("fio version") ? `"${text}" is not supported (only version 2)` : `first line is not "${HEADER}"`;
        throw StorageErrors.traceBadHeader(this.name, `not a fio version 2 iolog: ${hint}`, this.advice);
      }
      this.ignored++;
      return false;
    }
    this.skipBlanks();
    if (this.atEnd()) {
      this.ignored++;
      return false;
    }
    const fileStart = this.pos;
    this.skipToken(); // file name
    const fileEnd = this.pos;
    this.skipBlanks();
    const actionStart = this.pos;
    this.skipToken();
    const action = this.textOf(actionStart, this.pos);
    if (action === "") throw new LineProblem("missing action");
    const isRead = action === "read";
    if (!isRead && action !== "write") {
      if (action === "wait") {
        const absolute = this.waitIsAbsoluteMs;
        const waitNs = this.uintToken(absolute ? "wait time (ms)" : "wait time (µs)") * (absolute ? 1e6 : 1000);
        // fio reads a length field on every line; a wait's is optional and ignored, anything after it is an error.
        this.skipBlanks();
        if (!this.atEnd()) this.uintToken("length");
        this.skipBlanks();
        if (!this.atEnd()) throw new LineProblem("extra fields after the wait's length");
        // Past 2^53 ns a double rounds the clock, and with it every later IO's issue time.
        if (absolute) {
          if (waitNs > Number.MAX_SAFE_INTEGER) throw new LineProblem(inexactTimeProblem("the wait's time"));
          // fio sleeps only if the time is still ahead: a wait for a time already passed lets the next IO go at once.
          if (waitNs > this.clockNs) this.clockNs = waitNs;
        } else {
          if (this.clockNs + waitNs > Number.MAX_SAFE_INTEGER) throw new LineProblem(inexactTimeProblem("the waits", { addsUp: true }));
          this.clockNs += waitNs;
        }
        this.ignored++;
        return false;
      }
      if (NON_DATA_ACTIONS.has(action)) {
        this.ignored++;
        return false;
      }
      throw new LineProblem(`unknown action "${action}" (expected read, write, trim, sync, datasync, wait, add, open or close)`);
    }
    const offset = this.uintToken("offset");
    const length = this.uintToken("length");
    this.skipBlanks();
    if (!this.atEnd()) throw new LineProblem("extra fields after the length");
    if (length === 0) throw new LineProblem("zero length");
    if (offset + length > Number.MAX_SAFE_INTEGER && !extentIsExact(offset, length))
      throw new LineProblem("offset + length is over 2^53 bytes and not whole sectors below 2^62");
    this.checkFile(fileStart, fileEnd);
    rec.issueNs = this.clockNs;
    rec.isRead = isRead;
    setExtentFromBytes(rec, offset, length);
    rec.responseNs = -1;
    rec.line = this.lineNo;
    return true;
  }

  /** The version line was checked (a file without it is refused): a log of it and lines without a read or write is a fio log with no IO. */
  noIoNote(): string {
    const others = this.ignored - 1;
    if (others === 0) return "the log has its version line and no other line";
    return `the log has its version line and ${others === 1 ? "1 other line, not" : `${others} other lines, none`} a read or write`;
  }

  /** An empty file has no header line either: it is not a fio iolog (fio refuses it too). */
  protected override finish(_rec: TraceRecord): boolean {
    if (this.lineNo === 0) throw StorageErrors.traceEmpty(this.name);
    return false;
  }

  /** The IO's file (bytes [start, end) of the line) must be the first IO's; the first one sets it. */
  private checkFile(start: number, end: number): void {
    const file = this.file;
    if (file === null) this.file = this.buf.slice(start, end);
    else if (!this.bytesAre(start, end, file))
      throw new LineProblem(
        `an IO on file ${this.textOf(start, end)}, but the log's IOs so far are on ${new TextDecoder().decode(file)}: a trace is one disk's IOs (keep one file's lines)`,
      );
  }

  private skipToken(): void {
    const buf = this.buf;
    let i = this.pos;
    while (i < this.lineEnd && buf[i] !== SPACE && buf[i] !== TAB) i++;
    this.pos = i;
  }
}
