import { describe, expect, it } from "vitest";
import { CHEETAH_15K5 } from "./devices/hdd-spec.js";
import { storageModelChecks } from "./model-checks.js";

/**
 * docs/esx-disk-perf.md's "Model checks" table is rendered from `storageModelChecks()`; doc-tables.test.ts
 * only checks the doc still matches it. These check that each value is what its row says it is (a metric
 * naming the wrong measurement, or the wrong point of a curve, printed a plausible number in the doc).
 */
describe("storageModelChecks: each value is the quantity its row of the doc's table names", () => {
  const r = storageModelChecks();
  const m = r.metrics as Record<string, number>;
  const table = (name: string) => r.tables.find((t) => t.name === name)?.rows as Record<string, number>[];

  it("the seek curve's values are its track-to-track, full-stroke (C − 1 cylinders) and average seeks: the Cheetah's read figures", () => {
    const f = CHEETAH_15K5.readSeek;
    expect(m["seek.track_to_track_ms"]).toBeCloseTo(f.trackToTrackMs, 6);
    expect(m["seek.full_stroke_ms"]).toBeCloseTo(f.fullStrokeMs, 6);
    expect(m["seek.average_ms"]).toBeCloseTo(f.averageMs, 3);
  });

  it("sequential reads run at the outer zone's and the inner zone's sustained rates (125 and 73 MB/s)", () => {
    expect(Math.abs(m["hdd.seq_outer_mbps"] / CHEETAH_15K5.outerMBps - 1)).toBeLessThan(0.02);
    expect(Math.abs(m["hdd.seq_inner_mbps"] / CHEETAH_15K5.innerMBps - 1)).toBeLessThan(0.02);
  });

  it("QD 1 IOPS is one over the QD 1 service time (the same random 4 KiB reads), and deeper queues give more", () => {
    const qd = table("hdd-qd");
    expect(qd.map((row) => row.qd)).toEqual([1, 4, 16, 32, 64]);
    expect(Math.abs(qd[0].iops * (m["hdd.service_ms"] / 1000) - 1)).toBeLessThan(0.01);
    for (let i = 1; i < qd.length; i++) expect(qd[i].iops).toBeGreaterThan(qd[i - 1].iops);
    // The spec column: 3.5 ms average seek + half a revolution at 15,000 RPM + 4 KiB at ~99 MB/s.
    expect(m["hdd.service_spec_ms"]).toBeCloseTo(3.5 + 2.0 + (4096 / 99e6) * 1e3, 9);
  });

  it("RAID-5's small-write penalty shows in its writes only: its reads run at RAID-0's rate, its writes at under half", () => {
    const raid = table("raid");
    const at = (level: number) => raid.find((row) => row.level === level) as Record<string, number>;
    expect(at(5).write_iops).toBeLessThan(at(0).write_iops / 2);
    expect(Math.abs(at(5).read_iops / at(0).read_iops - 1)).toBeLessThan(0.1);
    expect(at(5).read_iops).toBeGreaterThan(2 * at(5).write_iops);
  });

  it("the SSD write cliff: IOPS fall from fresh to late to steady as write amplification rises from the late to the steady window", () => {
    expect(m["ssd.fresh_iops"]).toBeGreaterThan(m["ssd.late_iops"]);
    expect(m["ssd.late_iops"]).toBeGreaterThan(m["ssd.steady_iops"]);
    expect(m["ssd.late_wa"]).toBeGreaterThan(1);
    expect(m["ssd.late_wa"]).toBeLessThan(m["ssd.steady_wa"]);
    expect(m["ssd.steady_iops"]).toBeLessThanOrEqual(m["ssd.die_bound_iops"]);
    expect(m["ssd.capacities_at_30s"]).toBeGreaterThan(1);
  });

  it("FTL write amplification at 10–30% spare is below the large-block limit and falls as the spare grows", () => {
    const wa = table("ftl-wa");
    expect(wa.map((row) => row.op)).toEqual([0.1, 0.15, 0.2, 0.3]);
    for (const row of wa) expect(row.measured).toBeLessThan(row.limit);
    for (let i = 1; i < wa.length; i++) expect(wa[i].measured).toBeLessThan(wa[i - 1].measured);
  });
});
