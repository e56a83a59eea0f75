import { StorageErrors } from "../errors.js";
import { BlkparseReader } from "./blkparse.js";
import { FioReader } from "./fio.js";
import { MsrReader } from "./msr.js";
import { TRACE_FORMATS, type TraceFormat, type TraceReader, type TraceReaderOptions } from "./record.js";
import type { ByteSource } from "./source.js";
import { VscsiReader } from "./vscsi.js";

/** Validates a user-given format name. */
export function parseTraceFormat(name: string): TraceFormat {
  const f = name.toLowerCase();
  if ((TRACE_FORMATS as readonly string[]).includes(f)) return f as TraceFormat;
  throw StorageErrors.traceUnknownFormat(name, TRACE_FORMATS);
}

/**
 * A streaming reader for `format` over `source`. A format it does not know (from JavaScript, or a config: "MSR") is
 * refused as `--format` refuses it; it returned undefined, and the replay built on it died with a TypeError.
 */
export function createTraceReader(format: TraceFormat, source: ByteSource, options: TraceReaderOptions): TraceReader {
  switch (format as string) {
    case "msr":
      return new MsrReader(source, options);
    case "vscsi":
      return new VscsiReader(source, options);
    case "blkparse":
      return new BlkparseReader(source, options);
    case "fio":
      return new FioReader(source, options);
    default:
      throw StorageErrors.traceUnknownFormat(String(format), TRACE_FORMATS);
  }
}

const MSR_LINE = /^(?:Timestamp,Hostname,|\d+,[^,\n]*,\d+,(?:read|write),\d+,\d+,\d+\r?$)/i;
const BLKPARSE_LINE = /^\s*\d+,\d+\s+\d+\s+\d+\s+\d+\.\d+\s+\d+\s+\S+/;
/** The line blkparse prints to standard output for each per-CPU file it reads (blkparse.c), before any event. */
const BLKPARSE_INPUT_LINE = /^Input file \S+ added\r?$/;

/**
 * True if every complete line of `head` (a file's first bytes) is one of blkparse's "Input file ... added" lines:
 * on a host with more than ~120 CPUs they fill the first 4 KiB, and the first event line is further on.
 */
export function onlyBlkparseInputLines(head: Uint8Array): boolean {
  const lines = new TextDecoder().decode(head).split("\n");
  const complete = lines.slice(0, lines.length - 1);
  return complete.length > 0 && complete.every((l) => BLKPARSE_INPUT_LINE.test(l));
}

/**
 * Guesses a trace's format from its first bytes (`head`, e.g. the first 4 KiB),
 * then from its file name's extension; null if neither tells.
 */
export function detectFormat(name: string, head: Uint8Array): TraceFormat | null {
  const textual = head
    .subarray(0, Math.min(head.length, 512))
    .every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128);
  if (textual) {
    const text = new TextDecoder().decode(head);
    const lines = text.split("\n");
    // The last line of the head may be cut; judge by the complete ones.
    const first = lines[0];
    if (first.startsWith("fio version")) return "fio";
    if (MSR_LINE.test(first)) return "msr";
    if (lines.slice(0, Math.max(1, lines.length - 1)).some((l) => BLKPARSE_LINE.test(l))) return "blkparse";
  } else if (head.length >= 32) {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (head.length >= 40 && view.getUint16(2, true) >> 8 === 2) return "vscsi";
    if (view.getUint16(14, true) >> 8 === 1) return "vscsi";
  }
  const lower = name.toLowerCase();
  if (lower.endsWith(".vscsi")) return "vscsi";
  if (lower.endsWith(".csv")) return "msr";
  if (lower.endsWith(".iolog")) return "fio";
  if (lower.endsWith(".blkparse")) return "blkparse";
  return null;
}
