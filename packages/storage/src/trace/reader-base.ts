import type { VmlabError } from "@vmlab/core-vm";
import { type TraceAdvice, VSCSISTATS_TRACE_ADVICE } from "../errors.js";
import type { TraceFormat, TraceReader, TraceReaderOptions, TraceRecord } from "./record.js";
import type { ByteSource } from "./source.js";

/**
 * What every trace reader keeps besides its parsing: its name for messages, the source it closes, the
 * well-formed IOs it ignored, and its bad lines or records, each thrown, or with `skipBad` counted and
 * skipped with the first one's problem kept for the report (`skipOrThrow`).
 */
export abstract class TraceReaderBase implements TraceReader {
  abstract readonly format: TraceFormat;
  skipped = 0;
  firstSkipped: string | null = null;
  ignored = 0;
  readonly name: string;
  /** The caller's words for the advice of its errors and notes: read only when one is built, never per line. */
  readonly advice: TraceAdvice;
  private readonly skipBad: boolean;

  constructor(
    protected readonly source: ByteSource,
    options: TraceReaderOptions,
  ) {
    this.name = options.name;
    this.advice = options.advice ?? VSCSISTATS_TRACE_ADVICE;
    this.skipBad = options.skipBad ?? false;
  }

  abstract next(rec: TraceRecord): boolean;

  abstract noIoNote(): string;

  close(): void {
    this.source.close();
  }

  /**
   * With `skipBad`, once the first bad line or record is kept, counts the next one and returns true: its error would
   * be built (message, stack trace) only to be dropped — a million bad lines took three times as long as good ones.
   */
  protected countedAsSkipped(): boolean {
    if (!(this.skipBad && this.firstSkipped !== null)) return false;
    this.skipped++;
    return true;
  }

  /** A bad line or record (`err`, with its `details.problem`): throws it, or with `skipBad` counts it and returns. */
  protected skipOrThrow(err: VmlabError): void {
    if (!this.skipBad) throw err;
    this.skipped++;
    this.firstSkipped ??= err.details.problem as string;
  }
}
