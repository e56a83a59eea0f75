import type { VmlabError } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { TraceReaderBase } from "./reader-base.js";
import type { TraceRecord } from "./record.js";

/** Read buffer size; a line longer than this is not a trace line. */
const CHUNK_BYTES = 1 << 18;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const NEWLINE = 10;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/** Text from a trace line made printable for a one-line message: control characters and undecodable bytes shown as "?". */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: binary garbage in a text trace is shown as "?"
  return text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, "?");
}

/**
 * True if the sectors of `bytes` bytes at byte `offset` (both exact) come out exact: the extent ends
 * below 2^53 bytes, or it is whole sectors ending below 2^62 (the sum is then a double too).
 */
export function extentIsExact(offset: number, bytes: number): boolean {
  return offset + bytes <= Number.MAX_SAFE_INTEGER || (offset % 512 === 0 && bytes % 512 === 0 && offset + bytes <= 2 ** 62);
}

/**
 * A bad line: thrown by a parser, turned into a `VmlabError` (or counted with `skipBad`). `suspectsFormat`: the issue
 * itself already asks whether the file is of another format, so the error does not ask again.
 */
export class LineProblem {
  constructor(
    readonly issue: string,
    readonly suspectsFormat = false,
  ) {}
}

/**
 * The streaming part every text format shares: fixed buffer, lines found
 * with a native byte search (no decoding to strings, no splitting of the
 * whole file), line numbers, skip-bad accounting. Subclasses parse a line in
 * place from `buf[lineStart, lineEnd)` with the field helpers below.
 */
export abstract class TextTraceReader extends TraceReaderBase {
  protected readonly buf = new Uint8Array(CHUNK_BYTES);
  protected lineStart = 0;
  protected lineEnd = 0;
  protected lineNo = 0;
  /** Cursor of the field helpers. */
  protected pos = 0;
  private start = 0;
  private end = 0;
  private eof = false;
  /** A line held an IO (`ioLineBefore`). */
  private ioLineRead = false;

  next(rec: TraceRecord): boolean {
    for (;;) {
      if (this.ready(rec)) return true;
      if (!this.nextLine()) return this.finish(rec);
      try {
        if (this.parseLine(rec)) {
          this.ioLineRead = true;
          return true;
        }
      } catch (e) {
        if (!(e instanceof LineProblem)) throw e;
        this.lineRefused();
        if (!this.countedAsSkipped()) this.skipOrThrow(this.malformedLine(e));
      }
    }
  }

  /**
   * The current line's error. Before any IO line, the file is more likely another format's than a trace with a bad
   * line: the advice asks that first (unless the problem already asks it).
   */
  private malformedLine(problem: LineProblem): VmlabError {
    const formatFirst = !this.ioLineBefore() && !problem.suspectsFormat;
    return StorageErrors.traceMalformedLine(
      this.name,
      this.lineNo,
      printable(problem.issue),
      this.lineText(),
      this.advice,
      formatFirst ? this.format : undefined,
    );
  }

  /** Whether a line before the current one was an IO of the format (one `parseLine` filled a record from). */
  protected ioLineBefore(): boolean {
    return this.ioLineRead;
  }

  /** Parses the current line; true if it filled `rec` (including `rec.line`) with an IO, false if the line holds none. Throws `LineProblem`. */
  protected abstract parseLine(rec: TraceRecord): boolean;

  /**
   * Called when the current line turned out bad (a `LineProblem`), before it is thrown or skipped: a reader undoes
   * what it counted of the line as it parsed it (blkparse's D and C events), so a bad line counts toward nothing.
   * Nothing on the good lines' path: only a bad line pays for it.
   */
  protected lineRefused(): void {}

  /** Called before each line: a reader that buffers IOs (blkparse) emits one here. */
  protected ready(_rec: TraceRecord): boolean {
    return false;
  }

  /** Called at the end of the input, until it returns false. */
  protected finish(_rec: TraceRecord): boolean {
    return false;
  }

  /** Moves to the next line (false at the end of the input); `next` calls it, and a reader that must see its first line early. */
  protected nextLine(): boolean {
    for (;;) {
      const nl = this.buf.indexOf(NEWLINE, this.start);
      if (nl !== -1 && nl < this.end) {
        this.setLine(this.start, nl);
        this.start = nl + 1;
        return true;
      }
      if (this.eof) {
        if (this.start < this.end) {
          this.setLine(this.start, this.end);
          this.start = this.end;
          return true;
        }
        this.source.close();
        return false;
      }
      this.refill();
    }
  }

  private setLine(start: number, end: number): void {
    if (end > start && this.buf[end - 1] === CR) end--;
    // A UTF-8 byte order mark (Windows editors and exporters write one) is not part of the first line.
    if (this.lineNo === 0 && end - start >= 3 && this.buf[start] === 0xef && this.buf[start + 1] === 0xbb && this.buf[start + 2] === 0xbf)
      start += 3;
    this.lineStart = start;
    this.lineEnd = end;
    this.pos = start;
    this.lineNo++;
  }

  private refill(): void {
    const rest = this.end - this.start;
    if (rest === this.buf.length) throw StorageErrors.traceLineTooLong(this.name, this.lineNo + 1, this.buf.length, this.advice);
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.start = 0;
      this.end = rest;
    }
    const n = this.source.read(this.buf, this.end, this.buf.length - this.end);
    if (n === 0) this.eof = true;
    else this.end += n;
  }

  /** The current line as text (for error messages only), shortened and made printable. */
  protected lineText(): string {
    const end = Math.min(this.lineEnd, this.lineStart + 80);
    const text = printable(new TextDecoder("utf-8", { fatal: false }).decode(this.buf.subarray(this.lineStart, end)));
    return this.lineEnd > end ? `${text}...` : text;
  }

  /** Bytes [start, end) of the buffer as text (a field, for a message or a word to compare). */
  protected textOf(start: number, end: number): string {
    return new TextDecoder().decode(this.buf.subarray(start, end));
  }

  /**
   * Whether bytes [start, end) of the buffer are `bytes`: a field of this line against one kept from an earlier
   * line (a trace's disk, named on every line), without decoding either.
   */
  protected bytesAre(start: number, end: number, bytes: Uint8Array): boolean {
    if (end - start !== bytes.length) return false;
    const buf = this.buf;
    for (let k = 0; k < bytes.length; k++) if (buf[start + k] !== bytes[k]) return false;
    return true;
  }

  // ---- field helpers (comma-separated formats) ----

  /** True if the cursor is at the end of the line. */
  protected atEnd(): boolean {
    return this.pos >= this.lineEnd;
  }

  /** Skips a comma-separated field; throws if the line ended first. */
  protected skipCsvField(what: string): void {
    const buf = this.buf;
    const end = this.lineEnd;
    let i = this.pos;
    if (i > end) throw new LineProblem(`missing field ${what}`);
    while (i < end && buf[i] !== COMMA) i++;
    this.pos = i + 1;
  }

  /** Parses a non-negative integer field ending at a comma or the line's end. */
  protected uintCsvField(what: string): number {
    const buf = this.buf;
    const end = this.lineEnd;
    let i = this.pos;
    if (i > end) throw new LineProblem(`missing field ${what}`);
    let v = 0;
    const first = i;
    while (i < end) {
      const c = buf[i];
      if (c === COMMA) break;
      if (c < ZERO || c > NINE) throw this.badNumber(what, i, first);
      v = v * 10 + (c - ZERO);
      i++;
    }
    if (i === first) throw new LineProblem(`missing field ${what}`);
    // Past 2^53 the sum above may be rounded: a number of 20 digits would become another one without a word.
    if (v > Number.MAX_SAFE_INTEGER) this.checkExact(what, first, i, v);
    this.pos = i + 1;
    return v;
  }

  // ---- field helpers (blank-separated formats: blkparse, fio) ----

  /** Skips spaces and tabs. */
  protected skipBlanks(): void {
    const buf = this.buf;
    let i = this.pos;
    while (i < this.lineEnd && (buf[i] === SPACE || buf[i] === TAB)) i++;
    this.pos = i;
  }

  /** Parses a non-negative integer token ending at a blank or the line's end. */
  protected uintToken(what: string): number {
    this.skipBlanks();
    const buf = this.buf;
    let i = this.pos;
    if (i >= this.lineEnd) throw new LineProblem(`missing ${what}`);
    if (buf[i] === MINUS) throw new LineProblem(`negative ${what}`);
    let v = 0;
    const first = i;
    while (i < this.lineEnd && buf[i] >= ZERO && buf[i] <= NINE) v = v * 10 + (buf[i++] - ZERO);
    if (i === first || (i < this.lineEnd && buf[i] !== SPACE && buf[i] !== TAB))
      throw new LineProblem(`${what} is not a non-negative integer`);
    if (v > Number.MAX_SAFE_INTEGER) this.checkExact(what, first, i, v);
    this.pos = i;
    return v;
  }

  /** A number past 2^53 is kept only if the double parsed from `buf[first, end)` is exactly it (e.g. a byte offset of whole sectors). */
  private checkExact(what: string, first: number, end: number, v: number): void {
    const digits = new TextDecoder().decode(this.buf.subarray(first, end));
    if (BigInt(digits) !== BigInt(v)) throw new LineProblem(`${what} is over 2^53 and would be rounded`);
  }

  private badNumber(what: string, i: number, first: number): LineProblem {
    if (i === first && this.buf[i] === MINUS) return new LineProblem(`negative ${what}`);
    return new LineProblem(`${what} is not a non-negative integer`);
  }
}
