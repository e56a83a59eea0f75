import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_REORDER_WINDOW, MAX_REORDER_WINDOW } from "../trace/reorder.js";
import { VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";
import { msrTrace, msrTraceMoved, rowsOf, run, traceNote, writeIn } from "./vscsistats-characterize-user-trace.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "vmlab-trace-order-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => writeIn(dir, name, text);

/** The rows of the histograms table of `workload`: what it characterized, whatever the trace file's name. */
const histogramsOf = (r: Awaited<ReturnType<typeof run>>, workload: string) =>
  JSON.stringify(rowsOf(r, "histograms").filter((x) => x.workload === workload));

describe("vscsistats-characterize's traceReorderWindow, as vmlab vscsistats --reorder-window", () => {
  it("has the CLI flag's default and bounds", () => {
    expect(VscsiCharacterizeConfig.parse({}).traceReorderWindow).toBe(DEFAULT_REORDER_WINDOW);
    expect(VscsiCharacterizeConfig.parse({ traceReorderWindow: 0 }).traceReorderWindow).toBe(0);
    expect(VscsiCharacterizeConfig.parse({ traceReorderWindow: MAX_REORDER_WINDOW }).traceReorderWindow).toBe(MAX_REORDER_WINDOW);
    for (const bad of [-1, 1.5, MAX_REORDER_WINDOW + 1])
      expect(VscsiCharacterizeConfig.safeParse({ traceReorderWindow: bad }).success).toBe(false);
  });

  // The scenario had no key for it: an IO out of order by more than 4,096 records was always characterized late.
  it("puts back in order an IO out of order by more than the default window, in both the characterization and the replay", async () => {
    const sorted = await run({ traceFile: write("sorted.csv", msrTrace(5000)), traceMaxIos: 0, traceReplay: "closed" });
    const far = write("far.csv", msrTraceMoved(5000, 4500));
    const byDefault = await run({ traceFile: far, traceMaxIos: 0, traceReplay: "closed" });
    expect(byDefault.metrics).toMatchObject({ "trace.reorderedIos": 0, "trace.lateIos": 1 });
    expect(traceNote(byDefault)).toContain("sort the file by time or set a larger traceReorderWindow");
    const wide = await run({ traceFile: far, traceMaxIos: 0, traceReplay: "closed", traceReorderWindow: 8192 });
    expect(wide.metrics).toMatchObject({ "trace.reorderedIos": 1, "trace.lateIos": 0 });
    expect(rowsOf(wide, "trace")[0]).toMatchObject({ reorderWindow: 8192, reorderedIos: 1, lateIos: 0 });
    expect(traceNote(wide)).toContain("1 put back in issue order by the reorder window of 8192 records");
    // Put back in order, the trace is characterized and replayed exactly as the sorted file; late, it is not.
    for (const w of ["trace-file", "trace-replay"]) {
      expect(histogramsOf(wide, w)).toBe(histogramsOf(sorted, w));
      expect(histogramsOf(byDefault, w)).not.toBe(histogramsOf(sorted, w));
    }
  });

  it("0 takes the file's order: an IO out of order by one record is late, and the note says so as vmlab vscsistats does", async () => {
    const near = write("near.csv", msrTraceMoved(50, 1));
    const r = await run({ traceFile: near, traceReorderWindow: 0 });
    expect(r.metrics).toMatchObject({ "trace.reorderedIos": 0, "trace.lateIos": 1 });
    expect(traceNote(r)).toContain("1 IO issued earlier than an IO before it (interarrival 0; first: line 2)");
    expect(traceNote(r)).not.toContain("reorder window of 0");
  });
});

describe("vscsistats-characterize's note on a failed IO", () => {
  // "1 IO completed with an error; 1 without a recorded response time" read as two IOs, of a trace with one failed IO.
  it("tells of one failed blkparse IO as one IO", async () => {
    const lines = (...ls: string[]) => `${ls.join("\n")}\n`;
    const failed = write(
      "failed.txt",
      lines(
        "  8,0 0 1 0.000000000 7 D R 8 + 8 [a]",
        "  8,0 0 2 0.000100000 0 C R 8 + 8 [0]",
        "  8,0 0 3 0.001000000 7 D W 64 + 8 [a]",
        "  8,0 0 4 0.001100000 0 C W 64 + 8 [-5]",
      ),
    );
    const r = await run({ traceFile: failed });
    expect(r.metrics).toMatchObject({ "trace.failedIos": 1, "trace.untimedIos": 1 });
    expect(traceNote(r)).toContain(
      "2 IOs read; 1 IO completed with an error (its C event's [error] not 0), so without a response time (trace-file: not in latency/outstanding IOs).",
    );
    // A failed IO and one whose completion is missing: two IOs without a response time, told apart.
    const both = write(
      "both.txt",
      lines("  8,0 0 1 0.000000000 7 D R 8 + 8 [a]", "  8,0 0 2 0.001000000 7 D W 64 + 8 [a]", "  8,0 0 3 0.001100000 0 C W 64 + 8 [-5]"),
    );
    expect(traceNote(await run({ traceFile: both }))).toContain(
      "2 IOs read; 1 IO completed with an error (its C event's [error] not 0), so without a response time, and 1 other IO without a recorded response time (trace-file: not in latency/outstanding IOs).",
    );
  });
});
