import { StorageErrors } from "../errors.js";
import { inexactTimeProblem } from "./exact-time.js";
import { type FioWaitReading, setExtentFromBytes, type TraceReaderOptions, type TraceRecord } from "./record.js";
import type { ByteSource } from "./source.js";
import { extentIsExact, LineProblem, TextTraceReader } from "./text-reader.js";

const SPACE = 32;
const TAB = 9;
/** The version lines fio writes (iolog.c `iolog_ver2`, `iolog_ver3`), and reads. */
const HEADERS: ReadonlyMap<string, 2 | 3> = new Map([
  ["fio version 2 iolog", 2],
  ["fio version 3 iolog", 3],
]);

/** File actions: `<file> <action>`, no offset or length (fio's `file_act`: 2 fields in version 2, 3 in version 3). */
const FILE_ACTIONS = new Set(["add", "open", "close"]);
/** IO actions fio writes that carry no data for vscsiStats; each has its offset and length, as reads and writes do. */
const NON_DATA_IO_ACTIONS = new Set(["sync", "datasync", "sync_file_range", "trim"]);

/**
 * fio's iolog (`write_iolog=`; replayed with `read_iolog=`), version 2 or 3 as its first line says.
 *
 * **Version 2** (`fio version 2 iolog`, written by fio before 3.31): `<file> <action> [<offset> <length>]`
 * per line; actions read, write, trim, sync, datasync, wait, and the file actions add, open, close. The format has
 * no clock: fio replays it back to back, pausing only at `wait` lines, so an IO's issue time is the earliest time
 * its waits let it go. fio's replay (iolog.c `read_iolog_get`, the `DDIR_WAIT` branch, unchanged from fio 1.35 to
 * 3.42) takes a wait's offset field as a time in ms since the run began and sleeps until it
 * (`(ipo->delay - mtime_since_genesis()) * 1000` µs), not at all once it has passed; its HOWTO says µs relative to
 * the previous wait, with values below 100 discarded (the noise floor of `iolog_delay`, which times version 3 and
 * blktrace replays, not waits, and was dropped in fio 2.1.11). `fioWait` picks the reading: "fio" (default) as fio
 * runs the log, "howto" each wait adding n µs.
 *
 * **Version 3** (`fio version 3 iolog`, what `write_iolog=` writes since fio 3.31, 2022): each line starts with
 * its time, µs since the log began (`utime_since_now(&td->io_log_start_time)` when the IO was queued), then as
 * version 2: a timestamped trace. fio replays it with each line's delay after the line before
 * (`delay_since_ttime`): none for the line after a time of 0 nor for a time earlier than the line before's, else
 * the difference; the issue time here is the sum of those delays, as fio issues them on a device that keeps up.
 * fio ignores a `wait` line of version 3 (with an error message); here it is a bad line.
 *
 * fio takes a line only with all its fields (`sscanf` counts: an IO action needs its offset and length, a file
 * action has neither); it logs "bad iolog" for any other line and skips it: here each is a bad line (`--skip-bad`
 * counts and skips it) — but for `sync_file_range`, which fio writes and does not read back: ignored, as the other
 * syncs are (a log fio wrote is no bad trace). There are no response times. One log is one file's IOs: a read or write of another file
 * than the first IO's is a bad line (a log of a job over several files, e.g. `filename=/dev/sda:/dev/sdb`, merged
 * their streams: seek distances from one disk to the other).
 */
export class FioReader extends TextTraceReader {
  readonly format = "fio" as const;
  /** The log's version, from its first line (0 before it is read). */
  private version: 0 | 2 | 3 = 0;
  private clockNs = 0;
  /** Version 3: the time of the line before, µs (fio's `io_log_last_ttime`). */
  private lastTimeUs = 0;
  /** Version 3: the current line's delay after the line before, ns, until the line is taken (`takeLineDelay`). */
  private lineDelayNs = 0;
  /** A wait's number: ms since the start of the replay ("fio"), or µs added to the clock ("howto"). */
  private readonly waitIsAbsoluteMs: boolean;
  /** The file name of the log's first read or write (null before it). */
  private file: Uint8Array | null = null;

  constructor(source: ByteSource, options: TraceReaderOptions) {
    super(source, options);
    const reading: FioWaitReading = options.fioWait ?? "fio";
    this.waitIsAbsoluteMs = reading === "fio";
  }

  /**
   * A version 2 log's IOs went back to back (it records only pauses); a version 3 log's have their times. Reads the
   * version line if it was not read yet (a caller asks before the first IO); a file that is not a fio iolog is
   * refused here, and closed.
   */
  get backToBack(): boolean {
    if (this.version === 0) {
      try {
        if (!this.nextLine()) throw StorageErrors.traceEmpty(this.name);
        this.readVersionLine();
      } catch (e) {
        this.close();
        throw e;
      }
    }
    return this.version === 2;
  }

  private readVersionLine(): void {
    const text = new TextDecoder().decode(this.buf.subarray(this.lineStart, this.lineEnd)).trim();
    const version = HEADERS.get(text);
    if (version === undefined) {
      // A fio log of another version (fio itself reads only 2 and 3 since it dropped version 1) is of the right format.
      if (text.startsWith("fio version"))
        throw StorageErrors.traceBadHeader(
          this.name,
          `a fio iolog of a version vmlab does not read: "${text}" (vmlab reads versions 2 and 3, as fio does)`,
          this.advice,
          false,
        );
      throw StorageErrors.traceBadHeader(
        this.name,
        'not a fio iolog: first line is not "fio version 2 iolog" or "fio version 3 iolog"',
        this.advice,
      );
    }
    this.version = version;
    this.ignored++;
  }

  protected parseLine(rec: TraceRecord): boolean {
    if (this.version === 0) {
      this.readVersionLine();
      return false;
    }
    this.skipBlanks();
    if (this.atEnd()) {
      this.ignored++;
      return false;
    }
    if (this.version === 3) this.advanceToLineTime();
    const fileStart = this.pos;
    this.skipToken(); // file name
    const fileEnd = this.pos;
    this.skipBlanks();
    const actionStart = this.pos;
    this.skipToken();
    const action = this.textOf(actionStart, this.pos);
    if (action === "") throw new LineProblem("missing action");
    if (FILE_ACTIONS.has(action)) {
      this.skipBlanks();
      if (!this.atEnd()) throw new LineProblem(`fields after the file action "${action}" (fio reads it with no offset or length)`);
      this.takeLineDelay();
      this.ignored++;
      return false;
    }
    const isRead = action === "read";
    const isWait = action === "wait";
    if (!isRead && action !== "write" && !isWait && !NON_DATA_IO_ACTIONS.has(action))
      throw new LineProblem(`unknown action "${action}" (expected read, write, trim, sync, datasync, wait, add, open or close)`);
    if (isWait && this.version === 3) throw new LineProblem("a wait line in a version 3 log (fio ignores it: version 3 times every line)");
    const offset = this.uintToken(isWait ? (this.waitIsAbsoluteMs ? "wait time (ms)" : "wait time (µs)") : "offset");
    const length = this.uintToken("length");
    this.skipBlanks();
    if (!this.atEnd()) throw new LineProblem("extra fields after the length");
    if (isWait) {
      this.wait(offset);
      return false;
    }
    if (!isRead && action !== "write") {
      // fio writes sync_file_range lines but does not read them back (a "bad iolog file action"): no delay of its own.
      if (action === "sync_file_range") this.lineDelayNs = 0;
      this.takeLineDelay();
      this.ignored++;
      return false;
    }
    if (length === 0) throw new LineProblem("zero length");
    if (offset + length > Number.MAX_SAFE_INTEGER && !extentIsExact(offset, length))
      throw new LineProblem("offset + length is over 2^53 bytes and not whole sectors below 2^62");
    this.checkFile(fileStart, fileEnd);
    this.takeLineDelay();
    rec.issueNs = this.clockNs;
    rec.isRead = isRead;
    setExtentFromBytes(rec, offset, length);
    rec.responseNs = -1;
    rec.line = this.lineNo;
    return true;
  }

  /** Version 2's `wait n`: the clock moves to n ms after the start ("fio"), or on by n µs ("howto"). */
  private wait(n: number): void {
    const absolute = this.waitIsAbsoluteMs;
    const waitNs = n * (absolute ? 1e6 : 1000);
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
  }

  /**
   * Version 3: reads the line's time (µs since the log began) and fio's delay for it (`delay_since_ttime`): none
   * after a line of time 0 (the first line's too) nor for a time earlier than the line before's, else the
   * difference. Every line's time is the next one's reference, as fio keeps `io_log_last_ttime` whatever the line;
   * the delay moves the clock only if the line is taken (`takeLineDelay`): fio hangs it on the line's queued piece,
   * and a line it skips (a wait, a bad line) queues none, its delay lost (`lineRefused`).
   */
  private advanceToLineTime(): void {
    const timeUs = this.uintToken("time (µs)");
    const last = this.lastTimeUs;
    this.lastTimeUs = timeUs;
    this.lineDelayNs = 0;
    if (last !== 0 && timeUs >= last) {
      const delayNs = (timeUs - last) * 1000;
      if (this.clockNs + delayNs > Number.MAX_SAFE_INTEGER) throw new LineProblem(inexactTimeProblem("the lines' times", { addsUp: true }));
      this.lineDelayNs = delayNs;
    }
    this.skipBlanks();
  }

  /** The line is taken: the clock moves on by its delay (version 3; 0 in version 2). */
  private takeLineDelay(): void {
    this.clockNs += this.lineDelayNs;
    this.lineDelayNs = 0;
  }

  /** A bad line (thrown, or skipped with skip-bad): its delay goes with it, as fio's does with a line it skips. */
  protected override lineRefused(): void {
    this.lineDelayNs = 0;
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
