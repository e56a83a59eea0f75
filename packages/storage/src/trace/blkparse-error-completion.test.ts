import { describe, expect, it } from "vitest";
import { BlkparseReader } from "./blkparse.js";
import { newTraceRecord, type TraceRecord } from "./record.js";
import { textSource } from "./source.js";

function readAll(lines: string[]) {
  const reader = new BlkparseReader(textSource(`${lines.join("\n")}\n`), { name: "t.txt" });
  const records: TraceRecord[] = [];
  const rec = newTraceRecord();
  while (reader.next(rec)) records.push({ ...rec });
  return { records, failed: reader.failed };
}

/**
 * blkparse_fmt.c prints a C event's "+ blocks" only when the completion moved data (t_sec(t) != 0): "C W 1234 [-5]"
 * (or "C W 1234 (elapsed) [-5]" with -t) is a completion of 0 bytes. The kernel traces one when a command fails
 * with no good bytes (scsi_io_completion → blk_update_request(req, error, 0)) and the request is not finished: the
 * next event of that request says how it ends — a C of its bytes with the error (failed), or an R (requeued, then
 * dispatched again). So the 0-byte C ends no IO; the event after it does.
 */
describe("blkparse: a completion of 0 bytes with an error ends no IO; the event after it does", () => {
  const D = "  8,0    1        1     0.000000000  1234  D   W 1234 + 8 [dd]";
  for (const zero of [
    "  8,0    1        2     0.000100000     0  C   W 1234 [-5]",
    "  8,0    1        2     0.000100000     0  C   W 1234 (  100000) [-5]",
  ]) {
    it(`${zero.trim().split(/\s+/).slice(5).join(" ")}, then the C of its bytes with the error: one failed IO, no response time`, () => {
      const { records, failed } = readAll([D, zero, "  8,0    1        3     0.000200000     0  C   W 1234 + 8 [-5]"]);
      expect(records.map((r) => [r.line, r.lba, r.sectors, r.responseNs])).toEqual([[1, 1234, 8, -1]]);
      expect(failed).toBe(1);
    });

    it(`${zero.trim().split(/\s+/).slice(5).join(" ")}, then requeued and done: one IO timed from its new dispatch, not failed`, () => {
      const { records, failed } = readAll([
        D,
        zero,
        "  8,0    1        3     0.000200000     0  R   W 1234 + 8 [0]",
        "  8,0    1        4     0.000300000  1234  D   W 1234 + 8 [dd]",
        "  8,0    1        5     0.000700000     0  C   W 1234 + 8 [0]",
      ]);
      expect(records.map((r) => [r.line, r.issueNs, r.responseNs])).toEqual([[4, 300_000, 400_000]]);
      expect(failed).toBe(0);
    });
  }
});
