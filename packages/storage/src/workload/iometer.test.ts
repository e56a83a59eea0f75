import { isVmlabError, type Rng, RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { IometerWorkload, type Loop } from "./iometer.js";
import { runMeasured } from "./measure.js";

/** A device with a fixed service time and unlimited parallelism that logs what it sees. */
class FixedLatencyTarget implements BlockTarget {
  readonly log: { t: number; lba: number; sectors: number; isRead: boolean }[] = [];
  outstanding = 0;
  maxOutstanding = 0;
  private readonly kind: number;
  constructor(
    private readonly sim: Simulation,
    readonly capacitySectors: number,
    private readonly latencyNs: number,
  ) {
    this.kind = sim.on("fixed.done", (_n, o) => {
      const [req, sink] = o as [IoRequest, IoSink];
      this.outstanding--;
      sink.complete(req);
    });
  }
  submit(req: IoRequest, sink: IoSink): void {
    this.log.push({ t: this.sim.now, lba: req.lba, sectors: req.sectors, isRead: req.isRead });
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    this.sim.schedule(this.latencyNs, this.kind, 0, [req, sink]);
  }
}

function drive(spec: ConstructorParameters<typeof IometerWorkload>[0], loop: Loop, untilNs: number, latencyNs = 100_000, cap = 1_000_000) {
  const sim = new Simulation();
  const target = new FixedLatencyTarget(sim, cap, latencyNs);
  const w = new IometerWorkload(spec, loop);
  w.start({ sim, target, rng: new RngStreams(9).get("w"), vm: 3 });
  sim.run({ until: untilNs });
  return { sim, target, w };
}

describe("Iometer workloads", () => {
  it("closed loop keeps exactly `outstandingIos` in flight", () => {
    const { target, w } = drive({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 12 }, { kind: "closed" }, 1e8);
    expect(target.maxOutstanding).toBe(12);
    expect(target.outstanding).toBe(12);
    // Little's law on a fixed 100 µs device: 12 / 100 µs.
    expect(w.stats.iops(1e8)).toBeCloseTo(120_000, -3);
  });

  it("follows % read, % random, alignment and the region", () => {
    const spec = {
      ioSizeBytes: 8192,
      readPercent: 70,
      randomPercent: 100,
      outstandingIos: 4,
      alignmentBytes: 4096,
      startSector: 1000,
      regionSectors: 50_000,
    };
    const { target } = drive(spec, { kind: "closed" }, 5e8);
    const n = target.log.length;
    expect(n).toBeGreaterThan(10_000);
    const reads = target.log.filter((x) => x.isRead).length / n;
    expect(reads).toBeGreaterThan(0.68);
    expect(reads).toBeLessThan(0.72);
    const bad = target.log.filter((x) => x.sectors !== 16 || (x.lba - 1000) % 8 !== 0 || x.lba < 1000 || x.lba + x.sectors > 51_000);
    expect(bad).toEqual([]);
  });

  it("random offsets reach every aligned slot of the region, the last one (ending at the region's end) included", () => {
    // 16 KiB region from sector 1000, 8 KiB IOs aligned at 4 KiB: slots at 1000, 1008 and 1016 (the last ends at 1032).
    const spec = {
      ioSizeBytes: 8192,
      readPercent: 100,
      randomPercent: 100,
      outstandingIos: 1,
      alignmentBytes: 4096,
      startSector: 1000,
      regionSectors: 32,
    };
    const { target } = drive(spec, { kind: "closed" }, 1e8);
    expect(target.log.length).toBeGreaterThan(500);
    expect([...new Set(target.log.map((x) => x.lba))].sort((a, b) => a - b)).toEqual([1000, 1008, 1016]);
  });

  it("counts the reads among its completions (stats.readsCompleted), not every completion", () => {
    const { target, w } = drive({ ioSizeBytes: 4096, readPercent: 30, randomPercent: 100, outstandingIos: 4 }, { kind: "closed" }, 1e8);
    const done = target.log.length - target.outstanding;
    expect(w.stats.completed).toBe(done);
    // The target completes in arrival order (one fixed latency): the first `done` IOs it saw are the completed ones.
    expect(w.stats.readsCompleted).toBe(target.log.slice(0, done).filter((x) => x.isRead).length);
    expect(w.stats.readsCompleted / done).toBeGreaterThan(0.25);
    expect(w.stats.readsCompleted / done).toBeLessThan(0.35);
  });

  it("sequential access follows the previous IO and wraps at the end of the region", () => {
    const { target } = drive(
      { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1, regionSectors: 80 },
      { kind: "closed" },
      3e6,
    );
    const lbas = target.log.map((x) => x.lba);
    expect(lbas.slice(0, 12)).toEqual([0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 0, 8]);
    expect(target.log.every((x) => !x.isRead)).toBe(true);
  });

  it("sequential access with no alignment set runs to the region's end (Iometer's sector boundaries)", () => {
    const { target } = drive(
      { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1, startSector: 3, regionSectors: 84 },
      { kind: "closed" },
      3e6,
    );
    const lbas = target.log.map((x) => x.lba);
    expect(lbas.slice(0, 12)).toEqual([3, 11, 19, 27, 35, 43, 51, 59, 67, 75, 3, 11]);
  });

  it("an alignment set places sequential IOs too: each starts at the next aligned offset, leaving a hole (Iometer User's Guide)", () => {
    // The guide's example: 3 KiB IOs aligned on 2 KiB — each followed by a 1 KiB hole. This ran them back to back.
    const { target } = drive(
      { ioSizeBytes: 3072, readPercent: 0, randomPercent: 0, outstandingIos: 1, regionSectors: 40, alignmentBytes: 2048 },
      { kind: "closed" },
      2e6,
    );
    const lbas = target.log.map((x) => x.lba);
    // Sectors: IOs of 6 at multiples of 4; the one at 36 would end past 40, so it wraps to the start.
    expect(lbas.slice(0, 12)).toEqual([0, 8, 16, 24, 32, 0, 8, 16, 24, 32, 0, 8]);
    // Aligned 64 KiB: one 4 KiB IO per 64 KiB, wrapping at the region's end (it ran 32 IOs back to back).
    const wide = drive(
      { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1, regionSectors: 256, alignmentBytes: 65536 },
      { kind: "closed" },
      1e6,
    ).target.log.map((x) => x.lba);
    expect(wide.slice(0, 5)).toEqual([0, 128, 0, 128, 0]);
    // A random IO moves the sequential stream; the next sequential IO goes to the aligned offset after it.
    const mixed = drive(
      { ioSizeBytes: 3072, readPercent: 0, randomPercent: 50, outstandingIos: 1, regionSectors: 4000, alignmentBytes: 2048 },
      { kind: "closed" },
      1e8,
    ).target.log;
    expect(mixed.length).toBeGreaterThan(500);
    expect(mixed.filter((x) => x.lba % 4 !== 0)).toEqual([]);
  });

  it("aligned offsets are multiples of the alignment from the target's start, not from startSector (Iometer User's Guide)", () => {
    // A test region from sector 63 (an old MBR partition's start), 4 KiB IOs aligned on 4 KiB: every IO at a multiple
    // of 8 sectors, the first at 64. Aligned from startSector, every IO sat at 63 + 8k — each one straddling two 4 KiB
    // blocks, the misaligned workload the alignment asked not to run.
    const spec = { ioSizeBytes: 4096, readPercent: 100, outstandingIos: 4, startSector: 63, regionSectors: 1000 };
    const random = drive({ ...spec, randomPercent: 100, alignmentBytes: 4096 }, { kind: "closed" }, 1e8).target.log;
    expect(random.length).toBeGreaterThan(1000);
    expect(random.filter((x) => x.lba % 8 !== 0 || x.lba < 63 || x.lba + 8 > 1063)).toEqual([]);
    // Every aligned slot inside the region is reached: 64, 72, ..., 1048 (the last ends at 1056 <= 1063).
    expect(new Set(random.map((x) => x.lba)).size).toBe(124);
    const sequential = drive({ ...spec, randomPercent: 0, alignmentBytes: 4096 }, { kind: "closed" }, 1e8).target.log;
    expect(sequential.slice(0, 3).map((x) => x.lba)).toEqual([64, 72, 80]);
    expect(sequential.filter((x) => x.lba % 8 !== 0 || x.lba < 63 || x.lba + 8 > 1063)).toEqual([]);
  });

  it("no alignment set is Iometer's default, sector boundaries: random IOs start at any sector of the region", () => {
    // Iometer's Access::Initialize takes an align of 0 as the sector size, and its default specs all have 0; its
    // "Request Size Boundaries" stores the transfer size. vmlab's 0 was request-size alignment, called the default.
    const spec = { ioSizeBytes: 4096, readPercent: 100, outstandingIos: 4, startSector: 63, regionSectors: 1000, randomPercent: 100 };
    const log = (alignmentBytes?: number) => drive({ ...spec, alignmentBytes }, { kind: "closed" }, 1e8).target.log;
    const sectors = log(undefined);
    expect(sectors.length).toBeGreaterThan(1000);
    expect(sectors.filter((x) => x.lba < 63 || x.lba + 8 > 1063)).toEqual([]);
    // 993 possible starts (63 … 1055); most IOs are not 4 KiB-aligned, and both ends of the region are reached.
    expect(sectors.filter((x) => x.lba % 8 !== 0).length).toBeGreaterThan(sectors.length * 0.8);
    expect(new Set(sectors.map((x) => x.lba)).size).toBeGreaterThan(600);
    expect(Math.min(...sectors.map((x) => x.lba))).toBeLessThan(70);
    expect(Math.max(...sectors.map((x) => x.lba))).toBeGreaterThan(1048);
    // The same workload as alignmentBytes 512, IO for IO.
    expect(log(512)).toEqual(sectors);
  });

  it("a region holding no aligned IO is refused naming alignmentBytes, not run at unaligned offsets", () => {
    const spec = { ioSizeBytes: 4096, readPercent: 100, outstandingIos: 1, startSector: 1, regionSectors: 12 };
    expect(() => drive({ ...spec, randomPercent: 100, alignmentBytes: 4096 }, { kind: "closed" }, 1)).toThrow(
      /alignmentBytes 4096: no 4096-byte IO aligned on 4096 bytes fits the region \[1, \+12\)/,
    );
    // With no alignment set (sector boundaries), the region holds five 4 KiB IOs: 1 … 5.
    const sectors = drive({ ...spec, randomPercent: 100, outstandingIos: 4 }, { kind: "closed" }, 1e6).target.log.map((x) => x.lba);
    expect(new Set(sectors)).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(() => drive({ ...spec, randomPercent: 0 }, { kind: "closed" }, 1)).not.toThrow();
  });

  it("an alignment that leaves a random worker one place in a larger region is refused, not run at one address", () => {
    // 1 MiB alignment over a 1000-sector region from sector 0: sector 0 only, and every "random" IO went there.
    const spec = { ioSizeBytes: 4096, readPercent: 100, outstandingIos: 1, regionSectors: 1000, alignmentBytes: 1048576 };
    expect(() => drive({ ...spec, randomPercent: 100 }, { kind: "closed" }, 1)).toThrow(
      /alignmentBytes 1048576: the region \[0, \+1000\) has one 4096-byte IO aligned on 1048576 bytes, at sector 0, so every random IO would go there/,
    );
    // Sequential IOs at one aligned place are Iometer's wrap (the region has room for one aligned IO), and a region of
    // one IO has one place whatever the alignment.
    expect(() => drive({ ...spec, randomPercent: 0 }, { kind: "closed" }, 1)).not.toThrow();
    expect(() => drive({ ...spec, randomPercent: 100, regionSectors: 8, alignmentBytes: 4096 }, { kind: "closed" }, 1)).not.toThrow();
  });

  it("open loop, Poisson: the arrival rate and mean interarrival match λ whatever the completions do", () => {
    const { target } = drive(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 1 },
      { kind: "open", iops: 2000, arrivals: "poisson" },
      10e9,
      5e6,
    );
    const n = target.log.length;
    expect(n / 10).toBeGreaterThan(2000 * 0.97);
    expect(n / 10).toBeLessThan(2000 * 1.03);
    const gaps = target.log.slice(1).map((x, i) => x.t - target.log[i].t);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(mean / 1e9).toBeCloseTo(1 / 2000, 4);
    expect(sd / mean).toBeGreaterThan(0.95); // exponential: coefficient of variation 1
    expect(sd / mean).toBeLessThan(1.05);
    // Open loop: far more than one IO outstanding on a 5 ms device.
    expect(target.maxOutstanding).toBeGreaterThan(5);
  });

  it("open loop, fixed: evenly spaced arrivals", () => {
    const { target } = drive(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 0, outstandingIos: 1 },
      { kind: "open", iops: 1000, arrivals: "fixed" },
      1e8,
    );
    const gaps = new Set(target.log.slice(1).map((x, i) => x.t - target.log[i].t));
    expect([...gaps]).toEqual([1_000_000]);
  });

  it("open loop, fixed: a rate whose gap is not a whole ns keeps to its schedule (no drift)", () => {
    // 1.5 M IOPS: 666.67 ns apart; rounding each gap would lose 0.33 ns per IO (0.05% over the run).
    const { target } = drive(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 0, outstandingIos: 1 },
      { kind: "open", iops: 1_500_000, arrivals: "fixed" },
      1e7,
      1000,
    );
    expect(target.log).toHaveLength(15_001); // t = 0 and every 2/3 µs up to 10 ms
    for (const [k, x] of target.log.entries()) expect(Math.abs(x.t - (k * 1e9) / 1.5e6)).toBeLessThanOrEqual(0.5);
  });

  it("bursts then a transfer delay (think time)", () => {
    // 4 IOs of 100 µs back to back, then 1.6 ms of think time: 4 IOs per 2 ms.
    const { w } = drive(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 1, burstLength: 4, transferDelayNs: 1_600_000 },
      { kind: "closed" },
      1e9,
    );
    expect(w.stats.iops(1e9)).toBeGreaterThan(1990);
    expect(w.stats.iops(1e9)).toBeLessThan(2010);
  });

  it("with several outstanding IOs, the transfer delay holds back the whole worker, as in Iometer", () => {
    // Iometer (Grunt::Do_IOs): bursts of 4 issued as slots free up, and before each burst the worker
    // issues nothing for the delay while its IOs complete: 4 IOs per (100 µs + 1.6 ms), not 4 slots
    // each thinking on its own (which gave ~4 x 4 / 2 ms).
    const { w, target } = drive(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4, burstLength: 4, transferDelayNs: 1_600_000 },
      { kind: "closed" },
      1e9,
    );
    expect(w.stats.iops(1e9)).toBeGreaterThan(0.98 * (4 / 1.7e-3));
    expect(w.stats.iops(1e9)).toBeLessThan(1.02 * (4 / 1.7e-3));
    expect(target.maxOutstanding).toBe(4);
    // The first burst waits the delay too.
    expect(target.log[0].t).toBe(1_600_000);
    // Each burst's 4 IOs go out together; the next burst 1.6 ms after the last of them was issued and completed.
    expect(target.log.slice(0, 8).map((x) => x.t)).toEqual([1.6e6, 1.6e6, 1.6e6, 1.6e6, 3.3e6, 3.3e6, 3.3e6, 3.3e6]);
  });

  it("started again after stop(): one worker, paced as from that start (nothing scheduled before the stop fires)", () => {
    const restart = (spec: ConstructorParameters<typeof IometerWorkload>[0], loop: Loop, stopAt: number, startAt: number) => {
      const sim = new Simulation();
      const target = new FixedLatencyTarget(sim, 1_000_000, 100_000);
      const w = new IometerWorkload(spec, loop);
      const ctx = { sim, target, rng: new RngStreams(9).get("w"), vm: 0 };
      w.start(ctx);
      sim.run({ until: stopAt });
      w.stop();
      sim.run({ until: startAt });
      target.log.length = 0;
      target.maxOutstanding = target.outstanding;
      w.start(ctx);
      sim.run({ until: startAt + 10_000_000 });
      return target;
    };
    // Transfer delay: stopped during the first delay (due at 1.6 ms), started again at 1.2 ms — the first
    // burst waits the delay from the new start; the old delay's end issues nothing.
    const bursts = restart(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4, burstLength: 4, transferDelayNs: 1_600_000 },
      { kind: "closed" },
      1_000_000,
      1_200_000,
    );
    expect(bursts.log.slice(0, 8).map((x) => x.t)).toEqual([2.8e6, 2.8e6, 2.8e6, 2.8e6, 4.5e6, 4.5e6, 4.5e6, 4.5e6]);
    expect(bursts.maxOutstanding).toBe(4);
    // Open loop: started again before the next arrival was due — one stream of arrivals, not two.
    const open = restart(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 0, outstandingIos: 1 },
      { kind: "open", iops: 1000, arrivals: "fixed" },
      500_000,
      700_000,
    );
    expect(open.log.slice(0, 3).map((x) => x.t)).toEqual([700_000, 1_700_000, 2_700_000]);
    expect(open.log.length).toBe(11); // 0.7 ms to 10.7 ms
    // Closed loop: IOs still in flight from before the stop keep their slots.
    const closed = restart(
      { ioSizeBytes: 4096, readPercent: 100, randomPercent: 0, outstandingIos: 4 },
      { kind: "closed" },
      1_050_000,
      1_060_000,
    );
    expect(closed.maxOutstanding).toBe(4);
  });

  it("started again after stop(), its rates count from its first start, as its counts do", () => {
    const sim = new Simulation();
    const target = new FixedLatencyTarget(sim, 1_000_000, 100_000);
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 1 });
    const ctx = { sim, target, rng: new RngStreams(9).get("w"), vm: 0 };
    w.start(ctx);
    sim.run({ until: 1e9 });
    w.stop();
    sim.run({ until: 2e9 }); // idle for a second
    w.start(ctx);
    sim.run({ until: 3e9 });
    // 10,000 IOs a second while running, two seconds of three: ~6,667 IOPS over the whole time, not 20,000.
    expect(w.stats.completed).toBeGreaterThan(19_900);
    expect(w.stats.iops(sim.now)).toBeCloseTo(w.stats.completed / 3, 6);
    // reset() (the end of a warm-up) still starts a new interval.
    w.stats.reset(sim.now);
    sim.run({ until: 4e9 });
    expect(w.stats.iops(sim.now)).toBeCloseTo(10_000, -1);
  });

  it("a region that does not fit the target, or holds no IO, is refused naming startSector or regionSectors", () => {
    const spec = { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 };
    const start = (extra: Record<string, number>) => () => drive({ ...spec, ...extra }, { kind: "closed" }, 1);
    // These said "region [999999, +1) does not fit a 1000000-sector target" (it fits; one 8-sector IO does not),
    // "region [0, +4) does not fit ..." and "region [2000000, +-1000000) ...".
    expect(start({ startSector: 999_999 })).toThrow(
      /startSector 999999: one 4096-byte IO from there does not fit a 1000000-sector target; set startSector <= 999992/,
    );
    expect(start({ startSector: 2_000_000 })).toThrow(/startSector 2000000: one 4096-byte IO/);
    expect(start({ regionSectors: 4 })).toThrow(/regionSectors 4 is smaller than one 4096-byte IO \(8 sectors\)/);
    expect(start({ startSector: 10, regionSectors: 999_995 })).toThrow(
      /regionSectors 999995 from startSector 10 does not fit a 1000000-sector target; set regionSectors <= 999990/,
    );
    // The largest region that fits still runs.
    expect(start({ startSector: 999_992 })).not.toThrow();
    expect(start({ startSector: 10, regionSectors: 999_990 })).not.toThrow();
  });

  it("a target smaller than one IO is refused naming ioSizeBytes, not with a negative startSector to set", () => {
    const start = (cap: number) => () =>
      drive({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 1 }, { kind: "closed" }, 1, 100_000, cap);
    // It said "startSector 0: one 4096-byte IO from there does not fit a 4-sector target; set startSector <= -4".
    expect(start(4)).toThrow(/ioSizeBytes 4096: one IO \(8 sectors\) is larger than the 4-sector target; use a smaller ioSizeBytes/);
    expect(start(8)).not.toThrow();
  });

  /** The LBAs of 100 ms of 512-byte random reads (16 outstanding, 100 µs each) over a `cap`-sector target. */
  const oneSectorRandomLbas = (cap: number) =>
    drive(
      { ioSizeBytes: 512, readPercent: 100, randomPercent: 100, outstandingIos: 16 },
      { kind: "closed" },
      1e8,
      100_000,
      cap,
    ).target.log.map((x) => x.lba);

  it("random offsets cover a region of more than 2^32 IO slots (512-byte IOs on a LUN past 2 TiB)", () => {
    // Rng.int takes at most 2^32: such a worker failed at its first random IO ("n must be an integer in [1, 2^32]").
    const cap = 2 ** 34 + 1000; // 8 TiB + a bit: 2^34 + 1000 slots of one sector
    const lbas = oneSectorRandomLbas(cap);
    expect(lbas.length).toBeGreaterThan(10_000);
    expect(lbas.every((x) => Number.isInteger(x) && x >= 0 && x < cap)).toBe(true);
    // Uniform over the whole region: each quarter gets about a quarter of the IOs.
    for (let q = 0; q < 4; q++) {
      const share = lbas.filter((x) => Math.floor((x / cap) * 4) === q).length / lbas.length;
      expect(share, `quarter ${q}`).toBeGreaterThan(0.23);
      expect(share, `quarter ${q}`).toBeLessThan(0.27);
    }
    // Aligned as asked there too: 4 KiB IOs on 64 KiB boundaries over 2^39 + 1000 sectors (2^32 + 8 slots of 128 sectors).
    const wideCap = 2 ** 39 + 1000;
    const wide = drive(
      { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4, alignmentBytes: 65536 },
      { kind: "closed" },
      1e7,
      100_000,
      wideCap,
    ).target.log;
    expect(wide.length).toBeGreaterThan(100);
    expect(wide.every((x) => x.lba % 128 === 0 && x.lba + 8 <= wideCap)).toBe(true);
    expect(wide.some((x) => x.lba >= 2 ** 38)).toBe(true);
  });

  it("random offsets over 1.5 × 2^32 IO slots reach the slots past 2^32 uniformly (a third of the IOs)", () => {
    const cap = 3 * 2 ** 31; // one-sector IOs: 1.5 × 2^32 slots
    const lbas = oneSectorRandomLbas(cap);
    expect(lbas.length).toBeGreaterThan(10_000);
    expect(lbas.every((x) => x >= 0 && x < cap)).toBe(true);
    const past = lbas.filter((x) => x >= 2 ** 32).length / lbas.length;
    expect(past).toBeGreaterThan(0.3);
    expect(past).toBeLessThan(0.36);
  });

  it("a region of exactly 2^32 slots draws with Rng.int(2^32), as before the wide draw existed", () => {
    const ints: number[] = [];
    let lows = 0;
    const rng = {
      random: () => 0.5,
      int: (n: number) => {
        ints.push(n);
        return Math.min(7, n - 1);
      },
      nextU32: () => {
        lows++;
        return 0;
      },
    } as unknown as Rng;
    const sim = new Simulation();
    const target = new FixedLatencyTarget(sim, 2 ** 32, 100_000);
    const w = new IometerWorkload({ ioSizeBytes: 512, readPercent: 100, randomPercent: 100, outstandingIos: 1 });
    w.start({ sim, target, rng, vm: 0 });
    expect(target.log[0].lba).toBe(7);
    expect(ints).toEqual([2 ** 32]);
    expect(lows).toBe(0);
  });

  it("runMeasured counts only the measured interval: what completed in the warm-up is not in the statistics", () => {
    // One IO at a time on a 100 µs device: 1,000 complete in each 100 ms.
    const sim = new Simulation();
    const target = new FixedLatencyTarget(sim, 1_000_000, 100_000);
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 1 });
    w.start({ sim, target, rng: new RngStreams(9).get("w"), vm: 0 });
    const elapsed = runMeasured(sim, [w], 1e8, 1e8);
    expect(elapsed).toBe(1e8);
    expect(w.stats.sinceNs).toBe(1e8);
    expect(w.stats.completed).toBe(1000);
    expect(w.stats.iops(sim.now)).toBeCloseTo(10_000, 6);
  });

  it("is deterministic and stamps the VM index", () => {
    const a = drive({ ioSizeBytes: 4096, readPercent: 50, randomPercent: 50, outstandingIos: 3 }, { kind: "closed" }, 1e7).target.log;
    const b = drive({ ioSizeBytes: 4096, readPercent: 50, randomPercent: 50, outstandingIos: 3 }, { kind: "closed" }, 1e7).target.log;
    expect(a).toEqual(b);
  });

  it("rejects bad specs with VMLAB_STORAGE_BAD_CONFIG", () => {
    const bad = [
      { ioSizeBytes: 1000, readPercent: 0, randomPercent: 0, outstandingIos: 1 },
      { ioSizeBytes: 4096, readPercent: 120, randomPercent: 0, outstandingIos: 1 },
      { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 0 },
      { ioSizeBytes: -512, readPercent: 0, randomPercent: 0, outstandingIos: 1 },
    ];
    for (const spec of bad) {
      try {
        new IometerWorkload(spec);
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_STORAGE_BAD_CONFIG");
      }
    }
    expect(
      () =>
        new IometerWorkload(
          { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 },
          { kind: "open", iops: 0, arrivals: "poisson" },
        ),
    ).toThrow(/open-loop iops must be between 0.001 and 1000000000 .*, got 0/);
    // Past either bound the run failed in the kernel, naming no iops: 4e9 fixed arrivals at the second arrival (an event
    // before the clock), 1e-8 at the first (a delay past 2^53 ns). The bounds themselves run.
    const open = (iops: number, arrivals: "poisson" | "fixed") =>
      drive({ ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 }, { kind: "open", iops, arrivals }, 1e3);
    for (const [iops, arrivals] of [
      [4e9, "fixed"],
      [1e-8, "fixed"],
      [1e-7, "poisson"],
      [Number.NaN, "fixed"],
    ] as const)
      expect(() => open(iops, arrivals)).toThrow(/open-loop iops must be between/);
    expect(open(1e9, "fixed").target.log).toHaveLength(1001); // one at every ns, 0 to 1,000
    expect(() => open(0.001, "poisson")).not.toThrow();
    // A transfer delay would be ignored by an open loop (its arrivals follow the rate): refused, not dropped.
    expect(
      () =>
        new IometerWorkload(
          { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1, transferDelayNs: 1_000_000 },
          { kind: "open", iops: 100, arrivals: "fixed" },
        ),
    ).toThrow(/transferDelayNs \(1000000\) paces the closed loop/);
    // A loop the type does not allow (from a config file): "closd" issued outstandingIos IOs and never another.
    const spec = { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 };
    // A misspelt field is named, not dropped (a worker meant for 8 IOs outstanding ran at 1).
    expect(() => new IometerWorkload({ ...spec, outstandingIOs: 8 } as typeof spec)).toThrow(/access spec: .*outstandingIOs/);
    expect(() => new IometerWorkload(spec, { kind: "closd" } as unknown as Loop)).toThrow(
      /loop kind must be "closed" or "open", got "closd"/,
    );
    expect(() => new IometerWorkload(spec, { kind: "open", iops: 10, arrivals: "burst" } as unknown as Loop)).toThrow(
      /arrivals must be "poisson" or "fixed", got "burst"/,
    );
    expect(() =>
      drive({ ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1, startSector: 999_999 }, { kind: "closed" }, 1),
    ).toThrow(/does not fit/);
  });
});
