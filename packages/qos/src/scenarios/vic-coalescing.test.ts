import { isVmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { runQuick } from "./run-quick.test-support.js";
import { QOS_TOLERANCES } from "./tolerances.js";
import { VicCoalescingConfig, vicCoalescing } from "./vic-coalescing.js";

const run = (over: Record<string, unknown> = {}, seed = 1) => runQuick(vicCoalescing, over, seed);

type Row = {
  oio: number;
  iops_off: number;
  iops_vic: number;
  interrupts_per_s_off: number;
  interrupts_per_s_vic: number;
  latency_us_off: number;
  latency_us_vic: number;
};

describe("vic-coalescing", () => {
  it("at high OIO cuts the interrupt rate by at least half with throughput not lower; at OIO 1 adds no latency", async () => {
    const r = await run();
    const rows = r.tables[0].rows as unknown as Row[];
    const at = (oio: number) => rows.find((x) => x.oio === oio) as Row;
    const high = at(32);
    expect(high.interrupts_per_s_vic).toBeLessThanOrEqual(high.interrupts_per_s_off * QOS_TOLERANCES.vic.highOioInterruptRatioMax);
    expect(high.iops_vic).toBeGreaterThanOrEqual(high.iops_off);
    const one = at(1);
    expect(one.latency_us_vic).toBe(one.latency_us_off);
    expect(one.iops_vic).toBe(one.iops_off);
    expect(one.interrupts_per_s_vic).toBe(one.interrupts_per_s_off);
    expect(r.metrics.max_throughput_gain).toBeLessThan(QOS_TOLERANCES.vic.maxThroughputGain);
    expect(r.reference.map((x) => x.verdict)).toEqual(["pass", "pass"]);
  });

  it("changes nothing up to OIO 8: after a completion CIF is at most 7, and R = 1 up to CIF 7 (threshold 4, table from 8)", async () => {
    const r = await run({ oio: [8] });
    const row = (r.tables[0].rows as unknown as Row[])[0];
    expect(row.latency_us_vic).toBe(row.latency_us_off);
    expect(row.iops_vic).toBe(row.iops_off);
    expect(row.interrupts_per_s_vic).toBe(row.interrupts_per_s_off);
  });

  it("applies vIC's config keys: thresholds above the load switch it off, a gentler table delivers more", async () => {
    const at32 = async (over: Record<string, unknown>) =>
      ((await run({ oio: [32], ...over })).tables[0].rows as unknown as Row[])[0] as Row & { interrupts_per_io_vic: number };
    for (const over of [{ cifThreshold: 64 }, { iopsThreshold: 1e7 }, { ratioMinCif: [], ratio: [] }]) {
      const row = await at32(over);
      expect(row.interrupts_per_s_vic, JSON.stringify(over)).toBe(row.interrupts_per_s_off);
      expect(row.latency_us_vic, JSON.stringify(over)).toBe(row.latency_us_off);
    }
    expect((await at32({})).interrupts_per_io_vic).toBeLessThan(0.4); // default table: down to 1/8
    expect((await at32({ ratioMinCif: [8], ratio: [1 / 2] })).interrupts_per_io_vic).toBeGreaterThanOrEqual(0.5);
  });

  it("refuses a CIF → R table whose lists do not pair up, naming the key", async () => {
    await expect(run({ ratio: [0.5] })).rejects.toMatchObject({ code: "VMLAB_SCENARIO_BAD_CONFIG", details: { key: "ratio" } });
  });

  it("refuses a warm-up that leaves nothing to measure, naming warmupS (every rate was NaN, exit 0)", async () => {
    for (const warmupS of [0.5, 3]) {
      try {
        const r = await run({ oio: [1, 32], durationS: 0.5, warmupS });
        expect.unreachable(`ran and returned ${JSON.stringify(r.metrics)}`);
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
        expect(isVmlabError(e) && e.details.key).toBe("warmupS");
      }
    }
  });

  it("refuses a sweep whose runs together could simulate more than 10^9 IOs (about half an hour), naming oio; a long default sweep passes", () => {
    // Each run is capped at 10^8 IOs, but 256 OIO points × 2 runs at 600 s could take 5·10^10: a day or more, by accident.
    const check = (over: Record<string, unknown>) => () =>
      vicCoalescing.check?.({ config: VicCoalescingConfig.parse(over), seed: 1, quick: false });
    const all = Array.from({ length: 256 }, (_, i) => i + 1);
    expect(check({ oio: all, durationS: 600 })).toThrow(
      expect.objectContaining({
        code: "VMLAB_SCENARIO_BAD_CONFIG",
        details: expect.objectContaining({ key: "oio" }),
        message: expect.stringMatching(
          /^invalid config for vic-coalescing: oio: the sweep's 256 points × 2 runs allow up to \d+ IOs.*more than 1000000000.*given 256 points and durationS=600 \(see `vmlab describe vic-coalescing`\)$/,
        ),
      }),
    );
    expect(check({ oio: all, durationS: 2 })).not.toThrow();
    expect(check({ durationS: 600 })).not.toThrow();
    expect(VicCoalescingConfig.shape.oio.description).toContain("10^9 IOs");
  });

  it("same seed, same JSON", async () => {
    const a = JSON.stringify(await run({ oio: [4, 32] }, 3));
    expect(JSON.stringify(await run({ oio: [4, 32] }, 3))).toBe(a);
  });

  it("reports the high-OIO metrics from the sweep's highest OIO, whatever order the sweep is given in", async () => {
    // Acceptance check 1 is about high OIO (32-64): the metrics must come from the top of the sweep, not a lower point.
    const r = await run({ oio: [32, 1, 8] });
    const rows = r.tables[0].rows as unknown as (Row & { throughput_gain: number })[];
    const top = rows[rows.length - 1];
    expect(top.oio).toBe(32);
    expect(r.metrics.high_oio_interrupt_ratio).toBeCloseTo(top.interrupts_per_s_vic / top.interrupts_per_s_off, 3);
    expect(r.metrics.high_oio_throughput_gain).toBe(top.throughput_gain);
  });
});
