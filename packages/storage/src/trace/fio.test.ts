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

  it("refuses a wait line without its (ignored) length, or with fields after it, naming the line, as fio skips it", () => {
    // fio's read_iolog takes a version 2 IO action only with all four fields (sscanf's r == 4): "wait 250" is logged
    // as "bad iolog2" and skipped, so fio does not wait there; read as a wait, it held the next IO back 250 ms.
    const log = (line: string) => `fio version 2 iolog\n${line}\n/dev/sdb read 0 512\n`;
    expect(() => readAll(log("/dev/sdb wait 250"))).toThrow(/t\.iolog:2: missing length/);
    const skipped = readAll(log("/dev/sdb wait 250"), true);
    expect(skipped.records[0].issueNs).toBe(0);
    expect(skipped.reader.skipped).toBe(1);
    expect(readAll(log("/dev/sdb wait 250 0")).records[0].issueNs).toBe(250_000);
    // Accepted before, as if the junk were not there.
    expect(() => readAll(log("/dev/sdb wait 250 0 junk"))).toThrow(/t\.iolog:2: extra fields after the length/);
    expect(() => readAll(log("/dev/sdb wait 250 x"))).toThrow(/t\.iolog:2: length/);
  });

  it("takes file actions without fields and other IO actions with their offset and length, as fio's sscanf counts them", () => {
    const log = (line: string) => `fio version 2 iolog\n${line}\n/dev/sdb read 0 512\n`;
    expect(() => readAll(log("/dev/sdb open 0 0"))).toThrow(/t\.iolog:2: fields after the file action "open"/);
    expect(() => readAll(log("/dev/sdb sync"))).toThrow(/t\.iolog:2: missing offset/);
    expect(() => readAll(log("/dev/sdb trim 0"))).toThrow(/t\.iolog:2: missing length/);
    expect(readAll(log("/dev/sdb datasync 0 0")).reader.ignored).toBe(2);
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

  it("requires a version 2 or 3 header", () => {
    // Of the right format: the error does not send the user to check --format.
    expect(() => readAll("fio version 1 iolog\n/dev/sdb read 0 4096\n")).toThrow(
      't.iolog: a fio iolog of a version vmlab does not read: "fio version 1 iolog" (vmlab reads versions 2 and 3, as fio does)',
    );
    expect(() => readAll("fio version 1 iolog\n")).not.toThrow(/--format/);
    expect(() => readAll("constructor\n")).toThrow(/not a fio iolog: first line is not/);
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
        "/dev/sdb wait 50 0",
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
      "/dev/sdb wait 400 0",
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

describe("fio iolog v3 reader (what write_iolog= writes since fio 3.31)", () => {
  // iolog.c: log_io_u and log_file print "%llu %s %s [%llu %llu]" with utime_since_now(&td->io_log_start_time) first.
  const v3 = [
    "fio version 3 iolog",
    "0 /dev/sdb add",
    "12 /dev/sdb open",
    "120 /dev/sdb write 0 4096",
    "351 /dev/sdb read 4096 4096",
    "1204 /dev/sdb close",
  ];

  it("times each IO as fio replays it: each line's delay after the line before, none after a time of 0", () => {
    // delay_since_ttime: the open follows a line of time 0 (no delay), the write comes 108 µs after the open, the read 231 µs later.
    const { records, reader } = readAll(v3.join("\n"));
    expect(records).toEqual([
      { issueNs: 108_000, lba: 0, bytes: 4096, sectors: 8, isRead: false, responseNs: -1, line: 4 },
      { issueNs: 339_000, lba: 8, bytes: 4096, sectors: 8, isRead: true, responseNs: -1, line: 5 },
    ]);
    expect(reader.ignored).toBe(4);
    expect(reader.backToBack).toBe(false);
  });

  it("gives no delay for a time earlier than the line before's (delay_since_ttime's time < last_ttime)", () => {
    const text = [
      "fio version 3 iolog",
      "100 /dev/sdb read 0 512",
      "500 /dev/sdb read 512 512",
      "300 /dev/sdb read 1024 512",
      "400 /dev/sdb read 1536 512",
    ].join("\n");
    expect(readAll(text).records.map((r) => r.issueNs)).toEqual([0, 400_000, 400_000, 500_000]);
  });

  it("refuses a wait line (fio ignores one in version 3) and a line without its time; a skipped line's delay is lost, as fio's is", () => {
    const text = (line: string) => `fio version 3 iolog\n10 /dev/sdb read 0 512\n${line}\n60 /dev/sdb read 512 512\n`;
    expect(() => readAll(text("40 /dev/sdb wait 5 0"))).toThrow(/t\.iolog:3: a wait line in a version 3 log/);
    expect(() => readAll(text("/dev/sdb read 0 512"))).toThrow(/t\.iolog:3: time \(µs\) is not a non-negative integer/);
    // fio keeps the skipped line's time as the next line's reference, but its 30 µs delay hangs on no queued piece:
    // the second read goes 20 µs (60 − 40) after the first, not 50.
    for (const bad of ["40 /dev/sdb wait 5 0", "40 /dev/sdb bogus 0 512"]) {
      const { records, reader } = readAll(text(bad), true);
      expect(
        records.map((r) => r.issueNs),
        bad,
      ).toEqual([0, 20_000]);
      expect(reader.skipped).toBe(1);
    }
    // A line fio takes without data (a file action, a trim) keeps its delay; sync_file_range, which fio does not read back, does not.
    expect(readAll(text("40 /dev/sdb trim 0 512")).records.map((r) => r.issueNs)).toEqual([0, 50_000]);
    expect(readAll(text("40 /dev/sdb close")).records.map((r) => r.issueNs)).toEqual([0, 50_000]);
    expect(readAll(text("40 /dev/sdb sync_file_range 0 512")).records.map((r) => r.issueNs)).toEqual([0, 20_000]);
  });

  it("says whether the log went back to back before its first IO is read (a replay asks first), reading the version line", () => {
    const reader = (text: string) => new FioReader(textSource(text), { name: "t.iolog" });
    expect(reader("fio version 2 iolog\n/dev/sdb read 0 512\n").backToBack).toBe(true);
    const r3 = reader(`${v3.join("\n")}\n`);
    expect(r3.backToBack).toBe(false);
    const rec = newTraceRecord();
    expect(r3.next(rec)).toBe(true);
    expect(rec).toMatchObject({ line: 4, issueNs: 108_000 });
    // A file that is not a fio iolog is refused there, and closed.
    let closed = 0;
    const source = { ...textSource("not a log\n"), close: () => void closed++ };
    expect(() => new FioReader(source, { name: "t.iolog" }).backToBack).toThrow(/t\.iolog: not a fio iolog: first line is not/);
    expect(closed).toBe(1);
    expect(() => reader("").backToBack).toThrow(/t\.iolog: .*empty/);
  });
});
