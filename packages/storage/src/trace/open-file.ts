import { StorageErrors } from "../errors.js";
import { fileSource } from "./file-source.js";
import { createTraceReader, detectFormat, parseTraceFormat } from "./open.js";
import { TRACE_FORMATS, type TraceFormat, type TraceReader } from "./record.js";

export interface OpenTraceOptions {
  /** msr | vscsi | blkparse | fio; detected from the content and name if absent. */
  format?: string;
  skipBad?: boolean;
}

/** Opens a trace file (or "-" for standard input, which needs `format`) as a streaming reader (the format given, or detected). */
export function openTraceFile(path: string, options: OpenTraceOptions = {}): TraceReader {
  if (path === "-" && !options.format) throw StorageErrors.traceUndetectedFormat("standard input", TRACE_FORMATS);
  const format: TraceFormat = options.format ? parseTraceFormat(options.format) : sniff(path);
  return createTraceReader(format, fileSource(path), { name: path === "-" ? "stdin" : path, skipBad: options.skipBad ?? false });
}

function sniff(path: string): TraceFormat {
  const source = fileSource(path);
  const head = new Uint8Array(4096);
  let n = 0;
  try {
    for (;;) {
      const got = source.read(head, n, head.length - n);
      if (got === 0 || n + got === head.length) {
        n += got;
        break;
      }
      n += got;
    }
  } finally {
    source.close();
  }
  const format = detectFormat(path, head.subarray(0, n));
  if (!format) throw StorageErrors.traceUndetectedFormat(path, TRACE_FORMATS);
  return format;
}
