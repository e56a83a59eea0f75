import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { msrLine } from "./msr-writer.js";
import { createTraceReader, detectFormat, parseTraceFormat } from "./open.js";
import { openTraceFile, refuseCompressed } from "./open-file.js";
import { newTraceRecord } from "./record.js";
import { shippedTraceGenerator } from "./shipped.js";
import { bytesSource } from "./source.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("trace format selection", () => {
  it("detects each format from content, then from the extension", () => {
    expect(detectFormat("x", enc("128166372003061629,hm,0,Write,7014912,4096,26\n"))).toBe("msr");
    expect(detectFormat("x", enc("Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n"))).toBe("msr");
    expect(detectFormat("x", enc("fio version 2 iolog\n/dev/sdb add\n"))).toBe("fio");
    expect(detectFormat("x", enc("  8,0    3        1     0.000000000   697  Q   W 223490 + 8 [kjournald]\n"))).toBe("blkparse");
    const v1 = new Uint8Array(64);
    new DataView(v1.buffer).setUint16(14, 0x0100, true);
    new DataView(v1.buffer).setUint16(46, 0x0100, true);
    expect(detectFormat("x", v1)).toBe("vscsi");
    expect(detectFormat("a.vscsi", new Uint8Array(0))).toBe("vscsi");
    expect(detectFormat("a.iolog", enc("garbage"))).toBe("fio");
    expect(detectFormat("a.bin", enc("garbage"))).toBeNull();
  });

  it("rejects an unknown --format and an undetectable file", () => {
    expect(() => parseTraceFormat("snia")).toThrow(
      expect.objectContaining({ code: "VMLAB_TRACE_UNKNOWN_FORMAT", message: expect.stringMatching(/msr, vscsi, blkparse, fio/) }),
    );
    expect(parseTraceFormat("MSR")).toBe("msr");
    // From JavaScript a format is any string: "MSR" gave no reader (undefined) and the replay a TypeError.
    expect(() => createTraceReader("MSR" as "msr", bytesSource(new Uint8Array(0), [1]), { name: "t" })).toThrow(
      expect.objectContaining({
        code: "VMLAB_TRACE_UNKNOWN_FORMAT",
        message: 'unknown trace format "MSR"; use one of: msr, vscsi, blkparse, fio',
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), "vmlab-trace-"));
    try {
      writeFileSync(join(dir, "t.dat"), "hello\n");
      expect(() => openTraceFile(join(dir, "t.dat"))).toThrow(expect.objectContaining({ code: "VMLAB_TRACE_UNKNOWN_FORMAT" }));
      expect(() => openTraceFile(join(dir, "missing.csv"))).toThrow(expect.objectContaining({ code: "VMLAB_TRACE_NOT_FOUND" }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("opens the shipped trace by detection", () => {
    const r = openTraceFile(new URL("../../data/traces/vmlab-synthetic.vscsi", import.meta.url).pathname);
    expect(r.format).toBe("vscsi");
    const rec = newTraceRecord();
    expect(r.next(rec)).toBe(true);
    const first = newTraceRecord();
    shippedTraceGenerator().next(first);
    expect(rec).toEqual(first);
  });

  it("detects the format of a pipe and still reads it from its first byte (a pipe cannot be opened and read twice)", () => {
    // `vmlab vscsistats <(zcat trace.csv.gz)`: detection read the first 4 KiB and closed the pipe, then the reader
    // opened it again and started wherever the pipe was, in the middle of a line (or, cut between lines, without the
    // first few dozen IOs and no error). Here a child process opens bash's process substitution by its path.
    const ios = 500;
    const text = Array.from({ length: ios }, (_, i) => msrLine(i * 1_000_000, "hm", 0, i % 2 === 0, i * 4096, 4096, 50_000)).join("");
    expect(text.length).toBeGreaterThan(4 * 4096);
    const dir = mkdtempSync(join(tmpdir(), "vmlab-trace-"));
    try {
      const file = join(dir, "t.csv");
      writeFileSync(file, text);
      const script = [
        `const { openTraceFile } = await import(${JSON.stringify(new URL("./open-file.ts", import.meta.url).href)});`,
        `const { newTraceRecord } = await import(${JSON.stringify(new URL("./record.ts", import.meta.url).href)});`,
        "const r = openTraceFile(process.argv[1]); const rec = newTraceRecord(); let n = 0, first = -1;",
        "while (r.next(rec)) { if (first < 0) first = rec.line; n++; }",
        "console.log(JSON.stringify({ format: r.format, n, first }));",
      ].join("\n");
      const child = spawnSync(
        "bash",
        ["-c", 'exec "$VMLAB_NODE" --conditions=@vmlab/source --import tsx --input-type=module -e "$VMLAB_SCRIPT" <(cat "$VMLAB_FILE")'],
        {
          env: { ...process.env, VMLAB_NODE: process.execPath, VMLAB_SCRIPT: script, VMLAB_FILE: file },
          cwd: fileURLToPath(new URL("../..", import.meta.url)),
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      expect(child.stderr).toBe("");
      expect(JSON.parse(child.stdout)).toEqual({ format: "msr", n: ios, first: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("refuses a compressed stream whose first read holds only part of the magic number (a pipe's short first write)", () => {
    // The check looked at the first read alone: a pipe whose writer wrote 1f 8b first was taken for text, so detection
    // said "cannot tell the trace format" and with --format msr line 1 was a bad line of binary.
    const gz = gzipSync(Buffer.from(msrLine(0, "hm", 0, true, 0, 4096, 50_000).repeat(20)));
    for (const chunks of [[1], [2], [2, 1], [4096]]) {
      const reader = createTraceReader("msr", refuseCompressed(bytesSource(gz, chunks), "t.csv"), { name: "t.csv" });
      expect(
        thrownCode(() => reader.next(newTraceRecord())),
        `chunks ${chunks}`,
      ).toBe("VMLAB_TRACE_UNREADABLE");
    }
    // A file that only starts like one (1f 8b, then not 08) is read as it is: here, as a bad first line.
    const almost = new Uint8Array([0x1f, 0x8b, 0x07, ...enc(msrLine(0, "hm", 0, true, 0, 4096, 50_000))]);
    const other = createTraceReader("msr", refuseCompressed(bytesSource(almost, [2]), "t.csv"), { name: "t.csv" });
    expect(thrownCode(() => other.next(newTraceRecord()))).toBe("VMLAB_TRACE_MALFORMED_LINE");
    // Shorter than a magic number: read to its end without a word from the check.
    const tiny = refuseCompressed(bytesSource(enc("\x1f"), [1]), "t.csv");
    const buf = new Uint8Array(8);
    expect([tiny.read(buf, 0, 8), tiny.read(buf, 0, 8)]).toEqual([1, 0]);
  });
});
