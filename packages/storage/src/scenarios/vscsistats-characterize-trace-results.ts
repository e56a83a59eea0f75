import { basename } from "node:path";
import { plural, type ReferenceValue, type Table } from "@vmlab/core-vm";
import { issueOrderNote, untimedIosNote } from "../trace/notes.js";
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
      unit: "IOs",
      note: "vmlab's generated VM trace (data/traces/SOURCE.md): no public real trace could be shipped, and the paper's own traces are not public",
    };
  const u = info.user;
  return {
    what: `your trace ${basename(u.path)}: IOs characterized`,
    paper: "—",
    ours: ios,
    unit: "IOs",
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
    const untimed = untimedIosNote(info.untimedIos, info.failedIos, "trace-file: not in latency/outstanding IOs");
    if (untimed !== null) parts.push(untimed);
    // The replay issues a late IO where it comes, as the characterization counts it.
    const order = issueOrderNote(info, { unit, replayed: true, largerWindow: "set a larger traceReorderWindow" });
    if (order !== null) parts.push(order);
    if (info.foldedIos > 0)
      parts.push(`${plural(info.foldedIos, "IO")} beyond the VM's disk folded into it by the replay (LBA modulo the disk's sectors)`);
    notes.push(`Your trace: ${u.absolutePath} (${u.format}, ${u.bytes} bytes, sha256 ${u.sha256}): ${parts.join("; ")}.`);
  }
  if (info.cut !== null) notes.push(`Trace replay cut: ${info.cut}.`);
  return notes;
}
