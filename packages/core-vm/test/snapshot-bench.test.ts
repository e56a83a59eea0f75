import { describe, expect, it } from "vitest";
import { dirtyTrackingBenchmarks } from "../src/bench/dirty-bench.js";
import { snapshotBenchmarks } from "../src/bench/snapshot-bench.js";
import { plugin } from "../src/plugin.js";

describe("snapshot and dirty-tracking benchmarks", () => {
  it("are registered in core-vm's plugin", () => {
    const names = plugin.benchmarks.map((b) => b.name);
    for (const n of ["snapshot.save", "snapshot.restore", "memory.dirty-tracking"]) expect(names).toContain(n);
  });

  for (const b of [...snapshotBenchmarks, ...dirtyTrackingBenchmarks]) {
    it(`${b.name} measures itself and its baseline in the same run`, async () => {
      const r = await b.run({ quick: true });
      expect(r.value).toBeGreaterThan(0);
      expect(Number.isFinite(r.value)).toBe(true);
      expect(r.baseline?.value).toBeGreaterThan(0);
      expect(r.note).toBeTruthy();
    });
  }

  it("snapshot.save writes far fewer bytes than the RAM: zero pages are elided", async () => {
    const save = snapshotBenchmarks.find((b) => b.name === "snapshot.save");
    const r = await save?.run({ quick: true });
    const bytes = Number(/^(\d+) bytes/.exec(r?.note ?? "")?.[1]);
    expect(bytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(bytes).toBeLessThan(17 * 1024 * 1024);
  });
});
