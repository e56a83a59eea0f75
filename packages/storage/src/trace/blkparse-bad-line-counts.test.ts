import { describe, expect, it } from "vitest";
import { BlkparseReader } from "./blkparse.js";
import { newTraceRecord } from "./record.js";
import { textSource } from "./source.js";

/** Reads `lines` with skip-bad to the end: the error it throws, or null. */
function errorOf(lines: string[]): string | null {
  const reader = new BlkparseReader(textSource(`${lines.join("\n")}\n`), { name: "t.txt", skipBad: true });
  const rec = newTraceRecord();
  try {
    while (reader.next(rec));
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}

/**
 * An IO is its D event (its issue time); a trace with Q events and no D is refused (a bio-based device's, or one
 * filtered to queue events), told apart by its C events. A bad line, skipped, is no event: a bad D line counted as a
 * dispatch let a trace of Q and C events through as 0 IOs, and a bad C line made a Q-only trace a bio-based one's.
 */
describe("blkparse: a bad line skipped counts toward no event kind", () => {
  const Q = "253,0    1        1     0.000000000  1234  Q   W 1000 + 8 [dd]";
  const C = "253,0    1        3     0.000500000     0  C   W 1000 + 8 [0]";

  it("a bad D line is no dispatch: a trace of Q and C events is still refused as having none", () => {
    const badD = "253,0    1        2     0.000100000  1234  D   W 1000 + x [dd]";
    expect(errorOf([Q, badD, C])).toMatch(/^t\.txt: 1 queue \(Q\) event but no dispatch \(D\) events.*bio-based/);
  });

  it("a bad C line is no completion: a trace of Q events is still refused as filtered to queue events", () => {
    const badC = "253,0    1        3     0.000500000     0  C   W 1000 x 8 [0]";
    expect(errorOf([Q, badC])).toMatch(/^t\.txt: 1 queue \(Q\) event and no dispatch \(D\) or completion \(C\) events/);
  });

  it("a good D line after a bad one is a dispatch as before", () => {
    const badD = "253,0    1        2     0.000100000  1234  D   W 1000 + x [dd]";
    const D = "253,0    1        4     0.000600000  1234  D   W 2000 + 8 [dd]";
    expect(errorOf([Q, badD, C, D])).toBeNull();
  });
});
