import { plural } from "@vmlab/core-vm";
import {
  characterizeTrace,
  DEFAULT_REORDER_WINDOW,
  formatEsxCsv,
  issueOrderNote,
  MAX_REORDER_WINDOW,
  openTraceFile,
  TRACE_FORMATS,
  toJson,
  untimedIosNote,
  VscsiStats,
} from "@vmlab/storage";
import { type Command, Option } from "commander";
import { CliErrors } from "../errors.js";
import type { CliIo } from "../io.js";
import { wholeNumber } from "../whole-number.js";

export interface VscsistatsOptions {
  format?: string;
  json?: boolean;
  skipBad?: boolean;
  firstIo: "skip" | "zero";
  diskName?: string;
  reorderWindow: string;
}

/** `--reorder-window`: a whole number of records, 0 to MAX_REORDER_WINDOW. */
export function parseReorderWindow(text: string): number {
  const n = wholeNumber(text);
  if (!(n <= MAX_REORDER_WINDOW))
    throw CliErrors.badOption("--reorder-window", text, `a whole number of records from 0 (the file's order) to ${MAX_REORDER_WINDOW}`);
  return n;
}

/** Line breaks and other control characters: none may go inside ESX's one-line "Histogram: …" headers. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is matched
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * The disk name printed in ESX's header lines: `--disk-name` as given, refused if it holds a control character (a
 * line break split every header into two lines, a printout nothing reads back); a file name's are shown as "?".
 */
function diskName(given: string | undefined, trace: string): string {
  if (given !== undefined) {
    if (given.match(CONTROL))
      throw CliErrors.badOption(
        "--disk-name",
        JSON.stringify(given).slice(1, -1),
        "a name without line breaks or control characters (it is printed inside ESX's header lines)",
      );
    return given;
  }
  return trace === "-" ? "stdin" : (trace.split(/[\\/]/).pop() ?? trace).replace(CONTROL, "?");
}

/**
 * `vmlab vscsistats <trace>`: ESX's 16 vscsiStats histograms of a trace file,
 * streamed (constant memory), printed in ESX's CSV format (or JSON). Nothing
 * is printed until the whole trace has been read, so a bad line never leaves
 * half an output behind.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command("vscsistats")
    .description(
      "characterize a block trace with ESX's vscsiStats histograms (IO length, seek distance, outstanding IOs, latency, interarrival)",
    )
    .argument(
      "<trace>",
      "trace file (MSR Cambridge CSV, CloudPhysics .vscsi, blkparse text output or fio iolog v2/v3), or - for standard input with --format",
    )
    .addOption(
      new Option("--format <format>", "trace format (default: detected from the content, then the extension)").choices([...TRACE_FORMATS]),
    )
    .option("--json", "print JSON instead of ESX's CSV print format")
    .option("--skip-bad", "count and skip malformed lines instead of stopping at the first")
    .addOption(
      new Option(
        "--first-io <policy>",
        "first IO in the seek-distance and interarrival histograms: skip it (no sample), or measure it from LBN 0 / time 0, so every histogram counts every IO as an ESX printout does (ESX measures it against state from before its window)",
      )
        .choices(["skip", "zero"])
        .default("skip"),
    )
    .option("--disk-name <name>", "disk name printed in the ESX header lines (default: the file name)")
    .option(
      "--reorder-window <records>",
      "records held back to characterize the trace in issue order (traces are often a little out of timestamp order); " +
        `0 = the file's order, at most ${MAX_REORDER_WINDOW}; a record out of order by more is characterized where it comes and counted`,
      String(DEFAULT_REORDER_WINDOW),
    )
    .action((trace: string, opts: VscsistatsOptions) => {
      const reorderWindow = parseReorderWindow(opts.reorderWindow);
      const name = diskName(opts.diskName, trace);
      const reader = openTraceFile(trace, { format: opts.format, skipBad: Boolean(opts.skipBad) });
      const stats = new VscsiStats({ firstIo: opts.firstIo });
      const summary = characterizeTrace(reader, stats, { reorderWindow });
      const output = opts.json
        ? // `trace` the file as given, the reader's name (it was the disk name: with --disk-name, results of several traces
          // could not be told apart).
          `${JSON.stringify({ trace: reader.name, diskName: name, traceFormat: reader.format, ...summary, ...toJson(stats) }, null, 2)}\n`
        : formatEsxCsv(stats, { diskName: name });
      io.stdout(output);
      const notes = [`${plural(summary.ios, "IO")} (${reader.format})`];
      // 0 IOs and exit 0 says nothing of why: the reader says what the file held instead, true for its format (an MSR
      // file's header alone; blkparse without an event line, which may be another format's file, hints at --format).
      if (summary.ios === 0 && summary.ignored > 0) notes.push(reader.noIoNote());
      const untimed = untimedIosNote(summary.ios - summary.timedIos, summary.failedIos, "not in latency/outstanding IOs");
      if (untimed !== null) notes.push(untimed);
      if (reader.backToBack) notes.push("no issue times (IOs back to back): no interarrival histogram");
      // A binary trace's unit is the record: its bad ones were counted as "bad lines".
      const unit = reader.format === "vscsi" ? "record" : "line";
      if (summary.skipped > 0) notes.push(`${plural(summary.skipped, `bad ${unit}`)} skipped; first: ${summary.firstSkipped}`);
      const order = issueOrderNote(summary, { unit, replayed: false, largerWindow: "pass a larger --reorder-window" });
      if (order !== null) notes.push(order);
      io.stderr(`vmlab vscsistats: ${notes.join("; ")}\n`);
    });
}
