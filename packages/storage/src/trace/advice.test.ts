import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { thrownMessage } from "@vmlab/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { StorageErrors, type TraceAdvice, VSCSISTATS_TRACE_ADVICE } from "../errors.js";
import { SCENARIO_TRACE_ADVICE } from "../scenarios/vscsistats-characterize-config.js";
import { VscsiStats } from "../vscsistats/collector.js";
import { BlkparseReader } from "./blkparse.js";
import { characterizeTrace } from "./characterize.js";
import { FioReader } from "./fio.js";
import { MsrReader } from "./msr.js";
import { openTraceFile } from "./open-file.js";
import { newTraceRecord, TRACE_FORMATS, type TraceReader } from "./record.js";
import { bytesSource, textSource } from "./source.js";
import { VscsiReader } from "./vscsi.js";

/**
 * A trace reader's errors and notes advise in its caller's words (`TraceAdvice`): `vmlab vscsistats`'s flags by
 * default, vscsistats-characterize's config keys there. The scenario reworded the messages with string replacement,
 * which a reworded message slipped past; now every advice is built from the words, and with the scenario's none
 * names a flag ("--…") or another command.
 */
const A = SCENARIO_TRACE_ADVICE;

/** Every trace error of the catalogue, built with `advice` (each one's arguments anything plausible). */
function traceErrors(advice: TraceAdvice): Record<string, Error> {
  const list = ["msr", "vscsi"];
  return {
    traceMalformedLine: StorageErrors.traceMalformedLine("t.csv", 2, "negative Size", "x", advice),
    traceMalformedLineFirst: StorageErrors.traceMalformedLine("t.csv", 1, "negative Size", "x", advice, "msr"),
    traceOnlyBad: StorageErrors.traceOnlyBad("t.csv", "msr", 3, "line", "t.csv:1: bad", advice),
    traceEmpty: StorageErrors.traceEmpty("t.csv"),
    traceMalformedRecord: StorageErrors.traceMalformedRecord("t.vscsi", 2, "lbn is over 2^53", advice),
    traceMalformedRecordFirst: StorageErrors.traceMalformedRecord("t.vscsi", 1, "lbn is over 2^53", advice, "vscsi"),
    traceTruncatedRecord: StorageErrors.traceTruncatedRecord("t.vscsi", 3, 27, 32, advice),
    traceUnknownFormat: StorageErrors.traceUnknownFormat("iolog", list),
    traceUndetectedFormat: StorageErrors.traceUndetectedFormat("t.bin", list, advice),
    traceStdinNeedsFormat: StorageErrors.traceStdinNeedsFormat(list, advice),
    traceBadHeader: StorageErrors.traceBadHeader("t.iolog", "not a fio version 2 iolog", advice),
    traceNotFound: StorageErrors.traceNotFound("t.csv"),
    traceUnreadable: StorageErrors.traceUnreadable("t.csv", "EACCES"),
    traceIsDirectory: StorageErrors.traceIsDirectory("t"),
    traceCompressed: StorageErrors.traceCompressed("t.csv.gz", "gzip", advice),
    traceCompressedXz: StorageErrors.traceCompressed("t.csv.xz", "xz", advice),
    traceChanged: StorageErrors.traceChanged("t.csv", { bytes: 1, sha256: "a".repeat(64) }, { bytes: 2, sha256: "b".repeat(64) }),
    traceNoDispatches: StorageErrors.traceNoDispatches("t.txt", 2),
    traceQueueEventsOnly: StorageErrors.traceQueueEventsOnly("t.txt", 2),
    traceLineTooLong: StorageErrors.traceLineTooLong("t.csv", 1, 262144, advice),
  };
}

/** Reads `reader` to its end. */
function readAll(reader: TraceReader): void {
  const rec = newTraceRecord();
  while (reader.next(rec));
}

/**
 * Phrasings a flag's word put in a config key's place makes: "pass traceFormat (msr|…)" (a key is set, not passed),
 * "an IO in traceFormat blkparse" (a flag's "--format blkparse" with the key's name).
 */
const OFF_PHRASINGS = [
  "pass traceFormat",
  "in traceFormat",
  "traceFormat (",
  "traceFormat msr",
  "traceFormat blkparse",
  "pass set",
  "pass traceSkipBad",
];

/** Says no flag and no other command, and reads as the scenario's words: no phrasing of `OFF_PHRASINGS`. */
function inScenarioWords(text: string, what = ""): void {
  expect(text, what).not.toBe("");
  expect(text, what).not.toMatch(/--/);
  expect(text, what).not.toMatch(/vmlab vscsistats/);
  for (const off of OFF_PHRASINGS) expect(text, what).not.toContain(off);
}

/** A .vscsi v1 file of `n` reads; `overLbn`: the record (1-based) whose lbn is past 2^53. */
function vscsi(n: number, overLbn = 0): Uint8Array {
  const out = new Uint8Array(n * 32);
  const v = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    v.setUint32(i * 32 + 4, 512, true);
    v.setUint16(i * 32 + 12, 0x28, true);
    v.setUint16(i * 32 + 14, 0x100, true);
    v.setBigUint64(i * 32 + 16, i + 1 === overLbn ? 2n ** 63n : BigInt(i), true);
    v.setBigUint64(i * 32 + 24, BigInt(i), true);
  }
  return out;
}

describe("trace readers' advice in their caller's words", () => {
  it("covers every trace error of the catalogue", () => {
    const built = Object.keys(traceErrors(A));
    for (const key of Object.keys(StorageErrors).filter((k) => k.startsWith("trace"))) expect(built, key).toContain(key);
  });

  it("every trace error built with the scenario's words names no flag and no other command", () => {
    for (const [key, e] of Object.entries(traceErrors(A))) inScenarioWords(e.message, key);
    const all = Object.values(traceErrors(A))
      .map((e) => e.message)
      .join("\n");
    expect(all).toContain("set traceSkipBad=true to count and skip bad lines");
    expect(all).toContain("check traceFormat");
    const e = traceErrors(A);
    expect(e.traceUndetectedFormat.message).toBe(
      "t.bin: cannot tell the trace format from the file name or its first bytes; set traceFormat to one of msr, vscsi",
    );
    expect(e.traceStdinNeedsFormat.message).toBe("standard input: its format is not detected; set traceFormat to one of msr, vscsi");
  });

  it("by default, vmlab vscsistats's flags, as before", () => {
    const e = traceErrors(VSCSISTATS_TRACE_ADVICE);
    expect(e.traceMalformedLineFirst.message).toBe(
      't.csv:1: negative Size in "x"; no IO read before it: is the file msr? check --format; or fix or delete the line, or pass --skip-bad to count and skip bad lines',
    );
    expect(e.traceStdinNeedsFormat.message).toBe(
      "standard input: its format is not detected; pass --format (msr|vscsi), e.g. vmlab vscsistats - --format msr",
    );
    expect(e.traceCompressed.message).toBe(
      "t.csv.gz is gzip-compressed; decompress it first (or pipe it: zcat FILE | vmlab vscsistats - --format FORMAT)",
    );
    expect(e.traceCompressedXz.message).toContain("(or pipe it: xz -dc FILE | vmlab vscsistats - --format FORMAT)");
    expect(e.traceUndetectedFormat.message).toBe(
      "t.bin: cannot tell the trace format from the file name or its first bytes; pass --format (msr|vscsi)",
    );
    expect(e.traceBadHeader.message).toBe("t.iolog: not a fio version 2 iolog; check that --format matches the file");
    expect(e.traceOnlyBad.message).toBe(
      "t.csv: no IO read, only 3 bad lines (skipped; first: t.csv:1: bad): is the file msr? check --format",
    );
    const none = new BlkparseReader(textSource("fio version 2 iolog\n/dev/sda add\n"), { name: "t" });
    readAll(none);
    expect(none.noIoNote()).toBe("none of the 2 lines read was an IO in --format blkparse (another format? check --format)");
  });

  it("every reader's errors and skipped-line problems, and its note on a file of no IO, given the scenario's words", () => {
    const opts = { name: "t", advice: A };
    const msr = (text: string, skipBad = false) => new MsrReader(textSource(text), { ...opts, skipBad });
    inScenarioWords(thrownMessage(() => readAll(msr("x,h,0,Read,0,512,5\n"))));
    inScenarioWords(thrownMessage(() => readAll(msr("1,h,0,Read,0,512,5\nx,h,0,Read,0,512,5\n"))));
    inScenarioWords(thrownMessage(() => readAll(msr(`${"1".repeat(1 << 18)}\n`))));
    inScenarioWords(thrownMessage(() => characterizeTrace(msr("x\ny\n", true), new VscsiStats())));
    const blk = (text: string, skipBad = false) => new BlkparseReader(textSource(text), { ...opts, skipBad });
    inScenarioWords(thrownMessage(() => readAll(blk("1,h,0,Read,0,512,5\n"))));
    const skipped = blk("  8,0 0 1 0.000000000 1 D W 8 + 8 [dd]\n1,h,0,Read,0,512,5\n", true);
    readAll(skipped);
    inScenarioWords(skipped.firstSkipped ?? "");
    const none = blk("fio version 2 iolog\n/dev/sda add\n");
    readAll(none);
    inScenarioWords(none.noIoNote());
    expect(none.noIoNote()).toBe("none of the 2 lines read was an IO in blkparse's format (another format? check traceFormat)");
    inScenarioWords(thrownMessage(() => readAll(new FioReader(textSource("not fio\n"), opts))));
    const vs = (bytes: Uint8Array) => new VscsiReader(bytesSource(bytes), opts);
    inScenarioWords(thrownMessage(() => readAll(vs(vscsi(3, 1)))));
    inScenarioWords(thrownMessage(() => readAll(vs(vscsi(3, 3)))));
    inScenarioWords(thrownMessage(() => readAll(vs(vscsi(3).subarray(0, 90)))));
    inScenarioWords(thrownMessage(() => readAll(vs(new Uint8Array(64).fill(7)))));
  });

  describe("openTraceFile's errors, given the scenario's words", () => {
    const dir = mkdtempSync(join(tmpdir(), "vmlab-advice-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("an undetected format, standard input without one, a compressed file (detected, or read with a format)", () => {
      const odd = join(dir, "t.bin");
      writeFileSync(odd, "hello\n");
      inScenarioWords(thrownMessage(() => openTraceFile(odd, { advice: A })));
      inScenarioWords(thrownMessage(() => openTraceFile("-", { advice: A })));
      const gz = join(dir, "t.csv.gz");
      writeFileSync(gz, gzipSync("1,h,0,Read,0,512,5\n"));
      inScenarioWords(thrownMessage(() => openTraceFile(gz, { advice: A })));
      for (const format of TRACE_FORMATS) inScenarioWords(thrownMessage(() => readAll(openTraceFile(gz, { format, advice: A }))));
    });
  });
});
