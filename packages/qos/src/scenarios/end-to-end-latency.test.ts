import { describe, expect, it } from "vitest";
import { pardaEndToEnd } from "./parda-end-to-end.js";
import { runQuick } from "./run-quick.test-support.js";

describe("parda-end-to-end says why its latency sits above L", () => {
  it("the window law's fixed point L + Σβ / throughput is in the metrics and a note, and is where latency settles", async () => {
    const r = await runQuick(pardaEndToEnd);
    const m = r.metrics;
    // Table 6's β = 6:4:4:2 (Σβ = 16) at ~3 IOs per ms holds latency ~5 ms above L = 25 ms: well past the 15% the
    // other PARDA scenarios are held to, and the results said nothing.
    expect(m.parda_latency_ms / 25 - 1).toBeGreaterThan(0.15);
    expect(Math.abs(m.window_law_latency_ms / m.parda_latency_ms - 1)).toBeLessThan(0.05);
    const note = (r.notes ?? []).find((n) => n.includes("window law"));
    expect(note).toBeDefined();
    expect(note).toContain(`${m.parda_latency_ms} ms`);
    expect(note).toContain("Σβ = 16");
    expect(note).toContain(`${m.window_law_latency_ms} ms`);
  });

  it("with windows at windowMax the note says the law does not set them, not that latency sits where the law says", async () => {
    // L = 200 ms: the array never gets that slow, every window grows to 64, and the note said "PARDA holds latency at
    // 12 ms, 94% below L = 200 ms, as its window law says".
    const r = await runQuick(pardaEndToEnd, { latencyThresholdMs: 200 });
    const windows = r.tables[0].rows.map((x) => x.parda_host_window as number);
    expect(Math.min(...windows)).toBeGreaterThanOrEqual(64 * 0.98);
    expect(r.notes?.some((n) => n.startsWith("PARDA holds latency at"))).toBe(false);
    expect(r.notes).toContainEqual(
      expect.stringMatching(/^The window of hosts 1, 2, 3, 4 at windowMax \(64\), the law asking for more, over/),
    );
  });
});
