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

  it("a bad first line's advice asks first whether traceFormat is the file's, in the scenario's keys", async () => {
    const junk = write("first.csv", "not a trace\n");
    const e = await run({ traceFile: junk }).catch((err: Error) => err);
    expect(e).toMatchObject({
      code: "VMLAB_TRACE_MALFORMED_LINE",
      message: `${junk}:1: Timestamp is not a non-negative integer in "not a trace"; no IO read before it: is the file msr? check traceFormat; or fix or delete the line, or set traceSkipBad=true to count and skip bad lines`,
    });
  });
});
