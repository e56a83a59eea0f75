import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectFormat, parseTraceFormat } from "./open.js";
import { openTraceFile } from "./open-file.js";
import { newTraceRecord } from "./record.js";
import { shippedTraceGenerator } from "./shipped.js";

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
});
