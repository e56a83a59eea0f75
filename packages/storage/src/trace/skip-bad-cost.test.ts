import { afterEach, describe, expect, it, vi } from "vitest";
import { StorageErrors } from "../errors.js";
import { MsrReader } from "./msr.js";
import { newTraceRecord } from "./record.js";
import { bytesSource, textSource } from "./source.js";
import { VSCSI_V1_RECORD_BYTES, VscsiReader } from "./vscsi.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("--skip-bad over many bad lines", () => {
  it("builds the error of the first bad line only: the others are counted (the report names the first)", () => {
    // Each bad line built a VmlabError (message, stack trace, decoded line text) only for its problem to be dropped:
    // a trace of 1 M bad lines and 1 M good ones took 7.9 s, 2 M good ones 2.5 s.
    const built = vi.spyOn(StorageErrors, "traceMalformedLine");
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) lines.push(`garbage,line,${i}`, `${1000 + i},h,0,Read,${4096 * i},4096,5`);
    const reader = new MsrReader(textSource(`${lines.join("\n")}\n`), { name: "t.csv", skipBad: true });
    const rec = newTraceRecord();
    let ios = 0;
    while (reader.next(rec)) ios++;
    expect(ios).toBe(1000);
    expect(reader.skipped).toBe(1000);
    expect(reader.firstSkipped).toBe('t.csv:1: Timestamp is not a non-negative integer in "garbage,line,0"');
    expect(built).toHaveBeenCalledTimes(1);
  });

  it("vscsi: builds the first bad record's error only, and counts the rest", () => {
    const built = vi.spyOn(StorageErrors, "traceMalformedRecord");
    // Two good v1 READ(10) records set the version; then 500 with version 2 (corrupt) and one more good one.
    const n = 503;
    const bytes = new Uint8Array(n * VSCSI_V1_RECORD_BYTES);
    const v = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) {
      const at = i * VSCSI_V1_RECORD_BYTES;
      v.setUint32(at, i, true);
      v.setUint32(at + 4, 4096, true);
      v.setUint16(at + 12, 0x28, true);
      v.setUint16(at + 14, i < 2 || i === n - 1 ? 0x0100 : 0x0200, true);
      v.setUint32(at + 16, 8 * i, true);
      v.setUint32(at + 24, 1000 + i, true);
    }
    const reader = new VscsiReader(bytesSource(bytes), { name: "t.vscsi", skipBad: true });
    const rec = newTraceRecord();
    let ios = 0;
    while (reader.next(rec)) ios++;
    expect(ios).toBe(3);
    expect(reader.skipped).toBe(500);
    expect(reader.firstSkipped).toMatch(/^t\.vscsi: record \d+: version 2, where/);
    expect(built).toHaveBeenCalledTimes(1);
  });

  it("without --skip-bad the first bad line still stops the read with its error", () => {
    const reader = new MsrReader(textSource("1,h,0,Read,0,512,5\nbad\n"), { name: "t.csv" });
    const rec = newTraceRecord();
    expect(reader.next(rec)).toBe(true);
    expect(() => reader.next(rec)).toThrow(
      expect.objectContaining({ code: "VMLAB_TRACE_MALFORMED_LINE", message: expect.stringMatching(/^t\.csv:2: /) }),
    );
  });
});
