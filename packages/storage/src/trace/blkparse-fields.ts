import { inexactTimeProblem } from "./exact-time.js";
import { LineProblem, TextTraceReader } from "./text-reader.js";

const SPACE = 32;
const TAB = 9;
export const ZERO = 48;
export const NINE = 57;
const COMMA = 44;
const DOT = 46;
export const PLUS = 43;
const MINUS = 45;
export const OPEN_PAREN = 40;
export const OPEN_BRACKET = 91;
const CLOSE_PAREN = 41;
/** RWBS kinds (`rwbsToken`): a read, a write, and a zone append (a write whose completion names the sector written). */
export const READ = 1;
const WRITE = 2;
export const ZONE_APPEND = 3;
/** RWBS letters (`rwbsToken`). */
const A = 65;
const C = 67;
const D = 68;
const F = 70;
const N = 78;
const O = 79;
const R = 82;
const W = 87;
const Z = 90;
/** The flags after an RWBS operation, in the order `fill_rwbs` prints them: FUA, read-ahead, barrier, sync, metadata. */
const RWBS_FLAGS = [F, A, 66 /* B */, 83 /* S */, 77 /* M */];
/** ns per unit of a fraction of a second with k digits: 10^(9−k). */
const NS_SCALE = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

/**
 * The fields of a line of blkparse's default text output, parsed in place (`dev cpu seq seconds.nanoseconds pid
 * action RWBS sector + blocks [process]`): what each token is and what a bad one says. What the events mean (which
 * is an IO, how a C answers its D) is `BlkparseReader`'s; this is the line format alone. A base class the reader
 * extends, not a parser object it calls: a line costs what it did when these were the reader's own methods (no
 * object per line, no extra indirection to the buffer and cursor).
 */
export abstract class BlkparseFieldReader extends TextTraceReader {
  /** The line's device (major * 2^20 + minor), from `deviceToken`. */
  protected device = 0;
  /** The line's time, ns, from `timeToken`. */
  protected timeNs = 0;
  /** The line's RWBS has F (a flush or FUA), from `rwbsToken`. */
  protected flush = false;

  /** "major,minor"; false if the line does not start with one. */
  protected deviceToken(): boolean {
    const buf = this.buf;
    let i = this.pos;
    let major = 0;
    const first = i;
    while (i < this.lineEnd && buf[i] >= ZERO && buf[i] <= NINE) major = major * 10 + (buf[i++] - ZERO);
    if (i === first || buf[i] !== COMMA) return false;
    i++;
    let minor = 0;
    const firstMinor = i;
    while (i < this.lineEnd && buf[i] >= ZERO && buf[i] <= NINE) minor = minor * 10 + (buf[i++] - ZERO);
    if (i === firstMinor) return false;
    this.device = major * 1048576 + minor;
    this.pos = i;
    return true;
  }

  protected skipToken(what: string): void {
    this.skipBlanks();
    const buf = this.buf;
    let i = this.pos;
    if (i >= this.lineEnd) throw new LineProblem(`missing field ${what}`);
    while (i < this.lineEnd && buf[i] !== SPACE && buf[i] !== TAB) i++;
    this.pos = i;
  }

  protected singleCharToken(what: string): number {
    this.skipBlanks();
    if (this.pos >= this.lineEnd) throw new LineProblem(`missing field ${what}`);
    const c = this.buf[this.pos];
    const start = this.pos;
    this.skipToken(what);
    return this.pos - start === 1 ? c : 0;
  }

  /** "seconds.nanoseconds" into ns. */
  protected timeToken(): void {
    this.skipBlanks();
    const buf = this.buf;
    let i = this.pos;
    if (i >= this.lineEnd) throw new LineProblem("missing field time");
    if (buf[i] === MINUS) throw new LineProblem("negative time");
    let seconds = 0;
    const first = i;
    while (i < this.lineEnd && buf[i] >= ZERO && buf[i] <= NINE) seconds = seconds * 10 + (buf[i++] - ZERO);
    if (i === first) throw new LineProblem("time is not a number");
    let ns = 0;
    if (buf[i] === DOT) {
      i++;
      // blkparse prints 9 digits: an integer of up to 9 digits times a power of ten is exact, with no
      // division per digit. Further digits (another tool's output) add their tenths of ns as before.
      const first = i;
      let frac = 0;
      while (i < this.lineEnd && i - first < 9 && buf[i] >= ZERO && buf[i] <= NINE) frac = frac * 10 + (buf[i++] - ZERO);
      ns = frac * NS_SCALE[i - first];
      let scale = 0.1;
      while (i < this.lineEnd && buf[i] >= ZERO && buf[i] <= NINE) {
        ns += (buf[i++] - ZERO) * scale;
        scale /= 10;
      }
    }
    if (i < this.lineEnd && buf[i] !== SPACE && buf[i] !== TAB) throw new LineProblem("time is not a number");
    this.timeNs = seconds * 1e9 + Math.round(ns);
    // Past 2^53 ns a double rounds the time (IOs 1 µs apart came out 0 µs apart): not a time a trace can hold exactly.
    if (this.timeNs > Number.MAX_SAFE_INTEGER) throw new LineProblem(inexactTimeProblem("time"));
    this.pos = i;
  }

  /**
   * RWBS: 1 read, 2 write, 3 zone append, 0 neither (flush, discard, zone management, none). blkparse prints it as
   * `fill_rwbs` (blkparse_fmt.c) builds it: an optional F (a flush before), the operation — D (discard), W, R, N (no
   * data), or a zoned device's ZA (zone append), ZR, ZRA, ZF, ZO, ZC — then any of F (FUA), A (read-ahead),
   * B (barrier, older blktrace), S (sync), M (metadata), in that order. Anything else is no blkparse output: a bad
   * line (an "X" was 0 IOs without a word, a "RW" a write).
   */
  protected rwbsToken(): number {
    this.skipBlanks();
    const buf = this.buf;
    const start = this.pos;
    if (start >= this.lineEnd) throw new LineProblem("missing field RWBS");
    let end = start;
    while (end < this.lineEnd && buf[end] !== SPACE && buf[end] !== TAB) end++;
    this.pos = end;
    let i = start;
    this.flush = buf[i] === F;
    if (this.flush) i++;
    const op = i < end ? buf[i++] : 0;
    let kind = 0;
    let movesNoData = false;
    if (op === W) kind = WRITE;
    else if (op === R) kind = READ;
    else if (op === D) movesNoData = true;
    else if (op === Z) {
      const zone = i < end ? buf[i++] : 0;
      // ZA (zone append) moves data; ZR, ZRA, ZF, ZO, ZC manage zones and move none (ZRA's A reads as the A flag).
      if (zone === A) kind = ZONE_APPEND;
      else if (zone === R || zone === F || zone === O || zone === C) movesNoData = true;
      else throw this.badRwbs(start, end);
    } else if (op !== N) throw this.badRwbs(start, end);
    for (let f = 0; i < end; i++) {
      const c = buf[i];
      while (f < RWBS_FLAGS.length && RWBS_FLAGS[f] !== c) f++;
      if (f === RWBS_FLAGS.length) throw this.badRwbs(start, end);
      f++;
      if (c === F) this.flush = true;
    }
    return movesNoData ? this.skipRest(0) : kind;
  }

  private badRwbs(start: number, end: number): LineProblem {
    return new LineProblem(
      `RWBS "${this.textOf(start, end)}" is not one blkparse prints ([F], then D, W, R, N or ZA, ZR, ZRA, ZF, ZO, ZC, then any of F, A, B, S, M in that order)`,
    );
  }

  private skipRest(v: number): number {
    this.pos = this.lineEnd;
    return v;
  }

  /**
   * After a C event's "sector + blocks": whether its "[error]" is not 0. blkparse prints "(elapsed) " before it with
   * -t; the error is the kernel's negative errno, or its 16-bit two's complement ([65531] for -5), as blkparse prints it.
   */
  protected completionFailed(): boolean {
    const buf = this.buf;
    this.skipBlanks();
    if (!this.atEnd() && buf[this.pos] === OPEN_PAREN) {
      while (!this.atEnd() && buf[this.pos] !== CLOSE_PAREN) this.pos++;
      this.pos++;
      this.skipBlanks();
    }
    if (this.atEnd() || buf[this.pos] !== OPEN_BRACKET) return false;
    let i = this.pos + 1;
    if (i < this.lineEnd && buf[i] === MINUS) i++;
    // Any digit but 0 before the "]" is an error code; "[0]" (and "[-0]") is success.
    for (; i < this.lineEnd && buf[i] >= ZERO && buf[i] <= NINE; i++) if (buf[i] !== ZERO) return true;
    return false;
  }
}

/** "major,minor" of a device number kept as major * 2^20 + minor. */
export function deviceName(device: number): string {
  return `${Math.floor(device / 1048576)},${device % 1048576}`;
}
