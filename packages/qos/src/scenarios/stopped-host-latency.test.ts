import { describe, expect, it } from "vitest";
import { pardaDemandChange } from "./parda-demand-change.js";
import { runQuick } from "./run-quick.test-support.js";

describe("a host with no IO in a sample has no latency there (Fig. 9's stopped hosts)", () => {
  it("parda-demand-change's time series holds null, not 0 ms, for a stopped host, and a latency wherever IOs completed", async () => {
    const r = await runQuick(pardaDemandChange);
    const ts = r.tables.find((t) => t.name === "time-series");
    if (!ts) throw new Error("no time-series table");
    // Host 6 stops first (110 s in the quick run): after it has drained, its samples hold no IO.
    const after = ts.rows.filter((row) => row.host === "host 6" && (row.t_s as number) > 120);
    expect(after.length).toBeGreaterThan(0);
    for (const row of after) {
      expect(row.iops).toBe(0);
      expect(row.latency_ms).toBeNull();
    }
    // A 0 ms latency is never drawn: a sample either saw IOs (a latency > 0) or none (null).
    for (const row of ts.rows) {
      if ((row.iops as number) > 0) expect(row.latency_ms as number).toBeGreaterThan(0);
      else expect(row.latency_ms).toBeNull();
    }
  });
});
