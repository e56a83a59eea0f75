import { describe, expect, it } from "vitest";
import { VscsiStats } from "../vscsistats/collector.js";
import { BlkparseReader } from "./blkparse.js";
import { characterizeTrace } from "./characterize.js";
import { MsrReader } from "./msr.js";
import { newTraceRecord, type TraceReader } from "./record.js";
import { bytesSource, textSource } from "./source.js";
import { VSCSI_V1_RECORD_BYTES, VscsiReader } from "./vscsi.js";

const characterize = (reader: TraceReader) => characterizeTrace(reader, new VscsiStats());

/** Skip-bad over a trace of no IO and only bad lines (records): not a trace of no IO, but a file of another format. */
describe("characterizeTrace over a file of no IO, only bad lines or records skipped", () => {
  it("throws naming the file, the count, the first bad line and the format read", () => {
    const reader = new MsrReader(textSource("Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\nx\ny\n"), {
      name: "t.csv",
      skipBad: true,
    });
    expect(() => characterize(reader)).toThrow(
      expect.objectContaining({
        code: "VMLAB_TRACE_MALFORMED_LINE",
        message:
          't.csv: no IO read, only 2 bad lines (skipped; first: t.csv:2: Timestamp is not a non-negative integer in "x"): is the file msr? check --format',
      }),
    );
  });

  it("counts a binary trace's bad ones as records", () => {
    // Two v1 records of a SCSI command without data (TEST UNIT READY: not an IO), then 3 records of version 2 (corrupt).
    const bytes = new Uint8Array(5 * VSCSI_V1_RECORD_BYTES);
    const v = new DataView(bytes.buffer);
    for (let i = 0; i < 5; i++) v.setUint16(i * VSCSI_V1_RECORD_BYTES + 14, i < 2 ? 0x0100 : 0x0200, true);
    const reader = new VscsiReader(bytesSource(bytes), { name: "t.vscsi", skipBad: true });
    expect(() => characterize(reader)).toThrow(
      /^t\.vscsi: no IO read, only 3 bad records \(skipped; first: t\.vscsi: record 3: .*\): is the file vscsi\? check --format$/,
    );
  });

  it("characterizes a file with an IO and bad lines, and one of no IO and no bad line (0 IOs)", () => {
    const some = new MsrReader(textSource("x\n1,h,0,Read,0,512,5\n"), { name: "t.csv", skipBad: true });
    expect(characterize(some)).toMatchObject({ ios: 1, skipped: 1 });
    const header = new MsrReader(textSource("Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n"), {
      name: "h.csv",
      skipBad: true,
    });
    expect(characterize(header)).toMatchObject({ ios: 0, skipped: 0, ignored: 1 });
  });
});

/** A bad line before any IO: the likelier cause is a file of another format, which the advice asks first. */
describe("a bad line's advice", () => {
  const error = (reader: TraceReader) => {
    const rec = newTraceRecord();
    try {
      while (reader.next(rec)) {}
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  };

  it("a blkparse line after an IO event (D, held until its completion) keeps the advice to fix or skip it", () => {
    const text = "  8,0 0 1 0.000100000 700 D R 8 + 8 [fio]\n  8,0 0 2 0.000200000 700 D R x + 8 [fio]\n";
    const message = error(new BlkparseReader(textSource(text), { name: "t.txt" }));
    expect(message).toMatch(/^t\.txt:2: sector is not a non-negative integer in ".*"; fix or delete the line, or pass --skip-bad/);
    const first = error(new BlkparseReader(textSource("  8,0 0 1 0.000100000 700 D R x + 8 [fio]\n"), { name: "t.txt" }));
    expect(first).toMatch(/^t\.txt:1: sector .*; no IO read before it: is the file blkparse\? check --format; or fix or delete the line/);
  });

  it("says check --format once when the problem itself says it (another format's line read as blkparse)", () => {
    const message = error(new BlkparseReader(textSource("128166372003061629,hm,0,Write,7014912,4096,26\n"), { name: "t.txt" }));
    expect(message).toMatch(/\(another format's line\? check --format\) in ".*"; fix or delete the line, or pass --skip-bad/);
    expect(message.match(/check --format/g)).toHaveLength(1);
  });
});
