import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openTraceFile } from "../trace/open-file.js";
import { writeVscsiTrace } from "../trace/vscsi-writer.js";
import { vscsistatsCharacterize } from "./vscsistats-characterize.js";
import {
  checkError,
  msrTrace,
  msrTraceMoved,
  type Result,
  rowsOf,
  run,
  sha256,
  T0,
  workload,
  writeIn,
} from "./vscsistats-characterize-user-trace.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "vmlab-user-trace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** blkparse text of `ios` IOs (D then C, 1 ms apart, each completing after 0.4 ms), with a header and a summary. */
function blkparseTrace(ios: number): string {
  const lines = ["Input file sda.blktrace.0 added"];
  let seq = 1;
  const t = (us: number) => `${Math.floor(us / 1e6)}.${String(Math.round((us % 1e6) * 1000)).padStart(9, "0")}`;
  for (let i = 0; i < ios; i++) {
    const sector = ((i * 104729) % 1_000_000) * 8;
    const rw = i % 4 === 0 ? "W" : "R";
    lines.push(`  8,0    0 ${seq++} ${t(i * 1000)} 700  D   ${rw} ${sector} + 8 [fio]`);
    lines.push(`  8,0    0 ${seq++} ${t(i * 1000 + 400)} 0  C   ${rw} ${sector} + 8 [0]`);
  }
  lines.push("CPU0 (8,0):", " Reads Queued:           0,        0KiB");
  return `${lines.join("\n")}\n`;
}

const write = (name: string, text: string) => writeIn(dir, name, text);

describe("vscsistats-characterize on your own trace (traceFile)", () => {
  const msr = write("src1_2.csv", msrTrace(300));
  const blk = write("sda.txt", blkparseTrace(200));

  for (const [name, path, format, ios] of [
    ["an MSR Cambridge CSV", msr, "msr", 300],
    ["blkparse text output", blk, "blkparse", 200],
  ] as const) {
    it(`replays ${name} through the model, timed and closed; the results name the file, its format, size and sha256`, async () => {
      const timed = await run({ traceFile: path });
      const closed = await run({ traceFile: path, traceReplay: "closed", traceDepth: 4 });
      for (const r of [timed, closed]) {
        expect(rowsOf(r, "trace")).toEqual([
          expect.objectContaining({ path, format, bytes: readFileSync(path).length, sha256: sha256(path), ios, replayedIos: ios }),
        ]);
        expect(r.metrics["trace.ios"]).toBe(ios);
        expect(r.metrics["trace.replay.ios"]).toBe(ios);
        expect(r.metrics["trace.bytes"]).toBe(readFileSync(path).length);
        expect(workload(r, "trace-replay").ios).toBe(ios);
        // Recorded response times: the file's latencies are the trace's (MSR 30..90 µs; blkparse 400 µs), not the model's.
        expect(r.metrics["trace.recordedMeanLatencyUs"]).toBeLessThan(500);
        expect(r.metrics["trace.replay.meanLatencyUs"]).toBeGreaterThan(500);
        expect(r.notes?.some((n) => n.startsWith(`Your trace: ${path} (${format}, `) && n.includes(sha256(path)))).toBe(true);
        // The shipped trace's row is not claimed for it.
        expect(r.reference.some((x) => x.what.startsWith("shipped trace"))).toBe(false);
        const row = r.reference.find((x) => x.what.startsWith("your trace"))!;
        expect(row.ours).toBe(ios);
        expect(row.note).toContain(sha256(path));
        expect(row.verdict).toBeUndefined();
      }
      const base = path.split("/").pop();
      expect(workload(timed, "trace-replay").label).toBe(`your trace ${base}, replayed as recorded on the local storage model`);
      expect(workload(closed, "trace-file").label).toBe(`your trace ${base}, read from the file (latency and OIO as recorded)`);
      // Timed: the replay lasts as the trace (2 ms or 1 ms apart); closed at depth 4: outstanding IOs at 4.
      const spanS = name.startsWith("an MSR") ? 299 * 0.002 : 199 * 0.001;
      expect(workload(timed, "trace-replay").virtualSeconds as number).toBeGreaterThan(spanS);
      expect(workload(timed, "trace-replay").virtualSeconds as number).toBeLessThan(spanS + 0.2);
      const oio4 = rowsOf(closed, "histograms").find(
        (x) =>
          x.workload === "trace-replay" && (x.histogram as string).startsWith("outstandingIOs ") && x.split === "all" && x.limit === "4",
      );
      expect(oio4?.fraction as number).toBeGreaterThan(0.95);
    });
  }

  it("is deterministic: same file, seed and config give identical results; traceMaxIos cuts both workloads", async () => {
    const a = JSON.stringify(await run({ traceFile: msr, traceMaxIos: 100 }, 5));
    const b = JSON.stringify(await run({ traceFile: msr, traceMaxIos: 100 }, 5));
    expect(a).toBe(b);
    const r = JSON.parse(a) as Result;
    expect(r.metrics["trace.ios"]).toBe(100);
    expect(r.metrics["trace.replay.ios"]).toBe(100);
    expect(workload(r, "trace-file").label).toBe(
      "first 100 IOs of your trace src1_2.csv, read from the file (latency and OIO as recorded)",
    );
  });

  it("a bad line stops the run with the reader's error naming file:line; traceSkipBad counts and skips it", async () => {
    const bad = write("bad.csv", msrTrace(50, ["128166372013061629,src1,2,Read,notanumber,4096,100", ...msrTrace(10).trim().split("\n")]));
    await expect(run({ traceFile: bad })).rejects.toMatchObject({
      code: "VMLAB_TRACE_MALFORMED_LINE",
      message: expect.stringContaining(`${bad}:51`),
    });
    const r = await run({ traceFile: bad, traceSkipBad: true });
    expect(r.metrics["trace.skippedBadLines"]).toBe(1);
    expect(r.metrics["trace.ios"]).toBe(60);
    expect(rowsOf(r, "trace")[0]).toMatchObject({ skippedBadLines: 1, firstSkipped: expect.stringContaining(`${bad}:51: Offset`) });
    expect(r.notes?.find((n) => n.startsWith("Your trace"))).toContain("1 bad line skipped (traceSkipBad)");
  });

  // The reader's advice named `vmlab vscsistats`'s flags (--skip-bad, --format), which `vmlab run` refuses.
  it("a bad line's or header's error, and a skipped line's note, advise the scenario's keys, not vmlab vscsistats's flags", async () => {
    const bad = write("advice.csv", msrTrace(5, ["128166372013061629,src1,2,Read,notanumber,4096,100"]));
    const badLine = await run({ traceFile: bad }).catch((e: Error) => e);
    expect(badLine).toMatchObject({ code: "VMLAB_TRACE_MALFORMED_LINE", message: expect.stringContaining("set traceSkipBad=true") });
    expect((badLine as Error).message).not.toContain("--skip-bad");
    // A header not of the format given is refused by the config check, before the run (`--dry-run` too).
    const header = await run({ traceFile: bad, traceFormat: "fio" }).catch((e: Error) => e);
    expect(header).toMatchObject({
      code: "VMLAB_SCENARIO_BAD_CONFIG",
      message: expect.stringContaining("traceFormat: fio does not match"),
    });
    expect((header as Error).message).not.toContain("--format");
    // A file of no IO and only bad lines is refused (it is not of the format read), in the scenario's keys too.
    const onlyBad = await run({ traceFile: bad, traceFormat: "blkparse", traceSkipBad: true }).catch((e: Error) => e);
    expect(onlyBad).toMatchObject({ code: "VMLAB_TRACE_MALFORMED_LINE", message: expect.stringContaining("check traceFormat") });
    expect((onlyBad as Error).message).not.toContain("--format");
    // A blkparse trace with an MSR line in it: the skipped line's problem advises traceFormat.
    const mixed = write("mixed.txt", `${blkparseTrace(20)}128166372013061629,src1,2,Read,0,4096,100\n`);
    const skipped = await run({ traceFile: mixed, traceFormat: "blkparse", traceSkipBad: true });
    expect(skipped.metrics["trace.skippedBadLines"]).toBe(1);
    expect(String(rowsOf(skipped, "trace")[0].firstSkipped)).toContain("check traceFormat");
    expect(skipped.notes?.find((n) => n.startsWith("Your trace"))).not.toContain("--format");
  });

  // `vmlab vscsistats` tells of IOs out of issue order; the scenario said nothing of them, though a late one has interarrival 0.
  it("says how many IOs were out of issue order: put back by the reorder window, or too late for it", async () => {
    const moved = (by: number) => msrTraceMoved(5000, by);
    const near = await run({ traceFile: write("near.csv", moved(10)), traceMaxIos: 0, traceReplay: "closed" });
    expect(near.metrics).toMatchObject({ "trace.reorderedIos": 1, "trace.lateIos": 0 });
    expect(near.notes?.find((n) => n.startsWith("Your trace"))).toContain(
      "1 IO out of issue order (first: line 11): 1 put back in issue order",
    );
    const far = await run({ traceFile: write("far.csv", moved(4500)), traceMaxIos: 0, traceReplay: "closed" });
    expect(far.metrics).toMatchObject({ "trace.reorderedIos": 0, "trace.lateIos": 1 });
    expect(rowsOf(far, "trace")[0]).toMatchObject({ reorderedIos: 0, lateIos: 1, firstLate: 4501 });
    expect(far.notes?.find((n) => n.startsWith("Your trace"))).toContain("1 too late for it");
    const inOrder = await run({ traceFile: msr });
    expect(inOrder.metrics).toMatchObject({ "trace.reorderedIos": 0, "trace.lateIos": 0 });
    expect(inOrder.notes?.find((n) => n.startsWith("Your trace"))).not.toContain("issue order");
  });

  // The label said "latency and OIO as recorded" of a trace that records no response time (fio, .vscsi v1).
  it("labels the trace read from the file by what it records: no latency or OIO when it records no response times", async () => {
    const fio = write(
      "job.log",
      "fio version 2 iolog\n/dev/sdb add\n/dev/sdb open\n/dev/sdb read 0 4096\n/dev/sdb wait 10 0\n/dev/sdb write 8192 4096\n/dev/sdb close\n",
    );
    const r = await run({ traceFile: fio });
    expect(r.metrics["trace.untimedIos"]).toBe(2);
    expect(workload(r, "trace-file").label).toBe(
      "your trace job.log, read from the file (no response or issue times recorded: no latency, OIO or interarrival)",
    );
    // .vscsi v1 records no response time: 30 MSR IOs written as v1.
    const v1 = join(dir, "v1.vscsi");
    writeFileSync(v1, writeVscsiTrace(openTraceFile(write("for-v1.csv", msrTrace(30))), 1));
    expect(workload(await run({ traceFile: v1 }), "trace-file").label).toBe(
      "your trace v1.vscsi, read from the file (no response times recorded: no latency or OIO)",
    );
    const blk = await run({
      traceFile: write(
        "err.txt",
        [
          "  8,0 0 1 0.000000000 7 D R 8 + 8 [a]",
          "  8,0 0 2 0.000100000 0 C R 8 + 8 [0]",
          "  8,0 0 3 0.001000000 7 D W 64 + 8 [a]",
          "  8,0 0 4 0.001100000 0 C W 64 + 8 [-5]",
          "",
        ].join("\n"),
      ),
    });
    expect(workload(blk, "trace-file").label).toBe(
      "your trace err.txt, read from the file (latency and OIO of the 1 IO with a recorded response time)",
    );
  });

  it("folds IOs beyond the VM's disk into it, and says how many", async () => {
    // 4 PB: past the local disk's ~286 GiB.
    const far = write("far.csv", msrTrace(20, [`${T0 + 1_000_000n},src1,2,Read,${4 * 2 ** 50},4096,100`]));
    const r = await run({ traceFile: far });
    expect(r.metrics["trace.replay.foldedIos"]).toBe(1);
    expect(r.metrics["trace.replay.ios"]).toBe(21);
    expect(r.notes?.find((n) => n.startsWith("Your trace"))).toContain("1 IO beyond the VM's disk folded into it");
  });

  it("cuts a timed replay that would outrun the kernel's clock, and says where; a closed loop replays it all", async () => {
    // Two IOs 60 days apart at half speed: the second is due at 120 days, past 2^53 ns (~104 days), where the kernel
    // refuses to schedule an event (the run failed there, naming no key).
    const ticks60Days = 60n * 86_400n * 10_000_000n;
    const long = write("long.csv", msrTrace(10, [`${T0 + ticks60Days},src1,2,Read,0,4096,100`]));
    const r = await run({ traceFile: long, traceSpeed: 0.5 });
    expect(r.metrics["trace.ios"]).toBe(11);
    expect(r.metrics["trace.replay.ios"]).toBe(10);
    expect(rowsOf(r, "trace")[0].cut).toMatch(
      /^the timed replay stopped before line 11, recorded 60\.0 days after the trace's first IO: at traceSpeed 0\.5 that is past the 52\.1 days/,
    );
    expect(r.notes?.some((n) => n.startsWith("Trace replay cut: the timed replay stopped before line 11"))).toBe(true);
    const closed = await run({ traceFile: long, traceReplay: "closed" });
    expect(closed.metrics["trace.replay.ios"]).toBe(11);
    expect(rowsOf(closed, "trace")[0].cut).toBeNull();
  });

  // index.html's heading is the scenario's title: it called every run's trace "a generated VM disk trace", yours too.
  it("the scenario's title (index.html's heading) does not call your trace vmlab's generated one", () => {
    expect(vscsistatsCharacterize.title).not.toMatch(/of a generated/);
    expect(vscsistatsCharacterize.title).toContain("traceFile");
  });

  it("reports progress through the trace's two passes", async () => {
    const seen: number[] = [];
    await run({ traceFile: msr }, 1, (done, total) => seen.push(done / total));
    const during = seen.filter((x) => x > 0.6 && x < 1);
    expect(during.length).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it("trace.csv's ignoredLines counts the well-formed lines that hold no IO (an MSR header), apart from bad lines", async () => {
    const path = write("header.csv", `Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n${msrTrace(20)}`);
    const r = await run({ traceFile: path });
    expect(rowsOf(r, "trace")[0]).toMatchObject({ ios: 20, ignoredLines: 1, skippedBadLines: 0 });
  });
});

describe("vscsistats-characterize refuses a trace it cannot read before running, naming the key and the path", () => {
  const check = checkError;
  const refusal = (key: string, issue: string) =>
    `invalid config for vscsistats-characterize: ${key}: ${issue} (see \`vmlab describe vscsistats-characterize\`)`;

  it("a missing file, a directory, standard input, a file of no detectable format, a format without a file", () => {
    const missing = join(dir, "nope.csv");
    expect(check({ traceFile: missing })).toMatchObject({
      code: "VMLAB_SCENARIO_BAD_CONFIG",
      message: refusal("traceFile", `${missing} does not exist`),
    });
    const sub = join(dir, "sub");
    mkdirSync(sub, { recursive: true });
    expect(check({ traceFile: sub })?.message).toBe(refusal("traceFile", `${sub} is a directory, not a trace file`));
    expect(check({ traceFile: "-" })?.message).toMatch(
      /^invalid config for vscsistats-characterize: traceFile: must be a file's path, got "-"/,
    );
    const odd = write("odd.dat", "hello\nworld\n");
    expect(check({ traceFile: odd })?.message).toBe(
      refusal(
        "traceFormat",
        `cannot tell the format of ${odd} from its first bytes or its name; set traceFormat to one of msr, vscsi, blkparse, fio`,
      ),
    );
    // Given the format, the same file passes the check (its first bad line stops the run).
    expect(check({ traceFile: odd, traceFormat: "blkparse" })).toBeUndefined();
    const gz = join(dir, "t.csv.gz");
    writeFileSync(gz, Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x72, 0x65]));
    expect(check({ traceFile: gz })?.message).toBe(refusal("traceFile", `${gz} is gzip-compressed; decompress it first`));
    expect(check({ traceFormat: "msr" })?.message).toBe(
      refusal("traceFormat", "is for traceFile; the shipped trace is a .vscsi file, got msr without a traceFile"),
    );
    expect(check({})).toBeUndefined();
    expect(check({ traceFile: write("ok.csv", msrTrace(3)) })).toBeUndefined();
  });
});
