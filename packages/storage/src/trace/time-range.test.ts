import { describe, expect, it } from "vitest";
import { BlkparseReader } from "./blkparse.js";
import { FioReader } from "./fio.js";
import { MsrReader } from "./msr.js";
import { newTraceRecord, type TraceReader, type TraceRecord } from "./record.js";
import { bytesSource, textSource } from "./source.js";
import { VscsiReader } from "./vscsi.js";

function readAll(reader: TraceReader): TraceRecord[] {
  const records: TraceRecord[] = [];
  const rec = newTraceRecord();
  while (reader.next(rec)) records.push({ ...rec });
  return records;
}

const msr = (text: string, skipBad = false) => new MsrReader(textSource(text), { name: "t.csv", skipBad });
const blkparse = (text: string) => new BlkparseReader(textSource(text), { name: "t.txt" });
/** The HOWTO's reading of a wait (µs, added up): the one whose sum can pass 2^53 ns. */
const fio = (text: string) => new FioReader(textSource(text), { name: "t.iolog", fioWait: "howto" });

/** A `.vscsi` v2 file of READ(10)s of 4 KiB: `[ts, rt]` in µs per record. */
function vscsi(records: [number, number][]) {
  const bytes = new Uint8Array(40 * records.length);
  const v = new DataView(bytes.buffer);
  records.forEach(([ts, rt], i) => {
    const at = 40 * i;
    v.setUint16(at, 0x28, true);
    v.setUint16(at + 2, 2 << 8, true);
    v.setUint32(at + 8, 4096, true);
    v.setUint32(at + 16, 8 * i, true);
    v.setBigUint64(at + 24, BigInt(ts), true);
    v.setBigUint64(at + 32, BigInt(rt), true);
  });
  return new VscsiReader(bytesSource(bytes), { name: "t.vscsi" });
}

/**
 * Times are doubles in ns: past 2^53 ns (about 104 days) a double rounds them, so IOs 1 µs apart came out 0 or
 * 10 µs apart and their interarrival histogram was silently wrong. Such a time is refused, naming the line.
 */
describe("trace readers refuse a time past 2^53 ns instead of rounding it", () => {
  it("msr: a Timestamp 2^53 ns or more after the first record's, naming the line", () => {
    // 10^17 ticks = 10^19 ns after the first: the next two IOs, 1 µs apart, were read 0 and 10 µs apart.
    const far = "0,h,0,Read,0,4096,1\n100000000000000000,h,0,Read,4096,4096,1\n100000000000000010,h,0,Read,8192,4096,1\n";
    expect(() => readAll(msr(far))).toThrow(/^t\.csv:2: Timestamp is 2\^53 ns \(about 104 days\) or more from the first record's/);
    // Before the first record by as much: refused too.
    expect(() => readAll(msr("100000000000000000,h,0,Read,0,4096,1\n0,h,0,Read,4096,4096,1\n"))).toThrow(
      /^t\.csv:2: Timestamp is 2\^53 ns/,
    );
    // --skip-bad skips it and keeps the IOs within range.
    const skipping = msr(far, true);
    expect(readAll(skipping).map((r) => r.line)).toEqual([1]);
    expect(skipping.skipped).toBe(2);
    // Just inside the range (2^53 ns = 90071992547409.92 ticks) is kept, exactly.
    const near = readAll(msr("0,h,0,Read,0,512,1\n90071992547409,h,0,Read,512,512,1\n"));
    expect(near[1].issueNs).toBe(9007199254740900);
  });

  it("msr: a ResponseTime of 2^53 ns or more, naming the line", () => {
    expect(() => readAll(msr("0,h,0,Read,0,4096,90071992547410\n"))).toThrow(
      /^t\.csv:1: ResponseTime is 2\^53 ns \(about 104 days\) or more/,
    );
    expect(readAll(msr("0,h,0,Read,0,4096,90071992547409\n"))[0].responseNs).toBe(9007199254740900);
  });

  it("blkparse: a time of 2^53 ns or more, naming the line", () => {
    const line = (n: number, time: string, sector: number) => `  8,0    1 ${n} ${time}  1234  D   R ${sector} + 8 [fio]\n`;
    const far = line(1, "0.000000000", 0) + line(2, "9999999999.000001000", 8) + line(3, "9999999999.000002000", 16);
    expect(() => readAll(blkparse(far))).toThrow(/^t\.txt:2: time is 2\^53 ns \(about 104 days\) or more/);
    expect(readAll(blkparse(line(1, "9007199.254740991", 0)))[0].issueNs).toBe(9007199254740991);
  });

  it("vscsi: a ts 2^53 ns or more from the first record's, or an rt that long, naming the record", () => {
    // ts is in µs and was only checked against 2^53 µs: 10^15 µs after the first, IOs 1 µs apart were 0 or 2 µs apart.
    expect(() =>
      readAll(
        vscsi([
          [0, 1],
          [1e15, 1],
          [1e15 + 1, 1],
        ]),
      ),
    ).toThrow(/^t\.vscsi: record 2: ts is 2\^53 ns \(about 104 days\) or more from the first record's/);
    expect(() => readAll(vscsi([[0, 9_007_199_254_741]]))).toThrow(/^t\.vscsi: record 1: rt is 2\^53 ns \(about 104 days\) or more/);
    const near = readAll(
      vscsi([
        [5, 9_007_199_254_740],
        [9_007_199_254_745, 1],
      ]),
    );
    expect(near.map((r) => [r.issueNs, r.responseNs])).toEqual([
      [0, 9_007_199_254_740_000],
      [9_007_199_254_740_000, 1000],
    ]);
  });

  it("fio: waits adding up to 2^53 ns or more, naming the line", () => {
    const log = (waitUs: number) => `fio version 2 iolog\n/dev/sda add\n/dev/sda wait ${waitUs} 0\n/dev/sda read 0 4096\n`;
    expect(() => readAll(fio(log(9_007_199_254_741)))).toThrow(/^t\.iolog:3: the waits add up to 2\^53 ns \(about 104 days\) or more/);
    expect(readAll(fio(log(9_007_199_254_740)))[0].issueNs).toBe(9_007_199_254_740_000);
  });
});
