import { describe, expect, it } from "vitest";
import { mclockVsSfq } from "./mclock-vs-sfq.js";
import { runQuick } from "./run-quick.test-support.js";

const run = (over: Record<string, unknown>) => runQuick(mclockVsSfq, over);

describe("mclock-vs-sfq with reservations above what the array delivers", () => {
  it("says so in the notes, naming the VMs left with nothing (they got 0 IOPS with only a fail row)", async () => {
    const r = await run({ reservationsIops: [1500, 1500, 0, 0], limitsIops: [0, 0, 0, 0] });
    const rows = r.tables[0].rows;
    expect(rows.slice(2).map((x) => x.mclock_iops)).toEqual([0, 0]);
    const notes = (r.notes ?? []).filter((n) => n.includes("reservations sum to 3000 IOPS"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/more than the array delivered \(\d+ IOPS under SFQ\(D\), \d+ under mClock\)/);
    expect(notes[0]).toContain("VM 3 and VM 4 got 0 IOPS");
    expect(notes[0]).toContain("admission control");
  });

  it("does not fail mClock's row for a promise the paper makes only when reservations fit: n/a, saying why", async () => {
    // The row read "fail" beside a note saying the reservations could not be met.
    const r = await run({ reservationsIops: [1500, 1500, 0, 0], limitsIops: [0, 0, 0, 0] });
    const row = r.reference.find((x) => x.what.endsWith("mClock"))!;
    expect(row.verdict).toBe("n/a");
    expect(row.tolerance).toContain("not checked: the reservations sum to more than the array delivered");
    expect(r.reference.find((x) => x.what.endsWith("SFQ(D)"))!.verdict).toBe("pass");
  });

  it("adds no such note when the reservations fit (the default config)", async () => {
    const r = await run({});
    expect((r.notes ?? []).filter((n) => n.includes("reservations sum"))).toEqual([]);
    expect(r.reference.find((x) => x.what.endsWith("mClock"))!.verdict).toBe("pass");
  });
});
