import { StorageErrors, type TraceAdvice, VSCSISTATS_TRACE_ADVICE } from "../errors.js";
import { fileSource } from "./file-source.js";
import type { HashedPass } from "./hashed-pass.js";
import { createTraceReader, detectFormat, onlyBlkparseInputLines, parseTraceFormat } from "./open.js";
import { type FioWaitReading, TRACE_FORMATS, type TraceFormat, type TraceReader } from "./record.js";
import type { ByteSource } from "./source.js";

/** Options of `openTraceFile`: the format (detected if absent) and whether bad records are skipped and counted. */
export interface OpenTraceOptions {
  /** msr | vscsi | blkparse | fio; detected from the content and name if absent. */
  format?: string;
  skipBad?: boolean;
  /** How a fio iolog's `wait` lines are read (`FioWaitReading`): "fio" (default), as fio's replay does, or "howto". */
  fioWait?: FioWaitReading;
  /** Called with the bytes each read of the file returned (once per chunk, not per IO): a long run's progress. */
  onRead?: (bytes: number) => void;
  /** Hashes every byte read from the file, and closes it (`HashedPass.finish` or `close`): the reader's `close` leaves it open. */
  hashedPass?: HashedPass;
  /**
   * The words the errors and notes of the reading advise in, the caller's flags or config keys (a scenario's are not
   * `vmlab vscsistats`'s). Default `VSCSISTATS_TRACE_ADVICE`.
   */
  advice?: TraceAdvice;
}

/**
 * Opens a trace file (or "-" for standard input, which needs `format`) as a streaming reader (the format given, or
 * detected). The file is opened and read once: the bytes format detection looks at are handed to the reader, so a
 * pipe (`<(zcat trace.gz)`, a named FIFO), which cannot be read twice, gives the same IOs as the file.
 */
export function openTraceFile(path: string, options: OpenTraceOptions = {}): TraceReader {
  const advice = options.advice ?? VSCSISTATS_TRACE_ADVICE;
  if (path === "-" && !options.format) throw StorageErrors.traceStdinNeedsFormat(TRACE_FORMATS, advice);
  const given: TraceFormat | null = options.format ? parseTraceFormat(options.format) : null;
  const name = path === "-" ? "stdin" : path;
  const file = fileSource(path);
  const source = counted(refuseCompressed(options.hashedPass ? options.hashedPass.wrap(file) : file, name, advice), options.onRead);
  let format: TraceFormat;
  let input: ByteSource = source;
  if (given !== null) format = given;
  else {
    try {
      let want = SNIFF_BYTES;
      let head = readHead(new Uint8Array(0), source, want);
      // An empty file is no trace of any format: said so, rather than guessing one from its name (whose reader then
      // advised --format) or asking for --format.
      if (head.length === 0) throw StorageErrors.traceEmpty(name);
      let detected = detectFormat(path, head);
      // blkparse's "Input file ... added" lines, one per CPU, fill the first 4 KiB on a host with more than ~120 CPUs:
      // read on past them (a bounded head, handed to the reader like the first) to the first event line.
      while (detected === null && head.length === want && want < MAX_SNIFF_BYTES && onlyBlkparseInputLines(head)) {
        want = Math.min(want * 2, MAX_SNIFF_BYTES);
        head = readHead(head, source, want);
        detected = detectFormat(path, head);
      }
      if (!detected) throw StorageErrors.traceUndetectedFormat(path, TRACE_FORMATS, advice);
      format = detected;
      input = replayingHead(head, source);
    } catch (e) {
      source.close();
      throw e;
    }
  }
  // A detected format is not one the user gave: "an IO in --format blkparse" named a flag they never passed.
  const readAdvice = given === null ? { ...advice, readAs: (f: string) => `in ${f}'s format, as detected` } : advice;
  return createTraceReader(format, input, { name, skipBad: options.skipBad ?? false, fioWait: options.fioWait, advice: readAdvice });
}

/** `source`, telling `onRead` how many bytes each read returned; `source` itself without `onRead`. */
function counted(source: ByteSource, onRead: ((bytes: number) => void) | undefined): ByteSource {
  if (!onRead) return source;
  return {
    read(buf, offset, length) {
      const n = source.read(buf, offset, length);
      onRead(n);
      return n;
    },
    close: () => source.close(),
  };
}

/** How much of a file format detection looks at. */
const SNIFF_BYTES = 4096;
/** How far it reads past blkparse's "Input file ... added" lines (~40 bytes per CPU: tens of thousands of CPUs). */
const MAX_SNIFF_BYTES = 1 << 20;

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

/** The longest magic number in `COMPRESSED`. */
const MAGIC_BYTES = Math.max(...COMPRESSED.map((c) => c.magic.length));

/** Some magic number in `COMPRESSED` is longer than `head` and starts with it: more bytes could still match it. */
function mayBeCompressed(head: Uint8Array): boolean {
  return COMPRESSED.some((c) => c.magic.length > head.length && head.every((b, i) => c.magic[i] === b));
}

/**
 * `source`, refusing a compressed file as soon as its first bytes show a magic number. A pipe can hand them out over
 * several reads (a writer's first write of 2 bytes): looking at the first read alone missed the magic number, and a
 * gzip stream was reported as an undetectable format or a bad first line. No reader takes a record from a part of a
 * magic number (none holds a newline, and a binary record is longer). Exported for tests.
 */
export function refuseCompressed(source: ByteSource, name: string, advice: TraceAdvice = VSCSISTATS_TRACE_ADVICE): ByteSource {
  const prefix = new Uint8Array(MAGIC_BYTES);
  let seen = 0;
  let checked = false;
  return {
    read(buf, offset, length) {
      const n = source.read(buf, offset, length);
      if (!checked) {
        const take = Math.min(n, MAGIC_BYTES - seen);
        prefix.set(buf.subarray(offset, offset + take), seen);
        seen += take;
        const head = prefix.subarray(0, seen);
        const compression = compressionOf(head);
        if (compression) {
          source.close();
          throw StorageErrors.traceCompressed(name, compression, advice);
        }
        checked = n === 0 || !mayBeCompressed(head);
      }
      return n;
    },
    close: () => source.close(),
  };
}

/** `head` (the bytes read so far from the start of `source`, maybe none) and what follows it, up to `max` bytes in all (fewer only at its end). */
function readHead(head: Uint8Array, source: ByteSource, max: number): Uint8Array {
  const more = new Uint8Array(max);
  more.set(head);
  let n = head.length;
  while (n < max) {
    const got = source.read(more, n, max - n);
    if (got === 0) break;
    n += got;
  }
  return more.subarray(0, n);
}

/** `source` with `head` (bytes already read from it) put back in front. */
function replayingHead(head: Uint8Array, source: ByteSource): ByteSource {
  let pos = 0;
  return {
    read(buf, offset, length) {
      if (pos === head.length) return source.read(buf, offset, length);
      const n = Math.min(length, head.length - pos);
      buf.set(head.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    close: () => source.close(),
  };
}
