import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { checkError, msrTrace, run, writeIn } from "./vscsistats-characterize-user-trace.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "vmlab-bad-trace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => writeIn(dir, name, text);

const check = checkError;

describe("vscsistats-characterize on a traceFile that is no trace", () => {
  // The check passed an empty file (its format guessed from the name); the run then refused it advising traceFormat.
  it("the check refuses an empty file, whatever traceFormat says", () => {
    const empty = write("empty.csv", "");
    for (const traceFormat of ["auto", "msr", "vscsi", "blkparse", "fio"]) {
      expect(check({ traceFile: empty, traceFormat }), traceFormat).toMatchObject({
        code: "VMLAB_SCENARIO_BAD_CONFIG",
        message: `invalid config for vscsistats-characterize: traceFile: ${empty} is empty (0 bytes) (see \`vmlab describe vscsistats-characterize\`)`,
      });
    }
  });

  // It ran with 0 trace IOs and every check passing: all the file's lines skipped as bad.
  it("traceSkipBad over a file with no IO, only bad lines: refused naming the file, the bad lines, the first one and traceFormat", async () => {
    const junk = write("junk.txt", "not a trace\nnor is this\nnor this\n");
    const e = await run({ traceFile: junk, traceFormat: "msr", traceSkipBad: true }).catch((err: Error) => err);
    expect(e).toMatchObject({
      code: "VMLAB_TRACE_MALFORMED_LINE",
      message: `${junk}: no IO read, only 3 bad lines (skipped; first: ${junk}:1: Timestamp is not a non-negative integer in "not a trace"): is the file msr? check traceFormat`,
    });
    // Some IOs and bad lines: what traceSkipBad is for.
    const some = write("some.csv", msrTrace(20, ["not a trace"]));
    const r = await run({ traceFile: some, traceSkipBad: true, traceReplay: "closed" });
    expect(r.metrics["trace.ios"]).toBe(20);
    expect(r.metrics["trace.skippedBadLines"]).toBe(1);
  });

  // The check detects a compressed file only when it detects the format: with traceFormat given, the run refused it,
  // reworded, as "pipe it: zcat FILE | vmlab vscsistats - traceFormat FORMAT" — a command that is no command, and a
  // pipe the scenario cannot read (it reads its trace twice).
  it("a compressed traceFile with traceFormat given: refused, advising to decompress it, with no pipe into another command", async () => {
    const gz = join(dir, "trace.csv.gz");
    writeFileSync(gz, gzipSync(msrTrace(20)));
    const e = await run({ traceFile: gz, traceFormat: "msr" }).catch((err: Error) => err);
    expect(e).toMatchObject({ code: "VMLAB_TRACE_UNREADABLE", message: `${gz} is gzip-compressed; decompress it first` });
  });

  // The version of a .vscsi file's records and a fio log's version line are read with its first IO: --dry-run (the check)
  // passed an MSR file given as vscsi, a blkparse file given as fio, and a fio log of a version vmlab does not read.
  it("the check refuses a file that is not of the vscsi or fio format given, naming both, or a fio log of another version", () => {
    const msr = write("my.csv", msrTrace(20));
    expect(check({ traceFile: msr, traceFormat: "vscsi" })).toMatchObject({
      code: "VMLAB_SCENARIO_BAD_CONFIG",
      message: `invalid config for vscsistats-characterize: traceFormat: vscsi does not match ${msr}: not a vscsi trace: the first records' version fields are neither 1 (32-byte records) nor 2 (40-byte records) (see \`vmlab describe vscsistats-characterize\`)`,
    });
    expect(check({ traceFile: msr, traceFormat: "fio" })).toMatchObject({
      message: `invalid config for vscsistats-characterize: traceFormat: fio does not match ${msr}: not a fio iolog: first line is not "fio version 2 iolog" or "fio version 3 iolog" (see \`vmlab describe vscsistats-characterize\`)`,
    });
    const fio1 = write("old.log", "fio version 1 iolog\n/dev/sda add\n");
    // Of the format given, detected or not: the file's version is at fault, not traceFormat.
    for (const traceFormat of ["auto", "fio"])
      expect(check({ traceFile: fio1, traceFormat }), traceFormat).toMatchObject({
        message: `invalid config for vscsistats-characterize: traceFile: ${fio1}: a fio iolog of a version vmlab does not read: "fio version 1 iolog" (vmlab reads versions 2 and 3, as fio does) (see \`vmlab describe vscsistats-characterize\`)`,
      });
    // Of the format given, the file passes; a bad line in it is the run's to report (file:line) or skip.
    const fio2 = write("ok.log", "fio version 2 iolog\n/dev/sda add\n/dev/sda open\n/dev/sda read 0 4096\n");
    expect(check({ traceFile: fio2, traceFormat: "fio" })).toBeUndefined();
    expect(check({ traceFile: write("bad.log", "fio version 2 iolog\n/dev/sda frob 0 4096\n"), traceFormat: "fio" })).toBeUndefined();
  });

  it("a bad first line's advice asks first whether traceFormat is the file's, in the scenario's keys", async () => {
    const junk = write("first.csv", "not a trace\n");
    const e = await run({ traceFile: junk }).catch((err: Error) => err);
    expect(e).toMatchObject({
      code: "VMLAB_TRACE_MALFORMED_LINE",
      message: `${junk}:1: Timestamp is not a non-negative integer in "not a trace"; no IO read before it: is the file msr? check traceFormat; or fix or delete the line, or set traceSkipBad=true to count and skip bad lines`,
    });
  });
});
