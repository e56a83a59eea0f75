import { describe, expect, it } from "vitest";
import { pardaEqualShares } from "./parda-equal-shares.js";
import { runQuick } from "./run-quick.test-support.js";
import { windowLawLatencyMs, windowLawNote } from "./window-law.js";

describe("PARDA's window law: the latency it settles at, and the note when that is past the latency row's bound", () => {
  it("L + Σβ / throughput, in IOs per ms", () => {
    expect(windowLawLatencyMs(30, 16, 2530)).toBeCloseTo(30 + 16 / 2.53, 12);
    expect(windowLawLatencyMs(30, 4, 3200)).toBeCloseTo(31.25, 12);
  });

  it("says nothing while the law's latency is within the bound, and why the row fails once it is past it", () => {
    expect(windowLawNote(30, 4, 3200, 0.15)).toEqual([]); // Table 3: 31.25 ms, 4% above L
    expect(windowLawNote(30, 16, 2530, 0.15)).toEqual([
      "PARDA's window law settles latency at L + Σβ / throughput = 30 + 16 / 2.53 IOs per ms = 36.3 ms, 21% above L, past the 15% the latency row allows: at the law's fixed point w = (L/L(t))·w + β each host's window is β more than L alone would give it. So that row fails for the law, not for the control; a smaller Σβ (fewer hosts, smaller shares) brings latency nearer L.",
    ]);
  });

  it("parda-equal-shares: 16 hosts get the note beside their failing latency row; Table 3's 4 do not", async () => {
    // The row read "fail" (36.5 ms against L = 30 ± 15%) with nothing to say it is the law's Σβ = 16, not a broken control.
    const many = await runQuick(pardaEqualShares, { hosts: 16 });
    expect(many.notes?.filter((n) => n.startsWith("PARDA's window law settles latency at L + Σβ / throughput = 30 + 16 /"))).toHaveLength(
      1,
    );
    const four = await runQuick(pardaEqualShares);
    expect(four.notes?.some((n) => n.includes("window law"))).toBe(false);
  });
});
