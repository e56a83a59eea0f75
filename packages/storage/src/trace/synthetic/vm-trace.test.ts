import { Rng } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { VscsiStats } from "../../vscsistats/collector.js";
import { histogramOf, toJson } from "../../vscsistats/format.js";
import { characterizeTrace } from "../characterize.js";
import { newTraceRecord, type TraceRecord } from "../record.js";
import type { SyntheticVmTraceOptions } from "./options.js";
import { SyntheticVmTrace } from "./vm-trace.js";

function generate(options: Partial<SyntheticVmTraceOptions>, seed = 1): { ios: TraceRecord[]; gen: SyntheticVmTrace } {
  const gen = new SyntheticVmTrace(new Rng(seed, "test"), options);
  const ios: TraceRecord[] = [];
  for (const rec = newTraceRecord(); gen.next(rec); ) ios.push({ ...rec });
  return { ios, gen };
}

function histograms(options: Partial<SyntheticVmTraceOptions>, seed = 1) {
  const stats = new VscsiStats();
  characterizeTrace(new SyntheticVmTrace(new Rng(seed, "test"), options), stats);
  return toJson(stats);
}

const share = (n: number, of: number) => n / of;

describe("SyntheticVmTrace", () => {
  it("is deterministic: same seed, same IOs; another seed, other IOs", () => {
    const a = generate({ ios: 3000 }).ios;
    expect(generate({ ios: 3000 }).ios).toEqual(a);
    expect(generate({ ios: 3000 }, 2).ios).not.toEqual(a);
  });

  it("generates well-formed IOs: whole-µs times from 0, ordered; sector-multiple sizes inside the disk; a response time", () => {
    const { ios, gen } = generate({ ios: 20_000 });
    expect(ios).toHaveLength(20_000);
    expect(ios[0].issueNs).toBe(0);
    for (let i = 0; i < ios.length; i++) {
      const io = ios[i];
      if (i > 0 && io.issueNs < ios[i - 1].issueNs) throw new Error(`IO ${i + 1} issued before its predecessor`);
      if (io.issueNs % 1000 !== 0 || io.responseNs % 1000 !== 0 || io.responseNs < 1000) throw new Error(`IO ${i + 1}: times not whole µs`);
      if (io.bytes !== io.sectors * 512 || io.lba < 0 || io.lba + io.sectors > gen.diskSectors) throw new Error(`IO ${i + 1}: bad extent`);
      if (io.line !== i + 1) throw new Error(`IO ${i + 1}: line ${io.line}`);
    }
  });

  it("mixes its sources by weight and reads as configured (expected read share from the weights)", () => {
    const { ios, gen } = generate({ ios: 20_000 });
    const o = gen.options;
    const total = o.hotWeight + o.sequentialWeight + o.logWeight + o.coldWeight;
    const weights = [o.hotWeight, o.sequentialWeight, o.logWeight, o.coldWeight].map((w) => w / total);
    // Runs (sourceStickiness) repeat a source, but in the long run each keeps its weight.
    for (const [i, n] of gen.perSource.entries()) expect(Math.abs(share(n, 20_000) - weights[i])).toBeLessThan(0.04);
    const expectedReads = weights[0] * o.hotReadFraction + weights[1] * o.sequentialReadFraction + weights[3] * o.coldReadFraction; // log: writes only
    // Sequential streams pick reads per stream (few streams): a wider band.
    expect(Math.abs(share(ios.filter((io) => io.isRead).length, 20_000) - expectedReads)).toBeLessThan(0.08);
    const writeOnly = generate({ ios: 2000, hotWeight: 0, sequentialWeight: 0, coldWeight: 0 }).ios;
    expect(writeOnly.every((io) => !io.isRead)).toBe(true);
  });

  it("skews the hot set by its Zipf law: the 1% most used pages get most hot IOs (not so with a flat law)", () => {
    const topShare = (s: number) => {
      const { ios, gen } = generate({
        ios: 20_000,
        hotWeight: 1,
        sequentialWeight: 0,
        logWeight: 0,
        coldWeight: 0,
        hotSetMiB: 20,
        hotZipfExponent: s,
      });
      const pages = new Map<number, number>();
      for (const io of ios) pages.set(io.lba, (pages.get(io.lba) ?? 0) + 1);
      const counts = [...pages.values()].sort((a, b) => b - a);
      const top = Math.ceil((gen.options.hotSetMiB * 256) / 100);
      return share(
        counts.slice(0, top).reduce((x, y) => x + y, 0),
        ios.length,
      );
    };
    // Zipf s = 1 over 5,120 pages: the top 1% hold H(52)/H(5120) ≈ 50% of the mass; nearly flat: ≈ 1% (+ sampling noise).
    expect(topShare(1)).toBeGreaterThan(0.42);
    expect(topShare(0.05)).toBeLessThan(0.1);
  });

  it("streams are sequential: one stream alone lands at +1 except when it restarts elsewhere", () => {
    const j = histograms({ ios: 5000, hotWeight: 0, sequentialWeight: 1, logWeight: 0, coldWeight: 0, sequentialStreams: 1 });
    const seek = histogramOf(j, "seekDistance");
    expect(share(seek.counts[seek.limits.indexOf(1)], seek.count)).toBeGreaterThan(0.95);
    // The default mix interleaves sources: fewer successive +1, but the closest of the previous 16 still finds the streams.
    const mixed = histograms({ ios: 5000 });
    const plus1 = (h: ReturnType<typeof histogramOf>) => share(h.counts[h.limits.indexOf(1)], h.count);
    expect(plus1(histogramOf(mixed, "seekDistance"))).toBeLessThan(0.5);
    expect(plus1(histogramOf(mixed, "seekDistanceClosest16"))).toBeGreaterThan(plus1(histogramOf(mixed, "seekDistance")));
  });

  it("alternates bursts and idle periods: one gap of at least idleMinMs per burst, none within a busy burst", () => {
    const o = { ios: 20_000, burstIops: 1000, burstRateSigma: 0, burstMeanMs: 100, idleMinMs: 300 };
    const { ios } = generate(o);
    const gaps = ios.slice(1).map((io, i) => io.issueNs - ios[i].issueNs);
    const idle = gaps.filter((g) => g >= o.idleMinMs * 1e6).length;
    // ≈ 100 IOs per burst (1000 IOPS × 100 ms): ≈ 200 bursts. In-burst gaps above 300 ms: e^-300, never.
    expect(idle).toBeGreaterThan(120);
    expect(idle).toBeLessThan(300);
    const spanS = ios[ios.length - 1].issueNs / 1e9;
    // Busy ≈ 20 s; idle ≈ 200 bursts × mean Pareto idle 300 ms · 1.3/0.3 = 1.3 s each.
    expect(spanS).toBeGreaterThan(100);
  });

  it("has load-dependent response times: busier bursts queue at the disks (more OIO, higher read latency); writes stay cached", () => {
    const calm = histograms({ ios: 8000, burstIops: 50 });
    const busy = histograms({ ios: 8000, burstIops: 800 });
    expect(histogramOf(busy, "outstandingIOs").mean).toBeGreaterThan(2 * Math.max(1, histogramOf(calm, "outstandingIOs").mean));
    expect(histogramOf(busy, "latency", "reads").mean).toBeGreaterThan(2 * histogramOf(calm, "latency", "reads").mean);
    // Write-back cache: writes are acknowledged from cache (150 µs median + transfer at 800 MB/s).
    expect(histogramOf(busy, "latency", "writes").max).toBeLessThan(5000);
  });

  it("rejects bad parameters naming the field", () => {
    expect(() => new SyntheticVmTrace(new Rng(1), { ios: 0 })).toThrow(
      expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: expect.stringMatching(/ios/) }),
    );
    expect(() => new SyntheticVmTrace(new Rng(1), { hotWeight: 0, sequentialWeight: 0, logWeight: 0, coldWeight: 0 })).toThrow(
      /weights sum to 0/,
    );
    expect(() => new SyntheticVmTrace(new Rng(1), { diskGiB: 4, hotSetMiB: 4096 })).toThrow(/half of the disk/);
  });
});
