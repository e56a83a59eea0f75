import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MsrReader } from "./msr.js";
import { writeMsrTrace } from "./msr-writer.js";
import { newTraceRecord, type TraceRecord, type TraceRecordSource } from "./record.js";
import { bytesSource, textSource } from "./source.js";
import { VscsiReader } from "./vscsi.js";
import { VSCSI_EPOCH_US, writeVscsiTrace } from "./vscsi-writer.js";

function source(records: TraceRecord[]): TraceRecordSource {
  let i = 0;
  return {
    next(rec) {
      if (i >= records.length) return false;
      Object.assign(rec, records[i++]);
      return true;
    },
  };
}

function readAll(reader: VscsiReader | MsrReader): TraceRecord[] {
  const out: TraceRecord[] = [];
  const rec = newTraceRecord();
  while (reader.next(rec)) out.push({ ...rec });
  return out;
}

/** Whole-µs records, as the writers require for an exact round trip; LBAs beyond 2^32 need READ/WRITE(16). */
const records = fc
  .array(
    fc.record({
      gapUs: fc.integer({ min: 0, max: 10 ** 7 }),
      lba: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 70_000 }), fc.integer({ min: 0, max: 2 ** 45 })),
      sectors: fc.integer({ min: 1, max: 70_000 }),
      isRead: fc.boolean(),
      responseUs: fc.integer({ min: 0, max: 10 ** 7 }),
    }),
    { minLength: 1, maxLength: 50 },
  )
  .map((raw) => {
    let t = 0;
    return raw.map(
      (r, i): TraceRecord => ({
        issueNs: (t += r.gapUs) * 1000 - raw[0].gapUs * 1000,
        lba: r.lba,
        bytes: r.sectors * 512,
        sectors: r.sectors,
        isRead: r.isRead,
        responseNs: r.responseUs * 1000,
        line: i + 1,
      }),
    );
  });

describe("trace writers", () => {
  it("property: records written as vscsi v2, v1 and MSR CSV read back unchanged (v1 without response times)", () => {
    fc.assert(
      fc.property(records, (recs) => {
        const v2 = readAll(new VscsiReader(bytesSource(writeVscsiTrace(source(recs), 2)), { name: "t.vscsi" }));
        expect(v2).toEqual(recs);
        const v1 = readAll(new VscsiReader(bytesSource(writeVscsiTrace(source(recs), 1)), { name: "t.vscsi" }));
        expect(v1).toEqual(recs.map((r) => ({ ...r, responseNs: -1 })));
        const msr = readAll(new MsrReader(textSource(writeMsrTrace(source(recs))), { name: "t.csv" }));
        expect(msr).toEqual(recs);
      }),
      { numRuns: 100 },
    );
  });

  it("lays out v2 records as the reader expects: READ(10) while the LBA fits 32 bits, READ(16)/WRITE(16) beyond", () => {
    const recs: TraceRecord[] = [
      { issueNs: 0, lba: 2 ** 32 - 8, bytes: 4096, sectors: 8, isRead: true, responseNs: 250_000, line: 1 },
      { issueNs: 3000, lba: 2 ** 32 - 4, bytes: 4096, sectors: 8, isRead: false, responseNs: 7000, line: 2 },
    ];
    const bytes = writeVscsiTrace(source(recs), 2);
    const v = new DataView(bytes.buffer);
    expect(bytes.length).toBe(80);
    expect([v.getUint16(0, true), v.getUint16(2, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)]).toEqual([
      0x28, 0x0200, 1, 4096, 1,
    ]);
    expect(v.getUint32(16, true)).toBe(2 ** 32 - 8);
    expect(v.getUint32(24, true) + v.getUint32(28, true) * 2 ** 32).toBe(VSCSI_EPOCH_US);
    expect(v.getUint32(32, true)).toBe(250);
    expect(v.getUint16(40, true)).toBe(0x8a); // ends past 2^32 sectors: WRITE(16)
    expect(v.getUint32(40 + 24, true) + v.getUint32(40 + 28, true) * 2 ** 32).toBe(VSCSI_EPOCH_US + 3);
  });
});
