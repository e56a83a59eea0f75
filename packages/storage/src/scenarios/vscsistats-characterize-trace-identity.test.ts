import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { msrTrace, rowsOf, run, sha256, traceNote, writeIn } from "./vscsistats-characterize-user-trace.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "vmlab-trace-identity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => writeIn(dir, name, text);

/**
 * `change` applied to the file once, between the characterization's pass and the replay's: when the run's progress
 * first reaches 4 of 5 (the Iometer workloads are 3 of 5, each pass over the trace 1), which the characterization
 * reports on its last read of the file. The progress callback is the seam: no timing involved.
 */
function betweenPasses(change: () => void): { progress: (done: number, total: number) => void; changed: () => boolean } {
  let changed = false;
  return {
    progress: (done, total) => {
      if (!changed && done / total >= 0.8) {
        changed = true;
        change();
      }
    },
    changed: () => changed,
  };
}

describe("vscsistats-characterize identifies your trace by the bytes it read", () => {
  // The file was hashed first, then read twice: the replay read other IOs than those of the sha256 recorded.
  it("refuses a trace that changed between the characterization and the replay, naming the file", async () => {
    const path = write("changing.csv", msrTrace(300));
    const original = readFileSync(path, "utf8");
    // Same size, other bytes: the first IO's 4 KiB become 8 KiB.
    const change = betweenPasses(() => writeFileSync(path, original.replace(",4096,", ",8192,")));
    const error = await run({ traceFile: path }, 1, change.progress).catch((e: unknown) => e);
    expect(change.changed()).toBe(true);
    expect(error).toMatchObject({
      code: "VMLAB_TRACE_CHANGED",
      message: expect.stringMatching(new RegExp(`^trace file ${path} changed while the run read it`)),
    });
    // Left alone, the same file runs.
    expect((await run({ traceFile: path })).metrics["trace.ios"]).toBe(300);
  });

  it("a trace that grew while the characterization read it: both passes read the grown file, and its sha256 is recorded", async () => {
    const path = write("growing.csv", msrTrace(300));
    const more = msrTrace(310).split("\n").slice(300).join("\n");
    const change = betweenPasses(() => writeFileSync(path, more, { flag: "a" }));
    const r = await run({ traceFile: path }, 1, change.progress);
    expect(change.changed()).toBe(true);
    expect(rowsOf(r, "trace")[0]).toMatchObject({ ios: 310, replayedIos: 310, bytes: readFileSync(path).length, sha256: sha256(path) });
  });

  // A relative traceFile was recorded as given: the results did not say which file it was outside the directory it ran in.
  it("records the absolute path of a relative traceFile beside it; the results differ only in the path as given", async () => {
    const abs = write("rel.csv", msrTrace(100));
    const rel = relative(process.cwd(), abs);
    expect(isAbsolute(rel)).toBe(false);
    const byRel = await run({ traceFile: rel });
    const byAbs = await run({ traceFile: abs });
    expect(rowsOf(byRel, "trace")[0]).toMatchObject({ path: rel, absolutePath: abs, sha256: sha256(abs) });
    expect(rowsOf(byAbs, "trace")[0]).toMatchObject({ path: abs, absolutePath: abs });
    expect(traceNote(byRel)).toMatch(new RegExp(`^Your trace: ${abs} \\(msr, `));
    expect(byRel.reference.find((x) => x.what.startsWith("your trace"))?.note).toMatch(new RegExp(`^${abs} \\(msr, `));
    // The same file by either path: identical results but for the trace table's path as given.
    const withoutGiven = (r: typeof byRel) =>
      JSON.stringify({ ...r, tables: r.tables.map((t) => ({ ...t, rows: t.rows.map(({ path: _, ...row }) => row) })) });
    expect(withoutGiven(byRel)).toBe(withoutGiven(byAbs));
  });
});
