import { VmlabError } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTraceReader } from "./open.js";
import { newTraceRecord, type TraceFormat, type TraceRecord } from "./record.js";
import { type ByteSource, bytesSource } from "./source.js";

/**
 * Fuzzing the trace readers with corrupted input built from valid records: every input either
 * gives records that keep the readers' invariants, or a VmlabError naming the file and the line
 * (record); never another exception, and the same outcome however the bytes arrive in chunks.
 */

const NAME = "fuzz.trace";
const enc = (s: string) => new TextEncoder().encode(s);

interface Outcome {
  records: TraceRecord[];
  error: string | null;
  code: string | null;
  skipped: number;
  ignored: number;
}

function readAll(format: TraceFormat, source: ByteSource, skipBad = false): Outcome {
  const reader = createTraceReader(format, source, { name: NAME, skipBad });
  const records: TraceRecord[] = [];
  const rec = newTraceRecord();
  try {
    for (let guard = 0; reader.next(rec); guard++) {
      if (guard > 1e6) throw new Error("reader does not end");
      records.push({ ...rec });
    }
  } catch (e) {
    if (!(e instanceof VmlabError)) throw e;
    return { records, error: e.message, code: e.code, skipped: reader.skipped, ignored: reader.ignored };
  }
  return { records, error: null, code: null, skipped: reader.skipped, ignored: reader.ignored };
}

/** The invariants every reader documents for its records. */
function checkRecord(format: TraceFormat, r: TraceRecord): void {
  const where = `${format} record from line ${r.line}: ${JSON.stringify(r)}`;
  expect(Number.isSafeInteger(r.lba) && r.lba >= 0, where).toBe(true);
  expect(Number.isSafeInteger(r.sectors) && r.sectors >= 1, where).toBe(true);
  expect(Number.isInteger(r.bytes) && r.bytes >= 1, where).toBe(true);
  // Sectors from lba to the sector holding the last byte: at least the bytes' sectors, at most one more.
  expect(r.sectors >= Math.ceil(r.bytes / 512) && r.sectors <= Math.ceil(r.bytes / 512) + 1, where).toBe(true);
  expect(Number.isFinite(r.issueNs), where).toBe(true);
  expect(r.responseNs === -1 || (Number.isFinite(r.responseNs) && r.responseNs >= 0), where).toBe(true);
  expect(Number.isSafeInteger(r.line) && r.line >= 1, where).toBe(true);
  if (format === "fio") expect(r.issueNs >= 0 && r.responseNs === -1, where).toBe(true);
}

/** An error must name the file and a line or record (or be a whole-file problem: its header, or blkparse Q events and no D). */
function checkError(o: Outcome): void {
  if (o.error === null) return;
  if (o.code === "VMLAB_TRACE_MALFORMED_HEADER" || o.code === "VMLAB_TRACE_BAD_EVENTS") {
    expect(o.error.startsWith(`${NAME}: `), o.error).toBe(true);
    return;
  }
  expect(o.error, o.error).toMatch(new RegExp(`^${NAME.replace(".", "\\.")}(:\\d+: |: record \\d+)`));
}

// ---- valid traces ----

const io = fc.record({
  read: fc.boolean(),
  sector: fc.integer({ min: 0, max: 2e9 }),
  inSector: fc.integer({ min: 0, max: 511 }),
  bytes: fc.integer({ min: 1, max: 1 << 20 }),
  gapUs: fc.integer({ min: 0, max: 5e6 }),
  rtUs: fc.integer({ min: 1, max: 1e5 }),
});
type Io = typeof io extends fc.Arbitrary<infer T> ? T : never;

function textLines(format: Exclude<TraceFormat, "vscsi">, ios: Io[]): string[] {
  let t = 0;
  if (format === "msr")
    return [
      "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime",
      ...ios.map(
        (x) =>
          `${128166372003061629n + BigInt((t += x.gapUs * 10))},usr,0,${x.read ? "Read" : "Write"},${x.sector * 512 + x.inSector},${x.bytes},${x.rtUs * 10}`,
      ),
    ];
  if (format === "fio")
    return [
      "fio version 2 iolog",
      "/dev/sdb add",
      "/dev/sdb open",
      ...ios.flatMap((x) => [
        `/dev/sdb wait ${x.gapUs} 0`,
        `/dev/sdb ${x.read ? "read" : "write"} ${x.sector * 512 + x.inSector} ${x.bytes}`,
      ]),
      "/dev/sdb close",
    ];
  const s = (us: number) => `${Math.floor(us / 1e6)}.${String((us % 1e6) * 1000).padStart(9, "0")}`;
  return [
    ...ios.flatMap((x, i) => {
      t += x.gapUs;
      const blocks = Math.ceil(x.bytes / 512);
      const rw = x.read ? "R" : "W";
      return [
        `  8,0    0 ${3 * i + 1} ${s(t)} 1 Q ${rw} ${x.sector} + ${blocks} [fio]`,
        `  8,0    0 ${3 * i + 2} ${s(t)} 1 D ${rw} ${x.sector} + ${blocks} [fio]`,
        `  8,0    0 ${3 * i + 3} ${s(t + x.rtUs)} 0 C ${rw} ${x.sector} + ${blocks} [0]`,
      ];
    }),
    "CPU0 (8,0):",
    " Reads Queued:           0,        0KiB  Writes Queued:           0,        0KiB",
  ];
}

function vscsiBytes(version: 1 | 2, ios: Io[]): Uint8Array {
  const size = version === 2 ? 40 : 32;
  const out = new Uint8Array(ios.length * size);
  const v = new DataView(out.buffer);
  let t = 1_000_000;
  ios.forEach((x, i) => {
    const at = i * size;
    const cmd = x.read ? 0x28 : 0x2a;
    if (version === 2) {
      v.setUint16(at, cmd, true);
      v.setUint16(at + 2, 0x0200, true);
      v.setUint32(at + 4, i, true);
      v.setUint32(at + 8, x.bytes, true);
      v.setBigUint64(at + 32, BigInt(x.rtUs), true);
    } else {
      v.setUint32(at, i, true);
      v.setUint32(at + 4, x.bytes, true);
      v.setUint16(at + 12, cmd, true);
      v.setUint16(at + 14, 0x0100, true);
    }
    v.setBigUint64(at + 16, BigInt(x.sector), true);
    v.setBigUint64(at + 24, BigInt((t += x.gapUs)), true);
  });
  return out;
}

// ---- corruptions ----

const hostile = fc.constantFrom(
  "-1",
  "-0",
  "NaN",
  "Infinity",
  "1e5",
  "1.5",
  "0x10",
  "+7",
  "",
  " ",
  "99999999999999999999999999",
  "9007199254740993",
  "18446744073709551616",
  "\u0000",
  "\uFEFF",
  "\u00ff\u00fe",
  "read",
  "Write",
  ",",
  "\t",
);

type LineMutation =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; at: number; byte: number }
  | { kind: "dropField"; field: number }
  | { kind: "dupField"; field: number }
  | { kind: "setField"; field: number; value: string }
  | { kind: "garbage"; bytes: number[] }
  | { kind: "swap"; other: number };

const lineMutation: fc.Arbitrary<LineMutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(200) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(200), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("dropField" as const), field: fc.nat(12) }),
  fc.record({ kind: fc.constant("dupField" as const), field: fc.nat(12) }),
  fc.record({ kind: fc.constant("setField" as const), field: fc.nat(12), value: hostile }),
  fc.record({ kind: fc.constant("garbage" as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant("swap" as const), other: fc.nat(200) }),
);

/** Applies a mutation to line `k` (on its UTF-8 bytes for byte-level ones). */
function mutateLines(format: TraceFormat, lines: string[], k: number, m: LineMutation): Uint8Array[] {
  const out = lines.map(enc);
  const sep = format === "msr" ? "," : " ";
  const line = lines[k];
  const fields = line.split(sep);
  switch (m.kind) {
    case "truncate":
      out[k] = out[k].subarray(0, m.at % (out[k].length + 1));
      break;
    case "flip": {
      if (out[k].length === 0) break;
      const b = out[k].slice();
      b[m.at % b.length] = m.byte === 10 ? 11 : m.byte;
      out[k] = b;
      break;
    }
    case "dropField":
      fields.splice(m.field % fields.length, 1);
      out[k] = enc(fields.join(sep));
      break;
    case "dupField": {
      const f = m.field % fields.length;
      fields.splice(f, 0, fields[f]);
      out[k] = enc(fields.join(sep));
      break;
    }
    case "setField":
      fields[m.field % fields.length] = m.value.replace(/\n/g, "");
      out[k] = enc(fields.join(sep));
      break;
    case "garbage":
      out[k] = Uint8Array.from(m.bytes.map((b) => (b === 10 ? 0 : b)));
      break;
    case "swap": {
      const o = m.other % out.length;
      [out[k], out[o]] = [out[o], out[k]];
      break;
    }
  }
  return out;
}

const ending = fc.record({ crlf: fc.boolean(), finalNewline: fc.boolean(), bom: fc.boolean() });

function join(lines: Uint8Array[], e: { crlf: boolean; finalNewline: boolean; bom: boolean }): Uint8Array {
  const nl = e.crlf ? enc("\r\n") : enc("\n");
  const parts: Uint8Array[] = [];
  if (e.bom) parts.push(Uint8Array.of(0xef, 0xbb, 0xbf));
  lines.forEach((l, i) => {
    parts.push(l);
    if (i < lines.length - 1 || e.finalNewline) parts.push(nl);
  });
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 67 }), { minLength: 1, maxLength: 6 });

/** The full property for one input: invariants or a named error; chunking and --skip-bad agree. */
function checkInput(format: TraceFormat, bytes: Uint8Array, sizes: number[]): void {
  const whole = readAll(format, bytesSource(bytes));
  checkError(whole);
  for (const r of whole.records) checkRecord(format, r);
  const chunked = readAll(format, bytesSource(bytes, sizes));
  expect(chunked).toEqual(whole);
  const lenient = readAll(format, bytesSource(bytes), true);
  expect(readAll(format, bytesSource(bytes, sizes), true)).toEqual(lenient);
  checkError(lenient);
  for (const r of lenient.records) checkRecord(format, r);
  if (whole.error === null) {
    expect(lenient).toEqual(whole);
  } else if (whole.code === "VMLAB_TRACE_MALFORMED_LINE" || whole.code === "VMLAB_TRACE_TRUNCATED_RECORD") {
    // The good records before the first bad line are the same; the bad one is counted.
    expect(lenient.skipped).toBeGreaterThanOrEqual(1);
    expect(lenient.records.slice(0, whole.records.length)).toEqual(whole.records);
  }
}

const RUNS = 150;

describe("trace readers under corrupted input", () => {
  for (const format of ["msr", "fio", "blkparse"] as const) {
    it(`${format}: one corrupted line gives valid records or an error naming the line, whatever the chunking`, () => {
      fc.assert(
        fc.property(fc.array(io, { minLength: 1, maxLength: 8 }), fc.nat(), lineMutation, ending, chunkSizes, (ios, kRaw, m, e, sizes) => {
          const lines = textLines(format, ios);
          const k = kRaw % lines.length;
          const bytes = join(mutateLines(format, lines, k, m), e);
          checkInput(format, bytes, sizes);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${format}: a valid trace with CRLF, no final newline or a UTF-8 BOM reads as the plain one`, () => {
      fc.assert(
        fc.property(fc.array(io, { minLength: 1, maxLength: 6 }), ending, chunkSizes, (ios, e, sizes) => {
          const lines = textLines(format, ios);
          const plain = readAll(format, bytesSource(join(lines.map(enc), { crlf: false, finalNewline: true, bom: false })));
          expect(plain.error).toBeNull();
          const bytes = join(lines.map(enc), e);
          checkInput(format, bytes, sizes);
          expect(readAll(format, bytesSource(bytes, sizes)).records).toEqual(plain.records);
        }),
        { numRuns: 60 },
      );
    });

    it(`${format}: a file cut at any byte gives valid records or an error naming the line`, () => {
      fc.assert(
        fc.property(fc.array(io, { minLength: 1, maxLength: 6 }), fc.nat(), chunkSizes, (ios, cutRaw, sizes) => {
          const bytes = join(textLines(format, ios).map(enc), { crlf: false, finalNewline: true, bom: false });
          checkInput(format, bytes.subarray(0, cutRaw % (bytes.length + 1)), sizes);
        }),
        { numRuns: 80 },
      );
    });

    it(`${format}: binary garbage gives an error naming the line (or is ignored), never a crash`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), chunkSizes, (bytes, sizes) => checkInput(format, bytes, sizes)),
        { numRuns: 100 },
      );
    });
  }

  it("msr: with --skip-bad, exactly the lines a strict reading of the format accepts become records, field for field", () => {
    // An independent oracle: a line is a record iff it has the 7 fields with digits where numbers go, Type Read/Write, Size > 0, numbers below 2^53,
    // times (ResponseTime, Timestamp from the first record's) below 2^53 ns, and the volume (Hostname, DiskNumber) of the first record.
    const LINE = /^(\d{1,24}),([^,]*),(\d+),(read|write),(\d+),(\d+),(\d+)$/i;
    fc.assert(
      fc.property(fc.array(io, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.nat(), lineMutation, (ios, header, kRaw, m) => {
        const lines = textLines("msr", ios).slice(header ? 0 : 1);
        const k = kRaw % lines.length;
        const mutated = mutateLines("msr", lines, k, m);
        const got = readAll("msr", bytesSource(join(mutated, { crlf: false, finalNewline: true, bom: false })), true);
        const dec = new TextDecoder("utf-8", { ignoreBOM: true });
        const expected: [number, number, number, boolean][] = [];
        let bad = 0;
        let volume: string | undefined;
        let base: bigint | undefined;
        mutated.forEach((b, i) => {
          if (b.includes(10)) return; // a mutation that added a line: skip the check below
          // A CR before the newline ends the line too; a byte order mark opens the file.
          const text = dec
            .decode(b)
            .replace(/\r$/, "")
            .replace(i === 0 ? /^\uFEFF/ : /^$/, "");
          if (text === "" || (i === 0 && /^timestamp/i.test(text))) return;
          const f = LINE.exec(text);
          // A number a double does not hold exactly is refused; so is an extent past 2^53 bytes unless it is whole sectors below 2^62.
          const inexact = (x: string) => BigInt(x) !== BigInt(Number(x));
          const wholeSectors = (o: bigint, n: bigint) =>
            o + n <= 2n ** 53n - 1n || (o % 512n === 0n && n % 512n === 0n && o + n <= 2n ** 62n);
          if (
            !f ||
            Number(f[6]) === 0 ||
            inexact(f[3]) ||
            inexact(f[5]) ||
            inexact(f[6]) ||
            inexact(f[7]) ||
            !wholeSectors(BigInt(f[5]), BigInt(f[6]))
          ) {
            bad++;
            return;
          }
          // Times are kept in ns: a ResponseTime, or a Timestamp from the first record's, of 2^53 ns or more is refused.
          const maxTicks = (2n ** 53n - 1n) / 100n;
          if (BigInt(f[7]) > maxTicks) {
            bad++;
            return;
          }
          volume ??= `${f[2]},${Number(f[3])}`;
          if (`${f[2]},${Number(f[3])}` !== volume) {
            bad++;
            return;
          }
          base ??= BigInt(f[1]);
          const ticks = BigInt(f[1]) - base;
          if (ticks > maxTicks || -ticks > maxTicks) {
            bad++;
            return;
          }
          const off = Number(f[5]);
          const size = Number(f[6]);
          expected.push([
            i + 1,
            Math.floor(off / 512),
            Math.ceil((off + size) / 512) - Math.floor(off / 512),
            f[4].toLowerCase() === "read",
          ]);
        });
        if (mutated.some((b) => b.includes(10))) return;
        expect(got.error).toBeNull();
        expect(got.records.map((r) => [r.line, r.lba, r.sectors, r.isRead])).toEqual(expected);
        expect(got.skipped).toBe(bad);
      }),
      { numRuns: RUNS },
    );
  });

  it("vscsi: flipped bytes, a cut file or a bad header give valid records or an error naming the record", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1 as const, 2 as const),
        fc.array(io, { minLength: 0, maxLength: 8 }),
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        chunkSizes,
        (version, ios, flips, cut, sizes) => {
          let bytes = vscsiBytes(version, ios);
          for (const f of flips) if (bytes.length > 0) bytes[f.at % bytes.length] = f.byte;
          if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          checkInput("vscsi", bytes, sizes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("vscsi: huge 64-bit fields are refused naming the record, not rounded", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1 as const, 2 as const),
        fc.array(io, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom(16, 24),
        fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
        (version, ios, kRaw, field, value) => {
          const bytes = vscsiBytes(version, ios);
          const size = version === 2 ? 40 : 32;
          new DataView(bytes.buffer).setBigUint64((kRaw % ios.length) * size + field, value, true);
          checkInput("vscsi", bytes, [1 << 20]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
