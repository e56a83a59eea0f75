import { StorageErrors } from "../errors.js";
import { fileSource } from "./file-source.js";
import { createTraceReader, detectFormat, parseTraceFormat } from "./open.js";
import { TRACE_FORMATS, type TraceFormat, type TraceReader } from "./record.js";
import type { ByteSource } from "./source.js";

export interface OpenTraceOptions {
  /** msr | vscsi | blkparse | fio; detected from the content and name if absent. */
  format?: string;
  skipBad?: boolean;
}

/** Opens a trace file (or "-" for standard input, which needs `format`) as a streaming reader (the format given, or detected). */
export function openTraceFile(path: string, options: OpenTraceOptions = {}): TraceReader {
  if (path === "-" && !options.format) throw StorageErrors.traceUndetectedFormat("standard input", TRACE_FORMATS);
  const format: TraceFormat = options.format ? parseTraceFormat(options.format) : sniff(path);
  const name = path === "-" ? "stdin" : path;
  return createTraceReader(format, refuseCompressed(fileSource(path), name), { name, skipBad: options.skipBad ?? false });
}

/**
 * Compressed files' magic numbers (gzip: 1f 8b and method 8, deflate). Traces are often
 * distributed compressed (SNIA's MSR Cambridge files are .csv.gz); read as they are, they give a
 * format that cannot be detected or a confusing first bad line.
 */
const COMPRESSED: readonly { name: string; magic: readonly number[] }[] = [
  { name: "gzip", magic: [0x1f, 0x8b, 0x08] },
  { name: "zstd", magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: "xz", magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: "bzip2", magic: [0x42, 0x5a, 0x68] },
];

/** The compression `head` starts with, or null. */
export function compressionOf(head: Uint8Array): string | null {
  for (const c of COMPRESSED) if (head.length >= c.magic.length && c.magic.every((b, i) => head[i] === b)) return c.name;
  return null;
}

/** `source`, refusing a compressed file at its first read. */
function refuseCompressed(source: ByteSource, name: string): ByteSource {
  let first = true;
  return {
    read(buf, offset, length) {
      const n = source.read(buf, offset, length);
      if (first) {
        first = false;
        const compression = compressionOf(buf.subarray(offset, offset + n));
        if (compression) {
          source.close();
          throw StorageErrors.traceCompressed(name, compression);
        }
      }
      return n;
    },
    close: () => source.close(),
  };
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
  const compression = compressionOf(head.subarray(0, n));
  if (compression) throw StorageErrors.traceCompressed(path, compression);
  const format = detectFormat(path, head.subarray(0, n));
  if (!format) throw StorageErrors.traceUndetectedFormat(path, TRACE_FORMATS);
  return format;
}
