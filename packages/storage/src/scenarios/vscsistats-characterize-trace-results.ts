import { basename } from "node:path";
import { plural, type ReferenceValue, type Table } from "@vmlab/core-vm";
import type { Characterized } from "./vscsistats-characterize-run.js";
import type { TraceRunInfo } from "./vscsistats-characterize-trace.js";

/**
 * The reference row of the trace: the shipped trace's (vmlab's generated trace, whose figures the docs give), or
 * the user's, which names the file and claims no expected figure (the shipped trace's are not the user's, and a
 * real trace has none to check against).
 */
export function traceReferenceRow(info: TraceRunInfo, ios: number): ReferenceValue {
  if (info.user === null)
    return {
      what: "shipped trace: IOs characterized",
      paper: "—",
      ours: ios,
      note: "vmlab's generated VM trace (data/traces/SOURCE.md): no public real trace could be shipped, and the paper's own traces are not public",
    };
  const u = info.user;
  return {
    what: `your trace ${basename(u.path)}: IOs characterized`,
    paper: "—",
    ours: ios,
    note: `${u.absolutePath} (${u.format}, ${u.bytes} bytes, sha256 ${u.sha256}); no expected figures for it: the checks above are the Iometer workloads'`,
  };
}

/** A user's trace's counts as metrics (none for the shipped trace: its results stay as they were). */
export function userTraceMetrics(info: TraceRunInfo, replay: Characterized): Record<string, number> {
  if (info.user === null) return {};
  return {
    "trace.bytes": info.user.bytes,
    "trace.skippedBadLines": info.skipped,
    "trace.failedIos": info.failedIos,
    "trace.untimedIos": info.untimedIos,
    "trace.reorderedIos": info.reordered,
    "trace.lateIos": info.late,
    "trace.replay.ios": replay.stats.ios,
    "trace.replay.foldedIos": info.foldedIos,
  };
}

/**
 * One row saying which trace ran and what of it (`trace.csv`): for a user's trace. `path` is as given (the config
 * keeps it so too), `absolutePath` what it resolved to, which the notes and the reference row name: the same file
 * given by a relative or an absolute path gives the same results but for `path` here and `traceFile` in the config.
 */
export function traceTable(info: TraceRunInfo, replay: Characterized): Table {
  const u = info.user;
  return {
    name: "trace",
    columns: [
      "path",
      "absolutePath",
      "format",
      "bytes",
      "sha256",
      "ios",
      "replayedIos",
      "skippedBadLines",
      "firstSkipped",
      "ignoredLines",
      "failedIos",
      "untimedIos",
      "reorderWindow",
      "reorderedIos",
      "lateIos",
      "firstLate",
      "foldedIos",
      "cut",
    ],
    rows: [
      {
        path: u?.path ?? null,
        absolutePath: u?.absolutePath ?? null,
        format: u?.format ?? null,
        bytes: u?.bytes ?? null,
        sha256: u?.sha256 ?? null,
        ios: info.ios,
        replayedIos: replay.stats.ios,
        skippedBadLines: info.skipped,
        firstSkipped: info.firstSkipped,
        ignoredLines: info.ignored,
        failedIos: info.failedIos,
        untimedIos: info.untimedIos,
        reorderWindow: info.reorderWindow,
        reorderedIos: info.reordered,
        lateIos: info.late,
        firstLate: info.firstLate,
        foldedIos: info.foldedIos,
        cut: info.cut,
      },
    ],
  };
}

/** The notes on the trace: which file ran and what was skipped, folded or cut (none for the shipped trace run whole). */
export function traceNotes(info: TraceRunInfo): string[] {
  const notes: string[] = [];
  const u = info.user;
  if (u !== null) {
    const unit = u.format === "vscsi" ? "record" : "line";
    const parts = [`${plural(info.ios, "IO")} read`];
    if (info.noIoNote) parts.push(info.noIoNote);
    if (info.skipped > 0) parts.push(`${plural(info.skipped, `bad ${unit}`)} skipped (traceSkipBad); first: ${info.firstSkipped}`);
    const untimed = untimedNote(info);
    if (untimed !== null) parts.push(untimed);
    const order = issueOrderNote(info, unit);
    if (order !== null) parts.push(order);
    if (info.foldedIos > 0)
      parts.push(`${plural(info.foldedIos, "IO")} beyond the VM's disk folded into it by the replay (LBA modulo the disk's sectors)`);
    notes.push(`Your trace: ${u.absolutePath} (${u.format}, ${u.bytes} bytes, sha256 ${u.sha256}): ${parts.join("; ")}.`);
  }
  if (info.cut !== null) notes.push(`Trace replay cut: ${info.cut}.`);
  return notes;
}

/**
 * The IOs without a response time: those that failed (blkparse: their completion reported an error) and the others,
 * in one part; the failed ones are among `untimedIos`, and two parts ("1 IO completed with an error; 1 without a
 * recorded response time") read as two IOs of a trace with one failed IO. Null when every IO has a response time.
 */
function untimedNote(info: TraceRunInfo): string | null {
  const others = Math.max(0, info.untimedIos - info.failedIos);
  const where = "(trace-file: not in latency/outstanding IOs)";
  if (info.failedIos === 0) return others === 0 ? null : `${others} without a recorded response time ${where}`;
  const failed = `${plural(info.failedIos, "IO")} completed with an error, so without a response time`;
  return others === 0 ? `${failed} ${where}` : `${failed}, and ${plural(others, "other IO")} without a recorded response time ${where}`;
}

/**
 * IOs out of issue order, as `vmlab vscsistats` tells of them: a late one (out of order by more than the reorder
 * window, `traceReorderWindow`) is characterized where it came, interarrival 0, and replayed where it comes; null when
 * none was. With a window of 0 (the file's order), every IO issued earlier than an IO before it is late.
 */
function issueOrderNote(info: TraceRunInfo, unit: string): string | null {
  const they = (n: number, one: string, more: string) => (n === 1 ? one : more);
  if (info.reorderWindow === 0)
    return info.late === 0
      ? null
      : `${plural(info.late, "IO")} issued earlier than an IO before ${they(info.late, "it", "them")} (interarrival 0; first: ${unit} ${info.firstLate})`;
  if (info.reordered + info.late === 0) return null;
  const parts = [`${info.reordered} put back in issue order by the reorder window of ${plural(info.reorderWindow, "record")}`];
  if (info.late > 0)
    parts.push(
      `${info.late} too late for it, characterized and replayed where ${they(info.late, "it", "they")} came (interarrival 0; first: ${unit} ${info.firstLate}; sort the file by time or set a larger traceReorderWindow to put ${they(info.late, "it", "them")} in order)`,
    );
  return `${plural(info.reordered + info.late, "IO")} out of issue order (first: ${unit} ${info.firstOutOfOrder}): ${parts.join(", ")}`;
}
