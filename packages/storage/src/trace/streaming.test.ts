import { Rng } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { syntheticMsrTrace } from "./msr-writer.js";
import { createTraceReader } from "./open.js";
import { newTraceRecord, type TraceFormat, type TraceRecord } from "./record.js";
import { type ByteSource, bytesSource } from "./source.js";

function readAll(format: TraceFormat, source: ByteSource): TraceRecord[] {
  const reader = createTraceReader(format, source, { name: "t" });
  const out: TraceRecord[] = [];
  const rec = newTraceRecord();
  while (reader.next(rec)) out.push({ ...rec });
  return out;
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Generated traces of each format (text formats from records, vscsi v1 as bytes). */
const traces = fc.record({
  ios: fc.array(
    fc.record({
      read: fc.boolean(),
      sector: fc.integer({ min: 0, max: 1e9 }),
      blocks: fc.integer({ min: 1, max: 2048 }),
      gapUs: fc.integer({ min: 0, max: 5e6 }),
      rtUs: fc.integer({ min: 1, max: 1e5 }),
    }),
    { minLength: 1, maxLength: 40 },
  ),
});

function render(format: TraceFormat, ios: { read: boolean; sector: number; blocks: number; gapUs: number; rtUs: number }[]): Uint8Array {
  let t = 0;
  if (format === "msr")
    return enc(
      ios
        .map(
          (io) =>
            `${128166372003061629n + BigInt((t += io.gapUs * 10))},h,0,${io.read ? "Read" : "Write"},${io.sector * 512},${io.blocks * 512},${io.rtUs * 10}\n`,
        )
        .join(""),
    );
  if (format === "fio")
    return enc(
      `fio version 2 iolog\n/dev/x add\n${ios.map((io) => `/dev/x wait ${io.gapUs} 0\n/dev/x ${io.read ? "read" : "write"} ${io.sector * 512} ${io.blocks * 512}\n`).join("")}`,
    );
  if (format === "blkparse")
    return enc(
      ios
        .map((io, i) => {
          t += io.gapUs;
          const s = (us: number) => `${Math.floor(us / 1e6)}.${String((us % 1e6) * 1000).padStart(9, "0")}`;
          return `  8,0    0 ${2 * i + 1} ${s(t)} 1 D ${io.read ? "R" : "W"} ${io.sector} + ${io.blocks} [p]\n  8,0    0 ${2 * i + 2} ${s(t + io.rtUs)} 0 C ${io.read ? "R" : "W"} ${io.sector} + ${io.blocks} [0]\n`;
        })
        .join(""),
    );
  const out = new Uint8Array(ios.length * 32);
  const v = new DataView(out.buffer);
  ios.forEach((io, i) => {
    v.setUint32(i * 32 + 4, io.blocks * 512, true);
    v.setUint16(i * 32 + 12, io.read ? 0x28 : 0x2a, true);
    v.setUint16(i * 32 + 14, 0x0100, true);
    v.setUint32(i * 32 + 16, io.sector, true);
    v.setUint32(i * 32 + 24, (t += io.gapUs), true);
  });
  return out;
}

describe("streaming readers", () => {
  for (const format of ["msr", "fio", "blkparse", "vscsi"] as const) {
    it(`${format}: any chunking of the input gives the same records, which match the generated IOs`, () => {
      fc.assert(
        fc.property(traces, fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }), ({ ios }, sizes) => {
          const bytes = render(format, ios);
          const whole = readAll(format, bytesSource(bytes));
          expect(readAll(format, bytesSource(bytes, sizes))).toEqual(whole);
          expect(whole.map((r) => [r.lba, r.sectors, r.isRead])).toEqual(ios.map((io) => [io.sector, io.blocks, io.read]));
          if (format === "msr" || format === "blkparse") expect(whole.map((r) => r.responseNs)).toEqual(ios.map((io) => io.rtUs * 1000));
        }),
        { numRuns: 60 },
      );
    });
  }

  it("a large MSR file read 1 to 4,093 bytes at a time parses identically", () => {
    const bytes = enc(
      syntheticMsrTrace(new Rng(3, "s"), {
        ios: 5000,
        meanInterarrivalNs: 1e5,
        readFraction: 0.5,
        sequentialFraction: 0.5,
        diskBytes: 2 ** 34,
        medianResponseNs: 1e6,
      }),
    );
    expect(readAll("msr", bytesSource(bytes, [1, 4093, 17, 300_000, 2]))).toEqual(readAll("msr", bytesSource(bytes)));
  });
});
