import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newTraceRecord, type TraceRecord, writeVscsiTrace } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const tmp = () => scratchDir("vmlab-vscsistats-notes-");

/** A .vscsi v2 file of 4 KiB reads issued at `issueUs` (in this order), each taking 100 µs. */
function vscsiFile(issueUs: number[]): string {
  let i = 0;
  const bytes = writeVscsiTrace(
    {
      next(rec: TraceRecord) {
        if (i >= issueUs.length) return false;
        Object.assign(rec, newTraceRecord(), {
          issueNs: issueUs[i] * 1000,
          lba: i * 8,
          bytes: 4096,
          sectors: 8,
          isRead: true,
          responseNs: 100_000,
          line: i + 1,
        });
        i++;
        return true;
      },
    },
    2,
  );
  const file = join(tmp(), "ooo.vscsi");
  writeFileSync(file, bytes);
  return file;
}

describe("vmlab vscsistats says on stderr what the histograms leave out (docs/vscsistats.md)", () => {
  it("a fio iolog: its IOs have no response time (not in latency or outstanding IOs) and no issue times (no interarrival samples)", async () => {
    const file = join(tmp(), "t.iolog");
    writeFileSync(file, "fio version 2 iolog\n/dev/sdb add\n/dev/sdb read 0 4096\n/dev/sdb read 4096 4096\n/dev/sdb write 81920 4096\n");
    const r = await runCli("vscsistats", file, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { histograms: { metric: string; count: number }[] };
    expect(j).toMatchObject({ trace: file, diskName: "t.iolog", traceFormat: "fio", ios: 3, timedIos: 0 });
    expect(j.histograms.filter((h) => h.metric === "interarrival").map((h) => h.count)).toEqual([0, 0, 0]);
    expect(r.stderr).toBe(
      "vmlab vscsistats: 3 IOs (fio); 3 IOs without a recorded response time (not in latency/outstanding IOs); no issue times (IOs back to back): no interarrival histogram\n",
    );
  });

  it("a fio version 3 iolog (what fio writes since 3.31): its IOs have times, so they get interarrival samples", async () => {
    const file = join(tmp(), "v3.iolog");
    writeFileSync(
      file,
      "fio version 3 iolog\n0 /dev/sdb add\n12 /dev/sdb open\n120 /dev/sdb read 0 4096\n351 /dev/sdb read 4096 4096\n1204 /dev/sdb write 81920 4096\n",
    );
    const r = await runCli("vscsistats", file, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { histograms: { metric: string; split: string; count: number; min: number; max: number }[] };
    expect(j).toMatchObject({ trace: file, diskName: "v3.iolog", traceFormat: "fio", ios: 3, timedIos: 0 });
    // Issued at 108, 339 and 1192 µs: the first IO starts the clock (not counted by default), then 231 and 853 µs.
    expect(j.histograms.find((h) => h.metric === "interarrival" && h.split === "all")).toMatchObject({ count: 2, min: 231, max: 853 });
    expect(r.stderr).toBe("vmlab vscsistats: 3 IOs (fio); 3 IOs without a recorded response time (not in latency/outstanding IOs)\n");
  });

  // "1 without a response time; 1 IO completed with an error" read as two IOs, of a trace with one failed IO.
  it("a blkparse trace: an IO whose completion reported an error is counted apart and left out of latency, as one IO", async () => {
    const file = join(tmp(), "t.blkparse");
    writeFileSync(
      file,
      [
        "  8,0    1        1     0.000000000   700  D   R 1000 + 8 [cat]",
        "  8,0    1        2     0.000100000   700  D   W 2000 + 8 [dd]",
        "  8,0    1        3     0.000500000     0  C   R 1000 + 8 [0]",
        "  8,0    1        4     0.030100000     0  C   W 2000 + 8 [-5]",
        "",
      ].join("\n"),
    );
    const r = await runCli("vscsistats", file, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ traceFormat: "blkparse", ios: 2, timedIos: 1, failedIos: 1 });
    expect(r.stderr).toBe(
      "vmlab vscsistats: 2 IOs (blkparse); 1 IO completed with an error (its C event's [error] not 0), so without a response time (not in latency/outstanding IOs)\n",
    );
    // One failed IO and one whose completion is missing: two IOs without a response time, told apart.
    writeFileSync(
      file,
      [
        "  8,0    1        1     0.000000000   700  D   R 1000 + 8 [cat]",
        "  8,0    1        2     0.000100000   700  D   W 2000 + 8 [dd]",
        "  8,0    1        3     0.030100000     0  C   W 2000 + 8 [-5]",
        "",
      ].join("\n"),
    );
    expect((await runCli("vscsistats", file, "--json")).stderr).toBe(
      "vmlab vscsistats: 2 IOs (blkparse); 1 IO completed with an error (its C event's [error] not 0), so without a response time, and 1 other IO without a recorded response time (not in latency/outstanding IOs)\n",
    );
  });

  it("a binary trace names the first IO out of order by its record, not a line", async () => {
    const file = vscsiFile([0, 20, 10, 30]);
    const r = await runCli("vscsistats", file, "--json", "--reorder-window", "0");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ traceFormat: "vscsi", ios: 4 });
    expect(r.stderr).toBe("vmlab vscsistats: 4 IOs (vscsi); 1 IO issued earlier than an IO before it (interarrival 0; first: record 3)\n");
  });

  it("a bad record of a binary trace skipped is counted as a record, not a line (--skip-bad)", async () => {
    const bytes = new Uint8Array(readFileSync(vscsiFile([0, 10, 20])));
    bytes[2 * 40 + 3] = 0x07; // the third v2 record's version byte: 7, not 2
    const file = join(tmp(), "bad-record.vscsi");
    writeFileSync(file, bytes);
    const r = await runCli("vscsistats", file, "--skip-bad");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^vmlab vscsistats: 2 IOs \(vscsi\); 1 bad record skipped; first: .*bad-record\.vscsi.*record 3/);
  });

  // "1 bad lines skipped", "1 IOs (msr)": a count and its noun agree, one or many.
  it("counts in the notes agree with their nouns: 1 IO, 2 bad lines", async () => {
    const file = join(tmp(), "two-bad.csv");
    writeFileSync(file, "1,h,0,Read,0,512,5\nnot a line\nnor this\n");
    const r = await runCli("vscsistats", file, "--format", "msr", "--skip-bad");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^vmlab vscsistats: 1 IO \(msr\); 2 bad lines skipped; first: .*two-bad\.csv:2: /);
  });

  it("one bad line skipped is named (--skip-bad)", async () => {
    const file = join(tmp(), "one-bad.csv");
    writeFileSync(file, "1,h,0,Read,0,512,5\nnot a line\n3,h,0,Read,0,512,5\n");
    const r = await runCli("vscsistats", file, "--format", "msr", "--skip-bad");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^vmlab vscsistats: 2 IOs \(msr\); 1 bad line skipped; first: .*one-bad\.csv:2: /);
  });
});

/**
 * A file of the format read with no IO in it: the note says what the file held, true for that format. Only a file that
 * could be of another format (a blkparse read with no event line) hints at --format.
 */
describe("vmlab vscsistats on a trace of its format with no IO in it", () => {
  const notes = async (name: string, content: string | Uint8Array, format: string) => {
    const file = join(tmp(), name);
    writeFileSync(file, content);
    const r = await runCli("vscsistats", file, "--format", format);
    expect(r.code, name).toBe(0);
    return r.stderr;
  };

  it("an MSR file of its header alone (or with blank lines): a header and no IO lines, no other format hinted", async () => {
    const header = "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n";
    expect(await notes("header.csv", header, "msr")).toBe("vmlab vscsistats: 0 IOs (msr); the file has a header line and no IO lines\n");
    expect(await notes("header-blank.csv", `${header}\n\n`, "msr")).toBe(
      "vmlab vscsistats: 0 IOs (msr); the file has a header line, 2 blank lines and no IO lines\n",
    );
    expect(await notes("blank.csv", "\n", "msr")).toBe("vmlab vscsistats: 0 IOs (msr); the file has 1 blank line and no IO lines\n");
  });

  it("a blkparse file of event lines none of which is an IO (a flush, a queue event and its merge): says so, no other format hinted", async () => {
    const text = "8,16 0 1 0.000000000 7 D FWS [jbd2]\n8,16 0 2 0.000001000 7 C FWS 0 [0]\n\nCPU0 (8,16):\n";
    expect(await notes("t.blkparse", text, "blkparse")).toBe(
      "vmlab vscsistats: 0 IOs (blkparse); none of its 2 event lines is a read or write that moves data\n",
    );
  });

  it("a fio iolog of its version line and file actions: says the log has no read or write, no other format hinted", async () => {
    expect(await notes("version.iolog", "fio version 2 iolog\n", "fio")).toBe(
      "vmlab vscsistats: 0 IOs (fio); the log has its version line and no other line; no issue times (IOs back to back): no interarrival histogram\n",
    );
    expect(await notes("actions.iolog", "fio version 2 iolog\n/dev/sdb add\n/dev/sdb open\n/dev/sdb close\n", "fio")).toBe(
      "vmlab vscsistats: 0 IOs (fio); the log has its version line and 3 other lines, none a read or write; no issue times (IOs back to back): no interarrival histogram\n",
    );
  });

  it("a .vscsi file of SCSI commands that move no data: records, not lines, none a read or write", async () => {
    const bytes = new Uint8Array(readFileSync(vscsiFile([0, 10])));
    for (const at of [0, 40]) bytes[at] = 0x00; // TEST UNIT READY: the low byte of each v2 record's cmd
    expect(await notes("cmds.vscsi", bytes, "vscsi")).toBe(
      "vmlab vscsistats: 0 IOs (vscsi); none of its 2 records is a read or write with data\n",
    );
  });
});
