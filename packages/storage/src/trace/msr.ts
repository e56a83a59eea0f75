import { plural } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { inexactTimeProblem } from "./exact-time.js";
import { setExtentFromBytes, type TraceReaderOptions, type TraceRecord } from "./record.js";
import type { ByteSource } from "./source.js";
import { extentIsExact, LineProblem, TextTraceReader } from "./text-reader.js";

const COMMA = 44;
const ZERO = 48;
const NINE = 57;
const MINUS = 45;
/** MSR Cambridge clocks tick in 100 ns (Windows FILETIME) units. */
const NS_PER_FILETIME_TICK = 100;
const LOW_DIGITS = 1e9;
/** The most 100 ns ticks whose ns are exact in a double (2^53 ns, about 104 days). */
const MAX_EXACT_TICKS = Number.MAX_SAFE_INTEGER / NS_PER_FILETIME_TICK;
const BIG_LOW_DIGITS = 1_000_000_000n;
/** Up to 21 digits (6 past the 15-digit head), (head mod 1e9) * tailScale + tail stays below 2^53. */
const MAX_EXACT_TAIL_SCALE = 1e6;
/** "timestamp" in lower case: how the optional header line starts. */
const HEADER_START = new TextEncoder().encode("timestamp");

/**
 * MSR Cambridge block traces (Narayanan et al., FAST'08; SNIA IOTTA):
 * `Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime`, Timestamp
 * and ResponseTime in 100 ns Windows FILETIME units, Offset and Size in
 * bytes, Type `Read` or `Write`. A header line starting with `Timestamp` is
 * allowed. Timestamps (~1.28e17) exceed 2^53, so they are parsed in two parts
 * and kept exact relative to the first record.
 */
export class MsrReader extends TextTraceReader {
  readonly format = "msr" as const;
  private haveBase = false;
  private baseHigh = 0;
  private baseLow = 0;
  private tsHigh = 0;
  private tsLow = 0;
  /** The volume of the trace's first record: its Hostname's bytes (null before it) and DiskNumber. */
  private volumeHost: Uint8Array | null = null;
  private volumeDisk = 0;
  /** The Hostname field's bytes in the line being parsed (until the first record's volume is taken). */
  private hostStart = 0;
  private hostEnd = 0;
  /** The first line was the header (the other ignored lines are blank). */
  private header = false;

  constructor(source: ByteSource, options: TraceReaderOptions) {
    super(source, options);
  }

  protected parseLine(rec: TraceRecord): boolean {
    if (this.lineEnd === this.lineStart) {
      this.ignored++;
      return false;
    }
    if (this.lineNo === 1 && this.isHeader()) {
      this.header = true;
      this.ignored++;
      return false;
    }
    this.timestampField();
    this.volumeFields();
    const isRead = this.typeField();
    const offset = this.uintCsvField("Offset");
    const size = this.uintCsvField("Size");
    const response = this.uintCsvField("ResponseTime");
    if (this.pos <= this.lineEnd)
      throw new LineProblem("more than 7 fields (expected Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime)");
    if (size === 0) throw new LineProblem("zero Size");
    if (offset + size > Number.MAX_SAFE_INTEGER && !extentIsExact(offset, size))
      throw new LineProblem("Offset + Size is over 2^53 bytes and not whole sectors below 2^62");
    // Times are doubles in ns: past 2^53 ns a double rounds them (IOs 1 µs apart came out 0 or 10 µs apart). Checked
    // before the first record sets the volume and the time base, so a bad first line skipped with skipBad sets neither.
    if (response > MAX_EXACT_TICKS) throw new LineProblem(inexactTimeProblem("ResponseTime"));
    if (!this.haveBase) {
      this.volumeHost = this.buf.slice(this.hostStart, this.hostEnd);
      this.baseHigh = this.tsHigh;
      this.baseLow = this.tsLow;
      this.haveBase = true;
    }
    const ticks = (this.tsHigh - this.baseHigh) * LOW_DIGITS + (this.tsLow - this.baseLow);
    // The first record's ticks are 0: it always passes, so the base is never a refused line's.
    if (Math.abs(ticks) > MAX_EXACT_TICKS) throw new LineProblem(inexactTimeProblem("Timestamp", { fromFirst: true }));
    rec.issueNs = ticks * NS_PER_FILETIME_TICK;
    rec.isRead = isRead;
    setExtentFromBytes(rec, offset, size);
    rec.responseNs = response * NS_PER_FILETIME_TICK;
    rec.line = this.lineNo;
    return true;
  }

  /** The first line starts with `Timestamp` (any case): the header. Any other line is data, checked as such — a first record mangled into "T28166…" is reported, not dropped as a header. */
  private isHeader(): boolean {
    const buf = this.buf;
    const start = this.lineStart;
    if (this.lineEnd - start < HEADER_START.length) return false;
    for (let k = 0; k < HEADER_START.length; k++) if ((buf[start + k] | 0x20) !== HEADER_START[k]) return false;
    return true;
  }

  /** The only lines an MSR reader ignores are the header and blank ones: a file of those is an MSR file with no IO. */
  noIoNote(): string {
    const blank = this.ignored - (this.header ? 1 : 0);
    const parts = this.header ? ["a header line"] : [];
    if (blank > 0) parts.push(plural(blank, "blank line"));
    return `the file has ${parts.join(", ")} and no IO lines`;
  }

  /** An empty file is no trace (a failed download or decompression): refused, as the vscsi and fio readers refuse one. */
  protected override finish(_rec: TraceRecord): boolean {
    if (this.lineNo === 0) throw StorageErrors.traceEmpty(this.name);
    return false;
  }

  /**
   * Parses the Timestamp into tsHigh * 1e9 + tsLow, exactly, in one pass: the
   * first 15 digits fit a double (`head`); later digits (`tail`, at most a
   * few) are folded in with one division per line.
   */
  private timestampField(): void {
    const buf = this.buf;
    const end = this.lineEnd;
    const first = this.pos;
    let i = first;
    let head = 0;
    let tail = 0;
    let tailScale = 1;
    while (i < end) {
      const c = buf[i];
      if (c === COMMA) break;
      if (c < ZERO || c > NINE) {
        throw new LineProblem(i === first && c === MINUS ? "negative Timestamp" : "Timestamp is not a non-negative integer");
      }
      if (i - first < 15) head = head * 10 + (c - ZERO);
      else {
        tail = tail * 10 + (c - ZERO);
        tailScale *= 10;
      }
      i++;
    }
    if (i === first) throw new LineProblem("missing field Timestamp");
    if (i === end) throw new LineProblem("missing fields after Timestamp (expected 7 comma-separated fields)");
    if (i - first > 24) throw new LineProblem("Timestamp has more than 24 digits");
    // value = head * tailScale + tail = (headHigh * 1e9 + headLow) * tailScale + tail
    const headHigh = Math.floor(head / LOW_DIGITS);
    const headLow = head - headHigh * LOW_DIGITS;
    if (tailScale > MAX_EXACT_TAIL_SCALE) {
      // Over 21 digits headLow * tailScale may pass 2^53: exact in BigInt (never for MSR's own 18-digit clocks, so off the hot path).
      const rest = BigInt(headLow) * BigInt(tailScale) + BigInt(tail);
      const carry = rest / BIG_LOW_DIGITS;
      this.tsHigh = headHigh * tailScale + Number(carry);
      this.tsLow = Number(rest - carry * BIG_LOW_DIGITS);
    } else {
      const rest = headLow * tailScale + tail;
      const carry = Math.floor(rest / LOW_DIGITS);
      this.tsHigh = headHigh * tailScale + carry;
      this.tsLow = rest - carry * LOW_DIGITS;
    }
    this.pos = i + 1;
  }

  /**
   * Hostname and DiskNumber: the volume, the same on every record. One trace is one disk's IO stream (vscsiStats is
   * per virtual disk; a replay drives one target), and SNIA ships each MSR volume in its own file: records of two
   * volumes concatenated were characterized as one stream, seek distances measured from one volume to the other.
   */
  private volumeFields(): void {
    const first = this.pos;
    this.skipCsvField("Hostname");
    const hostEnd = this.pos - 1;
    const disk = this.uintCsvField("DiskNumber");
    const host = this.volumeHost;
    if (host === null) {
      // The first record's volume is taken once the whole line has parsed (in `parseLine`): a bad first line
      // skipped with skipBad leaves it to the next line.
      this.hostStart = first;
      this.hostEnd = hostEnd;
      this.volumeDisk = disk;
      return;
    }
    if (disk !== this.volumeDisk || !this.bytesAre(first, hostEnd, host))
      throw new LineProblem(
        `a record of volume ${this.textOf(first, hostEnd)},${disk}, but the trace's records so far are of ${new TextDecoder().decode(host)},${this.volumeDisk}: a trace is one volume's IOs (split the file by Hostname,DiskNumber)`,
      );
  }

  /** `Read` or `Write` (any case). */
  private typeField(): boolean {
    const buf = this.buf;
    const end = this.lineEnd;
    const first = this.pos;
    if (first > end) throw new LineProblem("missing field Type");
    let i = first;
    while (i < end && buf[i] !== COMMA) i++;
    this.pos = i + 1;
    const n = i - first;
    const c = buf[first] | 0x20;
    if (n === 4 && c === 114 && (buf[first + 1] | 0x20) === 101 && (buf[first + 2] | 0x20) === 97 && (buf[first + 3] | 0x20) === 100)
      return true;
    if (
      n === 5 &&
      c === 119 &&
      (buf[first + 1] | 0x20) === 114 &&
      (buf[first + 2] | 0x20) === 105 &&
      (buf[first + 3] | 0x20) === 116 &&
      (buf[first + 4] | 0x20) === 101
    )
      return false;
    if (n === 0) throw new LineProblem("missing field Type");
    const op = this.textOf(first, i);
    throw new LineProblem(`unknown op "${op}" in field Type (expected Read or Write)`);
  }
}
