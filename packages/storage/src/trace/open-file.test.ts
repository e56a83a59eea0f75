import { describe, expect, it, vi } from "vitest";
import { msrLine } from "./msr-writer.js";
import { openTraceFile } from "./open-file.js";
import { newTraceRecord } from "./record.js";
import { bytesSource } from "./source.js";

/** What `fileSource` hands out here: path → the file's bytes and the sizes its reads return (a pipe's short reads). */
const files = vi.hoisted(() => new Map<string, { bytes: Uint8Array; chunks: number[] }>());

vi.mock("./file-source.js", () => ({
  fileSource(path: string) {
    const f = files.get(path);
    if (!f) throw new Error(`no test file ${path}`);
    return bytesSource(f.bytes, f.chunks);
  },
}));

describe("openTraceFile format detection", () => {
  it("detects the format from the whole 4 KiB head when a pipe hands it out in short reads", () => {
    // A pipe's first read can end in the middle of a line (`<(zcat trace.csv.gz)`: whatever the writer had written).
    // Detection reads until it has 4 KiB or the end; judged on the first read alone, half an MSR line is no format
    // (and a name like /dev/fd/63 has no extension to fall back on).
    const ios = 200;
    const text = Array.from({ length: ios }, (_, i) => msrLine(i * 1_000_000, "hm", 0, i % 2 === 0, i * 4096, 4096, 50_000)).join("");
    const bytes = new TextEncoder().encode(text);
    expect(bytes.length).toBeGreaterThan(2 * 4096);
    const half = Math.floor(text.indexOf("\n") / 2);
    for (const chunks of [[half], [half, 4096], [1], [7, 1000]]) {
      const path = `/dev/fd/${63 + files.size}`;
      files.set(path, { bytes, chunks });
      const r = openTraceFile(path);
      expect(r.format, `reads of ${chunks} bytes`).toBe("msr");
      // The head detection read is handed to the reader: every IO from the first line on.
      const rec = newTraceRecord();
      let n = 0;
      let first = -1;
      while (r.next(rec)) {
        if (first < 0) first = rec.line;
        n++;
      }
      expect({ n, first }, `reads of ${chunks} bytes`).toEqual({ n: ios, first: 1 });
    }
  });

  it('detects blkparse text whose first event comes after blkparse\'s "Input file ... added" lines, one per CPU (over 512 bytes on a 32-CPU host)', () => {
    const banner = Array.from({ length: 32 }, (_, cpu) => `Input file sda.blktrace.${cpu} added\n`).join("");
    const events =
      "  8,0    3        1     0.000000000   697  D   W 223490 + 8 [kjournald]\n  8,0    3        2     0.000010000     0  C   W 223490 + 8 [0]\n";
    expect(banner.length).toBeGreaterThan(512);
    const bytes = new TextEncoder().encode(banner + events);
    files.set("/dev/fd/40", { bytes, chunks: [bytes.length] });
    const r = openTraceFile("/dev/fd/40");
    expect(r.format).toBe("blkparse");
    const rec = newTraceRecord();
    expect(r.next(rec)).toBe(true);
    expect([rec.lba, rec.sectors, rec.responseNs]).toEqual([223490, 8, 10_000]);
  });

  it('detects blkparse output whose first 4 KiB are its "Input file ... added" lines (one per CPU: over ~120 CPUs)', () => {
    const header = Array.from({ length: 256 }, (_, cpu) => `Input file sda.blktrace.${cpu} added\n`).join("");
    const text = `${header}  8,0    3        1     0.000000000   700  D   R 1000 + 16 [cat]\n  8,0    3        2     0.000500000     0  C   R 1000 + 16 [0]\n`;
    const bytes = new TextEncoder().encode(text);
    expect(header.length).toBeGreaterThan(4096);
    files.set("/traces/big-host.txt", { bytes, chunks: [65536] });
    const reader = openTraceFile("/traces/big-host.txt");
    expect(reader.format).toBe("blkparse");
    const rec = newTraceRecord();
    expect(reader.next(rec)).toBe(true);
    expect(rec).toMatchObject({ lba: 1000, sectors: 16, responseNs: 500_000, line: 257 });
  });

  it("reads at most 1 MiB past those lines: a file of nothing else is not read to its end to find a format", () => {
    const line = (cpu: number) => `Input file /var/tmp/a-long-directory-name-for-traces/sda.blktrace.${cpu} added\n`;
    const text = Array.from({ length: 20_000 }, (_, cpu) => line(cpu)).join("");
    expect(text.length).toBeGreaterThan(1 << 20);
    const bytes = new TextEncoder().encode(`${text}  8,0    3        1     0.000000000   700  D   R 1000 + 16 [cat]\n`);
    files.set("/traces/banner-only", { bytes, chunks: [65536] });
    expect(() => openTraceFile("/traces/banner-only")).toThrow(/cannot tell the trace format/);
  });
});
