import { describe, expect, it } from "vitest";
import { mclockVsSfq } from "./mclock-vs-sfq.js";
import { runQuick } from "./run-quick.test-support.js";

const sfqRow = async (over: Record<string, unknown>) =>
  (await runQuick(mclockVsSfq, over)).reference.find((x) => x.what.endsWith("SFQ(D)"));

describe("mclock-vs-sfq's SFQ(D) row when no control binds", () => {
  it("is n/a, saying why, when shares alone meet every control: no controls, or a reservation below the VM's share", async () => {
    // Both read "fail": SFQ(D) met all 4 VMs' controls, which is right when the controls ask for nothing shares do not give.
    for (const over of [
      { reservationsIops: [0, 0, 0, 0], limitsIops: [0, 0, 0, 0] },
      { reservationsIops: [300, 0, 0, 0], limitsIops: [0, 0, 0, 0] },
    ]) {
      const row = await sfqRow(over);
      expect(row?.ours, JSON.stringify(over)).toBe("4 of 4");
      expect(row?.verdict, JSON.stringify(over)).toBe("n/a");
      expect(row?.tolerance).toContain("not checked: no control binds");
    }
  });

  it("is checked when a control binds (the default: a reservation above VM 1's share, a limit below VM 2's)", async () => {
    const row = await sfqRow({});
    expect(row?.verdict).toBe("pass");
    expect(row?.tolerance).not.toContain("not checked");
  });
});
