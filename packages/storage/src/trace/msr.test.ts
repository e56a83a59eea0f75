import { Rng } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MsrReader } from "./msr.js";
import { msrLine, syntheticMsrTrace } from "./msr-writer.js";
import { newTraceRecord, type TraceRecord } from "./record.js";
import { textSource } from "./source.js";

function readAll(text: string, skipBad = false): { records: TraceRecord[]; reader: MsrReader } {
  const reader = new MsrReader(textSource(text), { name: "t.csv", skipBad });
  const records: TraceRecord[] = [];
  const rec = newTraceRecord();
  while (reader.next(rec)) records.push({ ...rec });
  return { records, reader };
}

describe("MSR Cambridge reader", () => {
  it("parses the documented fields and units (100 ns ticks, bytes)", () => {
    const { records } = readAll("128166372003061629,hm,0,Write,7014912,4096,26\n128166372016382155,hm,0,Read,1074696192,512,113\n");
    expect(records).toEqual([
      { issueNs: 0, lba: 13701, bytes: 4096, sectors: 8, isRead: false, responseNs: 2600, line: 1 },
      {
        issueNs: 13320526 * 100 /* 128166372016382155 - 128166372003061629 ticks */,
        lba: 2099016,
        bytes: 512,
        sectors: 1,
        isRead: true,
        responseNs: 11300,
        line: 2,
      },
    ]);
  });

  it("keeps 18-digit timestamps exact relative to the first record (they exceed 2^53)", () => {
    const { records } = readAll(
      "128166372003061629,h,0,Read,0,512,1\n128166372003061630,h,0,Read,0,512,1\n128166372003061631,h,0,Read,0,512,1\n",
    );
    expect(records.map((r) => r.issueNs)).toEqual([0, 100, 200]);
  });

  it("keeps timestamps of 22 to 24 digits exact too (the reader accepts up to 24)", () => {
    const { records } = readAll("9999999999999999999999,h,0,Read,0,512,1\n10000000000000000000001,h,0,Read,0,512,1\n");
    expect(records.map((r) => r.issueNs)).toEqual([0, 200]);
    // 24 digits, 90071992547409 ticks apart: the most a double holds in whole ns (further apart is refused:
    // time-range.test.ts), exact to the tick.
    const far = readAll("999999999909928007452590,h,0,Read,0,512,1\n999999999999999999999999,h,0,Read,0,512,1\n").records;
    expect(far.map((r) => r.issueNs)).toEqual([0, Number((999999999999999999999999n - 999999999909928007452590n) * 100n)]);
    expect(far[1].issueNs).toBe(9007199254740900);
  });

  it("refuses a record of another volume (Hostname, DiskNumber), naming the line; skip-bad keeps the first volume's", () => {
    const text = "1,hm,0,Read,0,512,1\n2,hm,1,Read,512,512,1\n3,prn,0,Read,1024,512,1\n4,hm,0,Read,1536,512,1\n5,h,0,Read,0,512,1\n";
    expect(() => readAll(text)).toThrow(
      "t.csv:2: a record of volume hm,1, but the trace's records so far are of hm,0: a trace is one volume's IOs (split the file by Hostname,DiskNumber)",
    );
    const { records, reader } = readAll(text, true);
    expect(records.map((r) => r.line)).toEqual([1, 4]);
    expect(reader.skipped).toBe(3);
    // A bad first line skipped sets no volume: the first good record does.
    expect(readAll("1,hm,0,Read,0,0,1\n2,prn,3,Read,0,512,1\n3,prn,3,Write,0,512,1\n", true).records.map((r) => r.line)).toEqual([2, 3]);
  });

  it("skips a header line and CRLF line ends; rounds unaligned extents out to whole sectors", () => {
    const { records, reader } = readAll("Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\r\n1,h,0,read,1000,100,5\r\n");
    expect(reader.ignored).toBe(1);
    expect(records[0]).toMatchObject({ lba: 1, sectors: 2, bytes: 100, isRead: true, line: 2 }); // bytes 1000..1099 touch sectors 1 and 2
    expect(readAll("1,h,0,Write,1100,30,5\n").records[0]).toMatchObject({ lba: 2, sectors: 1 }); // bytes 1100..1129 stay in sector 2
  });

  it("reads a file that starts with a UTF-8 byte order mark (Windows exporters write one) as the file without it", () => {
    const csv = "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\r\n1,h,0,Read,1024,512,5\r\n";
    expect(readAll(`\uFEFF${csv}`).records).toEqual(readAll(csv).records);
    expect(readAll("\uFEFF1,h,0,Write,0,512,5\n").records[0]).toMatchObject({ lba: 0, sectors: 1, isRead: false, line: 1 });
  });

  it("takes only a first line starting with Timestamp as the header: a first record mangled to start with T is reported, not dropped", () => {
    expect(() => readAll("T28166372003061629,h,0,Read,0,512,5\n128166372003061639,h,0,Read,0,512,5\n")).toThrow(
      /t\.csv:1: Timestamp is not a non-negative integer/,
    );
    expect(readAll("timestamp,hostname,disknumber,type,offset,size,responsetime\n1,h,0,Read,0,512,5\n").reader.ignored).toBe(1);
  });

  it("shows control characters of a bad field as ? in the message, as in the quoted line: a CR in an op hid the start of the message", () => {
    expect(() => readAll("1,h,0,Wr\ritten,0,512,5\n")).toThrow(
      't.csv:1: unknown op "Wr?itten" in field Type (expected Read or Write) in "1,h,0,Wr?itten,0,512,5"',
    );
    expect(() => readAll("1,h,0,R\u0000\u0007,0,512,5\n")).toThrow(/t\.csv:1: unknown op "R\?\?" in field Type/);
  });

  it.each([
    ["1,h,0,Read,0,-4096,5", /t\.csv:2: negative Size/],
    ["1,h,0,Trim,0,4096,5", /t\.csv:2: unknown op "Trim" in field Type \(expected Read or Write\)/],
    ["1,h,0,Read,0,4096", /t\.csv:2: missing field ResponseTime/],
    ["1,h,0,Read", /t\.csv:2: missing field Offset/],
    ["1,h,0,Read,0,4096,5,9", /t\.csv:2: more than 7 fields/],
    ["1,h,0,Read,0x10,4096,5", /t\.csv:2: Offset is not a non-negative integer/],
    ["1,h,0,Read,0,0,5", /t\.csv:2: zero Size/],
    ["-1,h,0,Read,0,512,5", /t\.csv:2: negative Timestamp/],
    // Numbers past 2^53 are rounded by a double: 1e22 + 4096 == 1e22 gave a record of 0 sectors.
    ["1,h,0,Read,10000000000000000000000,4096,5", /t\.csv:2: Offset \+ Size is over 2\^53 bytes/],
    ["1,h,0,Read,9007199254740993,4096,5", /t\.csv:2: Offset is over 2\^53 and would be rounded/],
    ["1,h,0,Read,0,99999999999999999999,5", /t\.csv:2: Size is over 2\^53/],
    ["1,h,0,Read,9007199254740000,4096,5", /t\.csv:2: Offset \+ Size is over 2\^53 bytes/],
  ])("rejects %s with an error naming file and line", (bad, message) => {
    const text = `1,h,0,Read,0,512,5\n${bad}\n2,h,0,Read,0,512,5\n`;
    expect(() => readAll(text)).toThrow(message);
    expect(() => readAll(text)).toThrow(
      expect.objectContaining({ code: "VMLAB_TRACE_MALFORMED_LINE", details: expect.objectContaining({ line: 2 }) }),
    );
    const { records, reader } = readAll(text, true);
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(reader.skipped).toBe(1);
    expect(reader.firstSkipped).toMatch(message);
    // It names the problem, without the advice to pass --skip-bad (already passed).
    expect(reader.firstSkipped).not.toMatch(/skip-bad/);
  });

  it("streams across read-buffer boundaries: a large file parses line for line", () => {
    const text = syntheticMsrTrace(new Rng(1, "msr"), {
      ios: 20_000,
      meanInterarrivalNs: 100_000,
      readFraction: 0.6,
      sequentialFraction: 0.3,
      diskBytes: 2 ** 36,
      medianResponseNs: 2_000_000,
    });
    expect(text.length).toBeGreaterThan(3 * (1 << 18)); // several 256 KiB chunks
    const { records } = readAll(text);
    expect(records).toHaveLength(20_000);
    const lines = text.trimEnd().split("\n");
    for (const i of [0, 4_999, 5_000, 12_345, 19_999]) {
      const [, , , type, offset, size] = lines[i].split(",");
      expect(records[i]).toMatchObject({ line: i + 1, isRead: type === "Read", lba: Number(offset) / 512, bytes: Number(size) });
    }
  });

  it("property: any generated records survive write → parse", () => {
    const record = fc.record({
      gap: fc.integer({ min: 0, max: 10 ** 9 }),
      isRead: fc.boolean(),
      offset: fc.integer({ min: 0, max: 2 ** 40 }),
      bytes: fc.integer({ min: 1, max: 2 ** 22 }),
      response: fc.integer({ min: 0, max: 10 ** 8 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 50 }), (rs) => {
        let t = 0;
        const text = rs
          .map((r) => {
            t += r.gap * 100;
            return msrLine(t, "host", 1, r.isRead, r.offset, r.bytes, r.response * 100);
          })
          .join("");
        const { records } = readAll(text);
        let t2 = 0;
        records.forEach((got, i) => {
          t2 += rs[i].gap * 100;
          expect(got.issueNs).toBe(t2 - rs[0].gap * 100);
          expect(got.isRead).toBe(rs[i].isRead);
          expect(got.lba).toBe(Math.floor(rs[i].offset / 512));
          expect(got.bytes).toBe(rs[i].bytes);
          expect(got.responseNs).toBe(rs[i].response * 100);
        });
      }),
    );
  });

  it("refuses a Timestamp of 25 digits, naming the line: past 24 digits its ticks would not be exact", () => {
    expect(() => readAll("1,h,0,Read,0,512,1\n1000000000000000000000000,h,0,Read,0,512,1\n")).toThrow(
      /t\.csv:2: Timestamp has more than 24 digits/,
    );
  });
});
