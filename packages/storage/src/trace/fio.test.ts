import { describe, expect, it } from "vitest";
import { FioReader } from "./fio.js";
import { newTraceRecord, type TraceReaderOptions, type TraceRecord } from "./record.js";
import { textSource } from "./source.js";

/** Reads `text`; the tests written for the HOWTO's reading of `wait` (µs, relative) keep it, the rest pass `wait`. */
function readAll(text: string, skipBad = false, wait: Pick<TraceReaderOptions, "fioWait"> = { fioWait: "howto" }) {
  const reader = new FioReader(textSource(text), { name: "t.iolog", skipBad, ...wait });
  const records: TraceRecord[] = [];
  const rec = newTraceRecord();
  while (reader.next(rec)) records.push({ ...rec });
  return { records, reader };
}

describe("fio iolog v2 reader", () => {
  it("reads read/write lines, advances the clock at wait lines, ignores file actions and syncs", () => {
    const { records, reader } = readAll(
      [
        "fio version 2 iolog",
        "/dev/sdb add",
        "/dev/sdb open",
        "/dev/sdb write 0 4096",
        "/dev/sdb wait 250 0",
        "/dev/sdb read 4096 8192",
        "/dev/sdb sync 0 0",
        "/dev/sdb trim 0 4096",
        "/dev/sdb close",
      ].join("\n"),
    );
    expect(records).toEqual([
      { issueNs: 0, lba: 0, bytes: 4096, sectors: 8, isRead: false, responseNs: -1, line: 4 },
      { issueNs: 250_000, lba: 8, bytes: 8192, sectors: 16, isRead: true, responseNs: -1, line: 6 },
    ]);
    expect(reader.ignored).toBe(7);
  });

  it("refuses offsets and lengths past 2^53, naming the line: a double would round them into another extent", () => {
    const log = (line: string) => `fio version 2 iolog\n/dev/sdb read 0 512\n${line}\n`;
    expect(() => readAll(log("/dev/sdb read 18446744073709551617 1"))).toThrow(/t\.iolog:3: offset is over 2\^53 and would be rounded/);
    expect(() => readAll(log("/dev/sdb write 0 9007199254740993"))).toThrow(/t\.iolog:3: length is over 2\^53/);
    expect(() => readAll(log("/dev/sdb write 9007199254740000 4096"))).toThrow(/t\.iolog:3: offset \+ length is over 2\^53 bytes/);
    // Whole sectors past 2^53 bytes are exact: kept.
    expect(readAll(log("/dev/sdb read 18014398509481984 4096")).records[1]).toMatchObject({ lba: 2 ** 45, sectors: 8 });
    expect(() => readAll(log("/dev/sdb wait 99999999999999999999 0"))).toThrow(/t\.iolog:3: wait time \(µs\) is over 2\^53/);
    const { records, reader } = readAll(log("/dev/sdb read 18446744073709551617 1"), true);
    expect(records).toHaveLength(1);
    expect(reader.skipped).toBe(1);
  });

  it("takes a wait line with or without its (ignored) length, and refuses fields after it, naming the line", () => {
    const log = (line: string) => `fio version 2 iolog\n${line}\n/dev/sdb read 0 512\n`;
    expect(readAll(log("/dev/sdb wait 250")).records[0].issueNs).toBe(250_000);
    expect(readAll(log("/dev/sdb wait 250 0")).records[0].issueNs).toBe(250_000);
    // Accepted before, as if the junk were not there.
    expect(() => readAll(log("/dev/sdb wait 250 0 junk"))).toThrow(/t\.iolog:2: extra fields after the wait's length/);
    expect(() => readAll(log("/dev/sdb wait 250 x"))).toThrow(/t\.iolog:2: length/);
  });

  it("shows control characters of an unknown action as ?", () => {
    expect(() => readAll("fio version 2 iolog\n/dev/sdb re\u001bad 0 512\n")).toThrow(/t\.iolog:2: unknown action "re\?ad"/);
  });

  it("refuses an IO on another file than the first IO's, naming the line; skip-bad keeps the first file's", () => {
    const log =
      "fio version 2 iolog\n/dev/sda add\n/dev/sdb add\n/dev/sda read 0 4096\n/dev/sdb read 8192 4096\n/dev/sdb wait 10 0\n/dev/sda write 4096 4096\n/dev/sdab read 0 512\n";
    expect(() => readAll(log)).toThrow(
      "t.iolog:5: an IO on file /dev/sdb, but the log's IOs so far are on /dev/sda: a trace is one disk's IOs (keep one file's lines)",
    );
    const { records, reader } = readAll(log, true);
    expect(records.map((r) => r.line)).toEqual([4, 7]);
    expect(reader.skipped).toBe(2);
  });

  it("requires the version 2 header", () => {
    expect(() => readAll("fio version 3 iolog\n0 /dev/sdb read 0 4096\n")).toThrow(/only version 2/);
    expect(() => readAll("/dev/sdb read 0 4096\n")).toThrow(expect.objectContaining({ code: "VMLAB_TRACE_MALFORMED_HEADER" }));
  });

  it("rejects an empty file: it lacks the version 2 header too", () => {
    expect(() => readAll("")).toThrow(expect.objectContaining({ code: "VMLAB_TRACE_MALFORMED_HEADER" }));
    expect(() => readAll("")).toThrow(/t\.iolog: .*empty/);
  });

  it.each([
    ["/dev/sdb read 0 -4096", /t\.iolog:2: negative length/],
    ["/dev/sdb frobnicate 0 4096", /t\.iolog:2: unknown action "frobnicate"/],
    ["/dev/sdb read 0", /t\.iolog:2: missing length/],
    ["/dev/sdb read 0 4096 7", /t\.iolog:2: extra fields/],
  ])("rejects %s", (bad, message) => {
    const text = `fio version 2 iolog\n${bad}\n/dev/sdb read 0 512\n`;
    expect(() => readAll(text)).toThrow(message);
    const { records, reader } = readAll(text, true);
    expect(records.map((r) => r.line)).toEqual([3]);
    expect(reader.skipped).toBe(1);
  });

  it("an IO's issue time is the sum of all the waits before it, and a zero-length read or write is a bad line", () => {
    const { records } = readAll(
      [
        "fio version 2 iolog",
        "/dev/sdb wait 100 0",
        "/dev/sdb read 0 512",
        "/dev/sdb wait 250 0",
        "/dev/sdb wait 50",
        "/dev/sdb write 512 512",
      ].join("\n"),
    );
    expect(records.map((r) => r.issueNs)).toEqual([100_000, 400_000]);
    expect(() => readAll("fio version 2 iolog\n/dev/sdb read 0 512\n/dev/sdb read 4096 0\n")).toThrow(/t\.iolog:3: zero length/);
  });

  it("reads a wait as fio replays it by default: until n ms after the replay's start, no pause if that time has passed", () => {
    // fio's read_iolog_get (iolog.c, fio 1.35 to 3.42): usec_sleep((ipo->delay - mtime_since_genesis()) * 1000) when
    // ipo->delay, the wait's number, is past the ms since fio started; its HOWTO's "µs, relative to the previous wait"
    // is the "howto" reading.
    const text = [
      "fio version 2 iolog",
      "/dev/sdb wait 250 0",
      "/dev/sdb read 0 512",
      "/dev/sdb wait 100 0",
      "/dev/sdb read 512 512",
      "/dev/sdb wait 400",
      "/dev/sdb write 1024 512",
    ].join("\n");
    expect(readAll(text, false, {}).records.map((r) => r.issueNs)).toEqual([250_000_000, 250_000_000, 400_000_000]);
    expect(readAll(text, false, { fioWait: "fio" }).records.map((r) => r.issueNs)).toEqual([250_000_000, 250_000_000, 400_000_000]);
    expect(readAll(text, false, { fioWait: "howto" }).records.map((r) => r.issueNs)).toEqual([250_000, 350_000, 750_000]);
    // In ms a smaller number is past 2^53 ns.
    const big = "fio version 2 iolog\n/dev/sdb wait 9007199255 0\n/dev/sdb read 0 512\n";
    expect(() => readAll(big, false, { fioWait: "fio" })).toThrow(/t\.iolog:2: the wait's time is 2\^53 ns/);
    expect(readAll(big, false, { fioWait: "howto" }).records[0].issueNs).toBe(9_007_199_255_000);
  });
});
