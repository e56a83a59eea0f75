import type { TraceAdvice } from "../errors.js";
import { SECTOR_BYTES } from "../io.js";

/** The trace formats vmlab reads. */
export const TRACE_FORMATS = ["msr", "vscsi", "blkparse", "fio"] as const;
/** A trace format vmlab reads: MSR Cambridge CSV, ESX's binary vscsi trace, blkparse text or fio's iolog (version 2 or 3). */
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/**
 * One IO of a trace, in vmlab's units. Readers fill a caller-owned record in
 * place (`TraceReader.next(rec)`), so reading a trace allocates nothing per IO.
 */
export interface TraceRecord {
  /** Issue time in ns from the start of the trace (the first record of formats with absolute clocks; a record earlier than that one is negative); exactly -1 if the format has no clock. */
  issueNs: number;
  /** First 512-byte sector (LBN). */
  lba: number;
  /** Length in bytes as recorded (> 0). */
  bytes: number;
  /** Sectors touched: from `lba` to the sector holding the last byte. */
  sectors: number;
  isRead: boolean;
  /** Issue → completion in ns as recorded, or -1 if the format records none. */
  responseNs: number;
  /** 1-based line (text formats) or record number (binary) it came from. */
  line: number;
}

/** A zeroed `TraceRecord` for a reader to fill in place (readers reuse one record per call: no allocation per IO). */
export function newTraceRecord(): TraceRecord {
  return { issueNs: 0, lba: 0, bytes: 0, sectors: 0, isRead: false, responseNs: -1, line: 0 };
}

/** Fills lba/bytes/sectors from a byte offset and length. */
export function setExtentFromBytes(rec: TraceRecord, offsetBytes: number, bytes: number): void {
  const lba = Math.floor(offsetBytes / SECTOR_BYTES);
  rec.lba = lba;
  rec.bytes = bytes;
  rec.sectors = Math.ceil((offsetBytes + bytes) / SECTOR_BYTES) - lba;
}

/**
 * A streaming trace reader: constant memory (a fixed read buffer plus, for
 * blkparse, a bounded window of IOs waiting for their completion).
 */
export interface TraceReader {
  readonly format: TraceFormat;
  /** The trace's name in error messages (the file path). */
  readonly name: string;
  /** Fills `rec` with the next IO; false at the end of the trace. */
  next(rec: TraceRecord): boolean;
  /**
   * Releases the source (a file's descriptor). A reader closes itself at the end of the trace;
   * a consumer that stops before the end (`maxIos`, an error) calls this. Idempotent.
   */
  close(): void;
  /** Bad lines/records counted and skipped (only with `skipBad`; otherwise the first one throws). */
  readonly skipped: number;
  /** Where the first skipped line or record is and what is wrong with it (the error message without its advice), for the report. */
  readonly firstSkipped: string | null;
  /**
   * IOs whose completion reported an error (blkparse `C W 1234 + 8 [-5]`): read with no response time, so they are
   * in no latency. Absent for formats that record no error.
   */
  readonly failed?: number;
  /** Well-formed lines that are not reads or writes (headers, trims, flushes, file actions, SCSI commands without data). */
  readonly ignored: number;
  /**
   * For a trace read to its end without an IO: what it held instead, in the format's words, as a note for the user
   * (an MSR file's header line, a fio log's version line and file actions, a .vscsi file's SCSI commands without
   * data). Only a file that may be of another format says so (blkparse without an event line).
   */
  noIoNote(): string;
  /**
   * True if the trace's IOs went back to back — each issued when the one before completed — and
   * `issueNs` only adds the recorded pauses (fio's iolog: its `wait` lines), so an IO may not go
   * before its time nor before the previous IO is done.
   */
  readonly backToBack?: boolean;
  /** The words its errors and notes advise in (`TraceReaderOptions.advice`): `characterizeTrace`'s refusal uses them too. */
  readonly advice?: TraceAdvice;
}

/** Anything that fills trace records one at a time: a trace reader, or a generator such as `SyntheticVmTrace`. */
export interface TraceRecordSource {
  next(rec: TraceRecord): boolean;
}

/** Options every reader takes. */
export interface TraceReaderOptions {
  /** Name used in error messages (the file path). */
  name: string;
  /** Count and skip bad lines instead of throwing. */
  skipBad?: boolean;
  /** How a fio iolog's `wait` lines are read (`FioWaitReading`; other formats ignore it). Default "fio". */
  fioWait?: FioWaitReading;
  /**
   * The words its errors and notes advise in, the caller's: its flags or config keys for skip-bad and the format.
   * Default `VSCSISTATS_TRACE_ADVICE` (`vmlab vscsistats`'s --skip-bad, --format).
   */
  advice?: TraceAdvice;
}

/**
 * The two readings of a fio iolog v2 `wait <n>` line. "fio": what fio's replay does (iolog.c `read_iolog_get`, since
 * fio 1.35): sleep until n ms after the start of the run, not at all if that time has passed. "howto": what fio's
 * HOWTO says, n µs after the previous `wait` (each wait adds n µs). They disagree by a factor of 1000 and by
 * absolute against relative; a log written by hand or by a generator may follow either.
 */
export type FioWaitReading = "fio" | "howto";
