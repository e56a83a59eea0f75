import { describe, expect, it } from "vitest";
import { FioReader } from "./fio.js";
import { MsrReader } from "./msr.js";
import { newTraceRecord, type TraceReader, type TraceRecord } from "./record.js";
import { bytesSource, textSource } from "./source.js";
import { VSCSI_V1_RECORD_BYTES, VscsiReader } from "./vscsi.js";

function readAll<R extends TraceReader>(reader: R): { records: TraceRecord[]; reader: R } {
  const records: TraceRecord[] = [];
  const rec = newTraceRecord();
  while (reader.next(rec)) records.push({ ...rec });
  return { records, reader };
}

const msr = (text: string, skipBad = false) => readAll(new MsrReader(textSource(text), { name: "t.csv", skipBad }));
const fio = (text: string) => readAll(new FioReader(textSource(text), { name: "t.iolog" }));

/** v1 records (32 B: u32 sn, u32 len, u32 nSG, u16 cmd, u16 ver, u64 lbn, u64 ts), one 4 KiB command each at LBN 8·i, 100 µs apart. */
function v1(cmds: number[], firstSn: number): Uint8Array {
  const out = new Uint8Array(cmds.length * VSCSI_V1_RECORD_BYTES);
  const v = new DataView(out.buffer);
  cmds.forEach((cmd, i) => {
    const at = i * VSCSI_V1_RECORD_BYTES;
    v.setUint32(at, firstSn + i, true);
    v.setUint32(at + 4, 4096, true);
    v.setUint32(at + 8, 1, true);
    v.setUint16(at + 12, cmd, true);
    v.setUint16(at + 14, 0x0100, true);
    v.setUint32(at + 16, 8 * i, true);
    v.setUint32(at + 24, 1000 + 100 * i, true);
  });
  return out;
}

describe("MSR Cambridge reader: the line's shape", () => {
  it("refuses a trailing comma (an empty 8th field), naming the line", () => {
    expect(() => msr("1,h,0,Read,0,512,5\n2,h,0,Read,512,512,5,\n")).toThrow(
      expect.objectContaining({ code: "VMLAB_TRACE_MALFORMED_LINE", message: expect.stringMatching(/^t\.csv:2: more than 7 fields/) }),
    );
  });

  it("skips a UTF-8 byte order mark on the first line only: one inside the file is a bad line", () => {
    expect(msr("\ufeff1,h,0,Read,0,512,5\n").records).toHaveLength(1);
    expect(() => msr("1,h,0,Read,0,512,5\n\ufeff2,h,0,Read,0,512,5\n")).toThrow(/^t\.csv:2: Timestamp is not a non-negative integer/);
  });

  it("with skip-bad, keeps the FIRST bad line's problem for the report, and counts every one", () => {
    const { records, reader } = msr("1,h,0,Read,0,512,5\n2,h,0,Read,0,0,5\n3,h,0,Read,0,512,5\n4,h,0,Rd,0,512,5\n", true);
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(reader.skipped).toBe(2);
    expect(reader.firstSkipped).toMatch(/t\.csv:2: zero Size/);
  });
});

describe("fio iolog v2 reader: actions that carry no data", () => {
  it("ignores sync, datasync, sync_file_range and trim lines (counted as ignored), the IOs around them read", () => {
    const { records, reader } = fio(
      "fio version 2 iolog\n/dev/sdb add\n/dev/sdb open\n/dev/sdb write 0 4096\n/dev/sdb sync 0 0\n/dev/sdb datasync 0 0\n/dev/sdb sync_file_range 0 4096\n/dev/sdb trim 0 4096\n/dev/sdb read 4096 4096\n/dev/sdb close\n",
    );
    expect(records.map((r) => [r.line, r.isRead, r.lba])).toEqual([
      [4, false, 0],
      [9, true, 8],
    ]);
    expect(reader.ignored).toBe(8); // the header, add, open, 4 syncs/trim, close
  });
});

describe("vscsi reader: what libCacheSim reads", () => {
  it("reads the SCSI opcode from cmd's low byte only (the high byte is not interpreted)", () => {
    const { records } = readAll(new VscsiReader(bytesSource(v1([0x0128, 0xff2a], 1)), { name: "t.vscsi" }));
    expect(records.map((r) => r.isRead)).toEqual([true, false]);
  });

  it("tells v1 from v2 by the first TWO records: a v1 file whose first bytes look like a v2 record is read as v1", () => {
    // sn 0x02000000: bytes 2..3 of the first record, v2's `ver`, read 0x0200; the second 40-byte slot's do not.
    const { records, reader } = readAll(new VscsiReader(bytesSource(v1([0x28, 0x2a, 0x28], 0x02000000)), { name: "t.vscsi" }));
    expect(reader.version).toBe(1);
    expect(records.map((r) => [r.lba, r.issueNs, r.isRead])).toEqual([
      [0, 0, true],
      [8, 100_000, false],
      [16, 200_000, true],
    ]);
  });
});
