import { statSync } from "node:fs";
import { type ConfigRefusal, isVmlabError } from "@vmlab/core-vm";
import { openTraceFile } from "../trace/open-file.js";
import { newTraceRecord, TRACE_FORMATS } from "../trace/record.js";
import { SCENARIO_TRACE_ADVICE, type VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";

/**
 * What is wrong with the config's trace keys, checked before anything runs (so `vmlab run --dry-run` refuses it):
 * a `traceFile` that is missing, unreadable, a directory, not a regular file (a pipe cannot be read the two times
 * the run reads it), empty, compressed, or of a format neither detected nor given; a `traceFormat` other than the shipped
 * trace's without a `traceFile`; a vscsi or fio file whose first record or version line is not of that format. The file
 * is opened and its first bytes read (to detect the format; a vscsi or fio file's first IO too), no more: a bad line
 * stops the run with the reader's error naming file:line (or is skipped with `traceSkipBad`).
 */
export function traceRefusals(c: VscsiCharacterizeConfig): ConfigRefusal[] {
  const path = c.traceFile;
  if (path === "")
    return c.traceFormat === "auto" || c.traceFormat === "vscsi"
      ? []
      : [{ key: "traceFormat", issue: `is for traceFile; the shipped trace is a .vscsi file, got ${c.traceFormat} without a traceFile` }];
  if (path.trim() === "" || path === "-")
    return [
      {
        key: "traceFile",
        issue: `must be a file's path, got ${JSON.stringify(path)} (the run reads the trace twice: standard input cannot be read again)`,
      },
    ];
  let kind: "file" | "directory" | "other" | null = null;
  let bytes = 0;
  try {
    const st = statSync(path);
    kind = st.isFile() ? "file" : st.isDirectory() ? "directory" : "other";
    bytes = st.size;
  } catch {
    // Missing or not reachable: opening it says which.
  }
  if (kind === "directory") return [{ key: "traceFile", issue: `${path} is a directory, not a trace file` }];
  if (kind === "other")
    return [
      {
        key: "traceFile",
        issue: `${path} is not a regular file (a pipe or device cannot be read again, and the run reads the trace twice); copy it to a file`,
      },
    ];
  // No trace of any format (the run refused it, advising traceFormat, after --dry-run had passed it).
  if (kind === "file" && bytes === 0) return [{ key: "traceFile", issue: `${path} is empty (0 bytes)` }];
  try {
    const reader = openTraceFile(path, { format: c.traceFormat === "auto" ? undefined : c.traceFormat, advice: SCENARIO_TRACE_ADVICE });
    try {
      // A vscsi trace's record version and a fio log's version line are read with the first IO: a file that is not
      // of the format given failed the run after --dry-run had passed it.
      if (reader.format === "vscsi" || reader.format === "fio") reader.next(newTraceRecord());
    } catch (e) {
      if (!(isVmlabError(e) && e.code === "VMLAB_TRACE_MALFORMED_HEADER")) throw e;
      const issue = String(e.details.issue);
      // A fio log of a version vmlab does not read is of the format given: the file is at fault, not traceFormat.
      return c.traceFormat === "auto" || e.details.checkFormat === false
        ? [{ key: "traceFile", issue: `${path}: ${issue}` }]
        : [{ key: "traceFormat", issue: `${c.traceFormat} does not match ${path}: ${issue}` }];
    } finally {
      reader.close();
    }
  } catch (e) {
    if (!isVmlabError(e)) throw e;
    // A bad first line or record is the run's to report (file:line), or to skip with traceSkipBad.
    if (e.code === "VMLAB_TRACE_MALFORMED_LINE") return [];
    if (e.code === "VMLAB_TRACE_NOT_FOUND") return [{ key: "traceFile", issue: `${path} does not exist` }];
    if (e.code === "VMLAB_TRACE_UNKNOWN_FORMAT")
      return [
        {
          key: "traceFormat",
          issue: `cannot tell the format of ${path} from its first bytes or its name; ${SCENARIO_TRACE_ADVICE.giveFormat(TRACE_FORMATS)}`,
        },
      ];
    if (typeof e.details.compression === "string")
      return [{ key: "traceFile", issue: `${path} is ${e.details.compression}-compressed; decompress it first` }];
    if (typeof e.details.cause === "string") return [{ key: "traceFile", issue: `cannot read ${path} (${e.details.cause})` }];
    return [{ key: "traceFile", issue: e.message }];
  }
  return [];
}
