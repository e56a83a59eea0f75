import { plural, VmlabError } from "@vmlab/core-vm";

/**
 * Where line or record `n` of a trace file is, as every message names it: "file:n" (a line of a text trace), or
 * "file: record n" (a record of a binary one, .vscsi).
 */
export function tracePlace(file: string, n: number, unit: "line" | "record"): string {
  return unit === "record" ? `${file}: record ${n}` : `${file}:${n}`;
}

/**
 * The words a trace reader's errors and notes advise in, its caller's: a command's flags, a scenario's config keys.
 * Each piece of advice is built from them (not reworded afterwards: a reworded message slipped past a rewording).
 */
export interface TraceAdvice {
  /** How to have bad lines (records) counted and skipped: "pass --skip-bad", "set traceSkipBad=true". */
  skipBad: string;
  /** What names the trace's format, as in "check --format" or "check that traceFormat matches": "--format", "traceFormat". */
  format: string;
  /**
   * How to give the format, one of `known`: "pass --format (msr|vscsi)", "set traceFormat to one of msr, vscsi". A
   * phrase, not a word: a flag is passed with its value after it, a config key is set to one ("pass traceFormat (…)").
   */
  giveFormat(known: readonly string[]): string;
  /** A trace read as `format`, after "an IO": "in --format blkparse", "in blkparse's format" (not "in traceFormat blkparse"). */
  readAs(format: string): string;
  /**
   * A command that reads a trace from standard input, its format given after it ("vmlab vscsistats -", then
   * "--format msr"); null where the trace cannot come from standard input (a scenario reads its trace twice).
   */
  stdin: string | null;
}

/** `vmlab vscsistats`'s flags: the advice of a reader whose caller gives none. */
export const VSCSISTATS_TRACE_ADVICE: Readonly<TraceAdvice> = Object.freeze({
  skipBad: "pass --skip-bad",
  format: "--format",
  giveFormat: (known: readonly string[]) => `pass --format (${known.join("|")})`,
  readAs: (format: string) => `in --format ${format}`,
  stdin: "vmlab vscsistats -",
});

/** The catalogue of @vmlab/storage's of error codes (VMLAB_STORAGE_*, VMLAB_TRACE_*, VMLAB_VSCSI_*). */
export const StorageErrors = {
  badConfig: (what: string, issue: string) => new VmlabError("VMLAB_STORAGE_BAD_CONFIG", `${what}: ${issue}`, { what, issue }),
  badState: (what: string, issue: string) =>
    new VmlabError(
      "VMLAB_STORAGE_BAD_STATE",
      `saved ${what} state is invalid (${issue}); the snapshot is corrupt, from another vmlab version, or from a device with a different spec`,
      { what, issue },
    ),
  /** `op`: what was refused — a save, or a restore (a state goes into an idle model only; it said "cannot save" for both). */
  notQuiescent: (what: string, inFlight: number, op: "save" | "restore" = "save") =>
    new VmlabError(
      "VMLAB_STORAGE_NOT_QUIESCENT",
      `cannot ${op} ${what}: ${plural(inFlight, "IO")} ${inFlight === 1 ? "is" : "are"} in flight; stop the workloads and run the simulation until ${inFlight === 1 ? "it completes" : "they complete"}, then ${op}`,
      { what, inFlight, op },
    ),
  /** A disk whose write cache still holds data: every IO has completed, the write-backs have not. */
  dirtyWriteCache: (what: string, dirtySectors: number, op: "save" | "restore" = "save") =>
    new VmlabError(
      "VMLAB_STORAGE_NOT_QUIESCENT",
      `cannot ${op} ${what}: its write cache holds ${plural(dirtySectors, "sector")} not yet on the media; run the simulation until ${dirtySectors === 1 ? "it is" : "they are"} written back, then ${op}`,
      { what, inFlight: 0, dirtySectors, op },
    ),
  notSavable: (what: string, why: string) => new VmlabError("VMLAB_STORAGE_NOT_SAVABLE", `cannot save ${what}: ${why}`, { what, why }),
  // Trace files (trace/): bad input, so every code maps to exit 2 in the CLI.
  // `details.problem` is the message without its advice: what a reader keeps of the first line it skipped. Every
  // advice names the caller's flags or keys (`advice`, `TraceAdvice`).
  /**
   * A bad text line. `formatBefore`: the format read, when no IO was read before the line — then the file is more
   * likely another format's than a good trace with a bad line, and the advice says so first.
   */
  traceMalformedLine: (file: string, line: number, issue: string, text: string, advice: TraceAdvice, formatBefore?: string) => {
    const problem = `${tracePlace(file, line, "line")}: ${issue}${text ? ` in "${text}"` : ""}`;
    const format = formatBefore === undefined ? "" : `no IO read before it: is the file ${formatBefore}? check ${advice.format}; or `;
    return new VmlabError(
      "VMLAB_TRACE_MALFORMED_LINE",
      `${problem}; ${format}fix or delete the line, or ${advice.skipBad} to count and skip bad lines`,
      { file, line, issue, problem },
    );
  },
  /**
   * A trace read with skip-bad that gave no IO, only bad lines (records): it is another format's file or no trace, not
   * a trace of no IO (16 empty histograms and exit 0 said nothing of that). `firstBad`: the first one's problem.
   */
  traceOnlyBad: (file: string, format: string, bad: number, unit: "line" | "record", firstBad: string, advice: TraceAdvice) =>
    new VmlabError(
      "VMLAB_TRACE_MALFORMED_LINE",
      `${file}: no IO read, only ${plural(bad, `bad ${unit}`)} (skipped; first: ${firstBad}): is the file ${format}? check ${advice.format}`,
      { file, format, bad, unit, firstBad },
    ),
  /** An empty file: no trace of any format (a failed download or decompression), so no advice to change the format. */
  traceEmpty: (file: string) =>
    new VmlabError(
      "VMLAB_TRACE_MALFORMED_HEADER",
      file === "stdin"
        ? "standard input is empty (0 bytes): no trace in it; check the command that writes to it"
        : `${file}: the file is empty (0 bytes): no trace in it; check the path, or copy or decompress it again`,
      { file, issue: "the file is empty" },
    ),
  /**
   * A binary record (vscsi) that cannot be read; same code as a bad text line, worded for records. `formatBefore`: the
   * format read, when no IO was read before the record — then, as for a text line, the advice asks about it first.
   */
  traceMalformedRecord: (file: string, record: number, issue: string, advice: TraceAdvice, formatBefore?: string) => {
    const problem = `${tracePlace(file, record, "record")}: ${issue}`;
    const why =
      formatBefore === undefined
        ? "the file is corrupt or not this format"
        : `no IO read before it: is the file ${formatBefore}? check ${advice.format}; or the file is corrupt`;
    return new VmlabError("VMLAB_TRACE_MALFORMED_LINE", `${problem}; ${why} — ${advice.skipBad} to count and skip bad records`, {
      file,
      line: record,
      issue,
      problem,
    });
  },
  traceTruncatedRecord: (file: string, record: number, bytes: number, recordBytes: number, advice: TraceAdvice) => {
    const problem = `${tracePlace(file, record, "record")} is cut short (${bytes} of ${recordBytes} bytes at the end of the file)`;
    return new VmlabError(
      "VMLAB_TRACE_TRUNCATED_RECORD",
      `${problem}; the file was truncated — re-copy it, or ${advice.skipBad} to ignore the partial record`,
      { file, record, bytes, recordBytes, problem },
    );
  },
  traceUnknownFormat: (format: string, known: readonly string[]) =>
    new VmlabError("VMLAB_TRACE_UNKNOWN_FORMAT", `unknown trace format "${format}"; use one of: ${known.join(", ")}`, { format, known }),
  traceUndetectedFormat: (file: string, known: readonly string[], advice: TraceAdvice) =>
    new VmlabError(
      "VMLAB_TRACE_UNKNOWN_FORMAT",
      `${file}: cannot tell the trace format from the file name or its first bytes; ${advice.giveFormat(known)}`,
      { file, known },
    ),
  /** Standard input is read once and never sniffed (a stream's first bytes are not looked at): it needs --format. */
  traceStdinNeedsFormat: (known: readonly string[], advice: TraceAdvice) =>
    new VmlabError(
      "VMLAB_TRACE_UNKNOWN_FORMAT",
      `standard input: its format is not detected; ${advice.giveFormat(known)}${advice.stdin === null ? "" : `, e.g. ${advice.stdin} ${advice.format} ${known[0]}`}`,
      { file: "standard input", known },
    ),
  /** `checkFormat` false: the header says the format and the file is of it (a version vmlab does not read), so the format is not put in doubt. */
  traceBadHeader: (file: string, issue: string, advice: TraceAdvice, checkFormat = true) =>
    new VmlabError(
      "VMLAB_TRACE_MALFORMED_HEADER",
      `${file}: ${issue}${checkFormat ? `; check that ${advice.format} matches the file` : ""}`,
      {
        file,
        issue,
        // Whether the file may be of another format (false: of the right one, a version vmlab does not read).
        checkFormat,
      },
    ),
  traceNotFound: (file: string) => new VmlabError("VMLAB_TRACE_NOT_FOUND", `trace file ${file} does not exist; check the path`, { file }),
  traceUnreadable: (file: string, cause: string) =>
    new VmlabError("VMLAB_TRACE_UNREADABLE", `cannot read trace file ${file} (${cause}); check its permissions`, { file, cause }),
  traceIsDirectory: (file: string) =>
    new VmlabError("VMLAB_TRACE_UNREADABLE", `${file} is a directory, not a trace file; give the path of a file in it`, { file }),
  /** A compressed file; piping it decompressed is advised only where a trace can come from standard input. */
  traceCompressed: (file: string, compression: string, advice: TraceAdvice) =>
    new VmlabError(
      "VMLAB_TRACE_UNREADABLE",
      `${file} is ${compression}-compressed; decompress it first${advice.stdin === null ? "" : ` (or pipe it: ${compression === "gzip" ? "zcat" : `${compression} -dc`} FILE | ${advice.stdin} ${advice.format} FORMAT)`}`,
      { file, compression },
    ),
  /** A file whose passes (characterization, replay) read different bytes: the results could not say which IOs ran. */
  traceChanged: (file: string, first: { bytes: number; sha256: string }, second: { bytes: number; sha256: string }) =>
    new VmlabError(
      "VMLAB_TRACE_CHANGED",
      `trace file ${file} changed while the run read it: the characterization read ${first.bytes} bytes (sha256 ${first.sha256.slice(0, 12)}…), the replay ${second.bytes} bytes (sha256 ${second.sha256.slice(0, 12)}…); run it on a copy nothing writes to`,
      { file, firstBytes: first.bytes, firstSha256: first.sha256, secondBytes: second.bytes, secondSha256: second.sha256 },
    ),
  /** A blkparse trace with queued IOs but no dispatches: vmlab's IO is the D event (a bio-based device's trace has none). */
  traceNoDispatches: (file: string, queued: number) =>
    new VmlabError(
      "VMLAB_TRACE_BAD_EVENTS",
      `${file}: ${plural(queued, "queue (Q) event")} but no dispatch (D) events, and vmlab takes an IO's D event as its issue: a trace of a bio-based device (device-mapper/LVM, md RAID) has no D events; trace the disk below it (blktrace -d /dev/sdX)`,
      { file, queued },
    ),
  /** A blkparse trace of queue events alone: recorded or parsed with an action mask (`-a queue`) that dropped D and C. */
  traceQueueEventsOnly: (file: string, queued: number) =>
    new VmlabError(
      "VMLAB_TRACE_BAD_EVENTS",
      `${file}: ${plural(queued, "queue (Q) event")} and no dispatch (D) or completion (C) events: vmlab takes an IO's D event as its issue and its C event as its completion; the trace was filtered to queue events (blktrace or blkparse -a queue) — record or parse it with -a issue -a complete too, or with no -a`,
      { file, queued },
    ),
  traceLineTooLong: (file: string, line: number, maxBytes: number, advice: TraceAdvice) =>
    new VmlabError(
      "VMLAB_TRACE_MALFORMED_LINE",
      `${tracePlace(file, line, "line")}: line longer than ${maxBytes} bytes; this is not a text trace of the given format (check ${advice.format})`,
      { file, line, maxBytes },
    ),
  /**
   * A bad line of an ESX CSV printout read back (`parseEsxCsv`). Same code as a bad trace line, but not a trace
   * reader's advice: the parser reads a printout whole, with no option to skip a bad line.
   */
  vscsiPrintoutMalformedLine: (file: string, line: number, issue: string, text: string) => {
    const problem = `${tracePlace(file, line, "line")}: ${issue} in "${text}"`;
    return new VmlabError(
      "VMLAB_TRACE_MALFORMED_LINE",
      `${problem}; is it a vscsiStats CSV printout (ESX's vscsiStats -p all -c, or vmlab vscsistats's)? fix or delete the line`,
      { file, line, issue, problem },
    );
  },
  vscsiBadState: (issue: string) =>
    new VmlabError(
      "VMLAB_VSCSI_BAD_STATE",
      `saved vscsiStats state is invalid (${issue}); the snapshot is corrupt or from another vmlab version`,
      {
        issue,
      },
    ),
} as const;
