import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BlkparseReader } from "./blkparse.js";
import { ScanBlkparseReader } from "./blkparse-scan.test-support.js";
import { newTraceRecord, type TraceRecord } from "./record.js";
import { textSource } from "./source.js";

/**
 * A trace event: a data D, C or R on a sector (of a few, so dispatches of one sector wait together) — a read, a write
 * or a zone append, which waits under a key of its own —, or a line that is no IO.
 */
type Op =
  | { kind: "D" | "C" | "R"; sector: number; rw: "R" | "W" | "ZA"; otherDevice: boolean; dt: number }
  | { kind: "burst"; sectors: number[]; dt: number }
  | { kind: "noise"; line: string; dt: number };

const sector = fc.integer({ min: 0, max: 7 }).map((s) => s * 8);
const dt = fc.integer({ min: -2, max: 50 });
const rw = fc.constantFrom("R" as const, "W" as const, "ZA" as const);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constantFrom("D" as const, "C" as const, "R" as const),
      sector,
      rw,
      otherDevice: fc.constant(false),
      dt,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("D" as const), sector, rw, otherDevice: fc.constant(true), dt }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("C" as const), sector, rw, otherDevice: fc.constant(true), dt }) },
  // Dispatches enough to fill the 4,096-slot window and push its oldest out unanswered.
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("burst" as const),
      sectors: fc.integer({ min: 1, max: 4500 }).chain((n) =>
        fc.array(
          fc.integer({ min: 0, max: 40 }).map((s) => s * 8),
          { minLength: n, maxLength: n },
        ),
      ),
      dt,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("noise" as const),
      line: fc.constantFrom("Q   R 8 + 8 [a]", "D FWS [jbd2]", "C FWS 0 [0]", "C   R 16 [0]", "D   R 8 + x [a]", "m   N cfq insert"),
      dt,
    }),
  },
);

function traceText(ops: Op[]): string {
  const lines: string[] = [];
  let ns = 1_000_000;
  const line = (device: string, rest: string) => {
    lines.push(`  ${device}    0  ${lines.length + 1}  ${Math.floor(ns / 1e9)}.${String(ns % 1e9).padStart(9, "0")}  1  ${rest}`);
  };
  for (const o of ops) {
    ns = Math.max(ns + o.dt * 1000, 0);
    if (o.kind === "noise") line("8,0", o.line);
    else if (o.kind === "burst") for (const s of o.sectors) line("8,0", `D   W ${s} + 8 [a]`);
    else line(o.otherDevice ? "8,16" : "8,0", `${o.kind}  ${o.rw.padStart(2)} ${o.sector} + 8 [a]`);
  }
  return lines.join("\n");
}

/** Everything a reader gives: its records, the error that stopped it (if one did), and its counts and note. */
function outcome(reader: BlkparseReader) {
  const records: TraceRecord[] = [];
  const rec = newTraceRecord();
  let error = "";
  try {
    while (reader.next(rec)) records.push({ ...rec });
  } catch (e) {
    error = (e as Error).message;
  }
  return { records, error, ignored: reader.ignored, skipped: reader.skipped, firstSkipped: reader.firstSkipped, note: reader.noIoNote() };
}

describe("blkparse completion matching by index", () => {
  it("pairs every completion and requeue with the same dispatch as the window scan, and pushes out the same IOs when the window is full", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.boolean(), (ops, skipBad) => {
        const text = traceText(ops);
        const options = { name: "t.txt", skipBad };
        expect(outcome(new BlkparseReader(textSource(text), options))).toEqual(outcome(new ScanBlkparseReader(textSource(text), options)));
      }),
      { numRuns: 150 },
    );
  });
});
