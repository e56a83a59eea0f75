import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { ssdWriteCliff } from "./ssd.checks.js";
import { Ssd } from "./ssd.js";
import { GENERIC_MLC_SSD, SMALL_SSD, type SsdSpec } from "./ssd-spec.js";

const SMALL = SMALL_SSD;

/** An SSD with every logical page written once (64 KiB sequential writes, 4 deep), idle: its reads go to flash. */
function filledSsd(spec: SsdSpec): { sim: Simulation; ssd: Ssd } {
  const sim = new Simulation();
  const ssd = new Ssd(sim, spec);
  const fill = new IometerWorkload({ ioSizeBytes: 65536, readPercent: 0, randomPercent: 0, outstandingIos: 4 }, { kind: "closed" }, "fill");
  fill.start({ sim, target: ssd, rng: new RngStreams(1).get("fill"), vm: 0 });
  while (fill.stats.completed * 16 < ssd.ftl.logicalPages) sim.run({ until: sim.now + 1e8 });
  fill.stop();
  sim.run({ until: sim.now + 1e8 });
  return { sim, ssd };
}

describe("SSD model", () => {
  it("sustained random writes fall off a cliff once the spare area is used (GC write amplification)", () => {
    const r = ssdWriteCliff();
    const { fresh, late, lateWa, steadyWa, steady, dieBound, waOf, iopsOf } = r;
    const { a, b, d, e } = r.points;
    // Fresh: 8 dies programming in parallel, ~8 / 600 µs.
    expect(fresh).toBeGreaterThan(0.8 * (8 / 600e-6));
    expect(late).toBeLessThan(0.4 * fresh);
    // Write amplification over 20–30 s: pages programmed per host page.
    expect(lateWa).toBeGreaterThan(2.5);
    expect(r.at30s.writeAmplification).toBeGreaterThan(1);
    expect(r.at30s.erases).toBeGreaterThan(0);
    expect(r.at30s.hostWrites).toBeGreaterThan(2 * r.logicalPages);
    // At 30 s (2.5x the capacity written) the fall is not over: the valid pages left in GC victims keep
    // rising until about 8x (WA 4.2 over the 3rd capacity, 6.7, 8.8, 10.0, 10.5, then ~10.8). The steady
    // state is measured over the 9th and 10th capacity written, and checked against the 8th.
    expect(Math.abs(waOf(a, b) / steadyWa - 1)).toBeLessThan(0.08); // settled
    expect(Math.abs(iopsOf(a, b) / steady - 1)).toBeLessThan(0.08);
    expect(steadyWa).toBeGreaterThan(1.5 * lateWa); // 10.77 against 3.56 at 20–30 s (docs/esx-disk-perf.md, Model checks)
    expect(steady).toBeLessThan(0.6 * late); // ~1,020 IOPS against 2,431
    // No drift past ~8x either: the 9th and the 12th capacity written run at the same rate. Capped at exactly
    // their share, the dies had room to take a page off the round-robin only while some logical pages were
    // still unwritten (~15 of 60,948 at 8x, e^-k of them), so IOPS slid 998 → 919 from the 8th to the 12th.
    expect(Math.abs(iopsOf(d, e) / iopsOf(a, b) - 1)).toBeLessThan(0.03);
    expect(steady).toBeLessThan(0.1 * fresh);
    // The drop is the dies' GC work: each host page costs its die tPROG plus its share of the copies
    // (tR + tPROG each) and erases; with 8 dies busy most of the time the IOPS come close to 8 over that time.
    expect(steady).toBeLessThanOrEqual(dieBound);
    expect(steady).toBeGreaterThan(0.9 * dieBound); // 95% measured: 32 IOs in flight over 8 dies leave some idle
  });

  it("sustained random writes keep the dies busy when the logical pages divide evenly among them", () => {
    // 60,944 logical pages = 7,618 per die: capped at exactly that, each write once the drive was full went
    // back to the die already holding its page, so 32 IOs landed on the 8 dies as unevenly as random LBAs do
    // and IOPS reached 85% of the dies' GC-bound rate (912 of 1,073), against 95% with room to stripe.
    const spec: SsdSpec = { ...SMALL, overProvisioning: 1 - 60_944.5 / 65_536 };
    const sim = new Simulation();
    const ssd = new Ssd(sim, spec);
    const u = ssd.ftl.logicalPages;
    expect(u).toBe(60_944);
    const fill = new IometerWorkload(
      { ioSizeBytes: 65536, readPercent: 0, randomPercent: 0, outstandingIos: 4 },
      { kind: "closed" },
      "fill",
    );
    fill.start({ sim, target: ssd, rng: new RngStreams(1).get("fill"), vm: 0 });
    while (ssd.ftl.hostWrites < u) sim.run({ until: sim.now + 1e7 });
    fill.stop();
    sim.run();
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 32, alignmentBytes: 4096 });
    w.start({ sim, target: ssd, rng: new RngStreams(1).get("w"), vm: 0 });
    const at = (capacities: number) => {
      while (ssd.ftl.hostWrites < capacities * u) sim.run({ until: sim.now + 1e7 });
      return { t: sim.now, done: w.stats.completed, host: ssd.ftl.hostWrites, gc: ssd.ftl.gcCopies, erases: ssd.ftl.erases };
    };
    const a = at(3);
    const b = at(4);
    w.stop();
    const s = spec;
    const dieNsPerHostPage =
      ((b.host - a.host) * s.pageProgramNs + (b.gc - a.gc) * (s.pageReadNs + s.pageProgramNs) + (b.erases - a.erases) * s.blockEraseNs) /
      (b.host - a.host);
    const dieBound = 8e9 / dieNsPerHostPage;
    const iops = (b.done - a.done) / ((b.t - a.t) / 1e9);
    expect(iops).toBeLessThanOrEqual(dieBound);
    expect(iops).toBeGreaterThan(0.9 * dieBound);
  });

  it("random reads scale with outstanding IOs across dies and channels", () => {
    const rate = (qd: number, spec = SMALL) => {
      const { sim, ssd } = filledSsd(spec);
      const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: qd, alignmentBytes: 4096 });
      w.start({ sim, target: ssd, rng: new RngStreams(2).get("w"), vm: 0 });
      runMeasured(sim, [w], 1e7, 2e8);
      return w.stats.iops(sim.now);
    };
    const qd1 = rate(1);
    const qd32 = rate(32);
    // QD1: overhead + tR + channel transfer + host interface transfer = 20 + 50 + 20.48 + 13.65 µs.
    const qd1Ns = 20_000 + 50_000 + 4096 / 200e-3 + 4096 / 300e-3;
    expect(qd1).toBeGreaterThan(0.98 * (1e9 / qd1Ns));
    expect(qd1).toBeLessThan(1.02 * (1e9 / qd1Ns));
    expect(qd32).toBeGreaterThan(5 * qd1);
    // The same 8 dies behind one channel: every page crosses it (4 KiB at 200 MB/s = 20.48 µs), so deep
    // random reads cannot pass ~48,800 IOPS, and they come close (91%): a page ready early takes an idle gap
    // on the channel (booked first come, first served they reached ~69% of it, the channel idle while
    // dies had data ready); with one die per channel they are die-bound, near 8 / (50 + 20.5 µs).
    // The controller and the host interface taken out of the way (no command overhead, a very fast
    // interface): with them, 32 deep reads stop at the controller's 50,000 commands/s (the test below).
    const flashOnly = { ...SMALL, commandOverheadNs: 0, busMBps: 1e6 };
    const ceiling = 1e9 / 20_480;
    const oneChannel = rate(32, { ...flashOnly, channels: 1, diesPerChannel: 8 });
    const eightChannels = rate(32, { ...flashOnly, channels: 8, diesPerChannel: 1 });
    expect(oneChannel).toBeLessThanOrEqual(ceiling);
    expect(oneChannel).toBeGreaterThan(0.85 * ceiling); // 91% measured
    expect(eightChannels).toBeGreaterThan(2 * oneChannel);
  });

  it("keeps every die within its share of the data: write-once pages do not pile up on some dies until GC jams", () => {
    // A journal: one hot page rewritten between sequential pages written once. Round-robin placement
    // alone sends all the write-once pages to every other die, which fills with valid data (GC then
    // found nothing to free and the drive threw at ~1.08× its capacity).
    const tiny: SsdSpec = { ...GENERIC_MLC_SSD, channels: 2, diesPerChannel: 2, pagesPerBlock: 32, blocksPerDie: 128 };
    const sim = new Simulation();
    const ssd = new Ssd(sim, tiny);
    const spp = tiny.pageBytes / 512;
    const pages = ssd.ftl.logicalPages;
    const sink = { complete: () => {} };
    let seq = 1;
    for (let i = 0; i < 3 * pages; i++) {
      ssd.submit({ id: 2 * i, vm: 0, lba: 0, sectors: spp, isRead: false, issueTime: sim.now }, sink);
      ssd.submit({ id: 2 * i + 1, vm: 0, lba: seq * spp, sectors: spp, isRead: false, issueTime: sim.now }, sink);
      seq = seq + 1 >= pages ? 1 : seq + 1;
      sim.run();
    }
    expect(ssd.ftl.hostWrites).toBe(6 * pages);
    expect(ssd.ftl.erases).toBeGreaterThan(0);
    // Every logical page written is still readable from where the map says.
    for (let lp = 0; lp < pages; lp++) expect(ssd.ftl.lookup(lp)).toBeGreaterThanOrEqual(0);
  });

  it("one controller and the host interface bound the drive: commands are processed one after another, data crosses SATA-2 at 300 MB/s", () => {
    // Filled first, so reads go to flash (a never-written page is answered by the FTL alone).
    const run = (spec: SsdSpec, ioSizeBytes: number, randomPercent: number) => {
      const { sim, ssd } = filledSsd(spec);
      const w = new IometerWorkload({ ioSizeBytes, readPercent: 100, randomPercent, outstandingIos: 32 });
      w.start({ sim, target: ssd, rng: new RngStreams(2).get("w"), vm: 0 });
      runMeasured(sim, [w], 1e7, 2e8);
      return w.stats.iops(sim.now);
    };
    // 32 random 4 KiB reads in flight: the 8 dies and 4 channels could serve ~195,000/s; the one controller,
    // at 20 µs per command, serves 50,000 (used to run 20 µs overheads side by side: ~150,000 IOPS).
    const random = run(SMALL, 4096, 100);
    expect(random).toBeLessThanOrEqual(1e9 / 20_000);
    expect(random).toBeGreaterThan(0.98 * (1e9 / 20_000));
    // 256 KiB sequential reads: the channels could carry 800 MB/s; SATA-2 carries 300 (used to reach the channels' rate).
    const mbps = (run(SMALL, 262_144, 0) * 262_144) / 1e6;
    expect(mbps).toBeLessThanOrEqual(300 * 1.002); // the window's edges: one 256 KiB read more is 0.14%
    expect(mbps).toBeGreaterThan(0.97 * 300);
    // A faster interface lets the flash side show again: 8 dies each holding a page 50 + 20.48 µs, ~465 MB/s.
    expect((run({ ...SMALL, busMBps: 6000 }, 262_144, 0) * 262_144) / 1e6).toBeGreaterThan(1.4 * 300);
  });

  it("QD1 latencies: overhead, flash and the host interface carrying only the command's bytes, a large read streaming out", () => {
    const sim = new Simulation();
    const ssd = new Ssd(sim, GENERIC_MLC_SSD);
    const one = (lba: number, sectors: number, isRead: boolean) => {
      let at = -1;
      const t0 = sim.now;
      ssd.submit({ id: 1, vm: 0, lba, sectors, isRead, issueTime: t0 }, { complete: () => (at = sim.now) });
      sim.run();
      return at - t0;
    };
    const bus = (bytes: number) => bytes / 0.3; // ns at 300 MB/s
    const [cmd, tR, tPROG, chan] = [20_000, 50_000, 600_000, 20_480];
    // Never written: the controller and the host transfer only.
    expect(one(0, 8, true)).toBe(Math.ceil(cmd + bus(4096)));
    expect(one(2048, 512, true)).toBe(Math.ceil(cmd + bus(262_144)));
    // A write: its data crosses the interface, then the channel, then the die programs it.
    expect(one(0, 8, false)).toBe(Math.ceil(cmd + bus(4096) + chan + tPROG));
    expect(one(0, 8, true)).toBe(Math.ceil(cmd + tR + chan + bus(4096)));
    // Part of a page: the die reads and the channel carries the whole page, the interface only the 512 bytes asked for.
    expect(one(1, 1, true)).toBe(Math.ceil(cmd + tR + chan + bus(512)));
    expect(one(8, 1, false)).toBe(Math.ceil(cmd + bus(512) + chan + tPROG));
    // 256 KiB (64 pages over the 32 dies): pages leave the channels while earlier ones cross the interface, so
    // the read completes when the last page's transfer ends: the first page's flash time plus 64 host transfers.
    one(1024, 512, false);
    expect(one(1024, 512, true)).toBe(Math.ceil(cmd + tR + chan + 64 * bus(4096)));
  });

  it("reads and writes share the one half-duplex SATA interface", () => {
    // A 20 MB/s interface, far slower than the flash side: reads of never-written pages (no flash) and
    // writes to a fresh drive (8 dies: ~54 MB/s) together stop at 20 MB/s, not 20 each way.
    const sim = new Simulation();
    const ssd = new Ssd(sim, { ...SMALL, busMBps: 20 });
    const w = new IometerWorkload({ ioSizeBytes: 65536, readPercent: 50, randomPercent: 100, outstandingIos: 8 });
    w.start({ sim, target: ssd, rng: new RngStreams(3).get("w"), vm: 0 });
    runMeasured(sim, [w], 1e7, 2e8);
    const mbps = (w.stats.iops(sim.now) * 65536) / 1e6;
    expect(mbps).toBeLessThanOrEqual(20 * 1.02);
    expect(mbps).toBeGreaterThan(0.95 * 20);
  });

  it("garbage collection on a die does not wait for the host data of the write that triggered it", () => {
    // One die, small blocks, a slow interface (4 KiB in 16.4 ms at 0.25 MB/s): a write needing GC completes
    // when its data is in and programmed, the GC (at most 8 copies and an erase, < 8.2 ms) done meanwhile.
    const spec: SsdSpec = {
      ...GENERIC_MLC_SSD,
      channels: 1,
      diesPerChannel: 1,
      pagesPerBlock: 8,
      blocksPerDie: 64,
      overProvisioning: 0.25,
      busMBps: 0.25,
    };
    const sim = new Simulation();
    const ssd = new Ssd(sim, spec);
    const spp = spec.pageBytes / 512;
    let lp = 0;
    let at = -1;
    // The first GC comes once the die's 64 blocks are nearly all used (~490 writes). Bounded, so a model whose GC
    // charges no time (the loop waited for gcNs to move: these GCs copy nothing, the erase is all they cost) fails
    // here instead of looping until the watchdog kills the file.
    let gcAt = -1;
    const most = 2 * ssd.ftl.logicalPages;
    for (let i = 0; i < most && gcAt < 0; i++) {
      const gc0 = ssd.gcNs;
      const t0 = sim.now;
      ssd.submit({ id: 1, vm: 0, lba: lp * spp, sectors: spp, isRead: false, issueTime: t0 }, { complete: () => (at = sim.now) });
      sim.run();
      lp = (lp * 7 + 3) % ssd.ftl.logicalPages;
      if (ssd.gcNs === gc0) continue;
      gcAt = i;
      expect(ssd.gcNs - gc0).toBeLessThan(4096 / 0.25e-3);
      expect(at - t0).toBe(Math.ceil(20_000 + 4096 / 0.25e-3 + 20_480 + 600_000));
    }
    expect(ssd.ftl.erases, "the die erased blocks").toBeGreaterThan(0);
    expect(gcAt, `no write of ${most} charged garbage collection any time (gcNs stayed ${ssd.gcNs})`).toBeGreaterThanOrEqual(0);
  });

  it("one garbage collection costs its die exactly copies x (tR + tPROG) + tBERS, in gcNs and in the write that waits for it", () => {
    // One die of 16 blocks of 4 pages, GC below 2 free blocks, 48 logical pages. Written 0..47 in order, blocks 0..11
    // are full and 4 are free. Then 9 rewrites: pages 0 and 1 (block 0 keeps 2 valid pages) and one page of each of
    // blocks 1..7 (3 valid each); they fill blocks 12 and 13 and open 14, leaving 1 free block. The 10th rewrite
    // needs GC first: greedy GC takes block 0, copies its 2 valid pages and erases it, which frees a 2nd block.
    const spec: SsdSpec = {
      ...GENERIC_MLC_SSD,
      channels: 1,
      diesPerChannel: 1,
      pagesPerBlock: 4,
      blocksPerDie: 16,
      gcFreeBlocks: 2,
      overProvisioning: 0.25,
    };
    const sim = new Simulation();
    const ssd = new Ssd(sim, spec);
    expect(ssd.ftl.logicalPages).toBe(48);
    const spp = spec.pageBytes / 512;
    const write = (lp: number) => {
      let at = -1;
      const t0 = sim.now;
      ssd.submit({ id: 1, vm: 0, lba: lp * spp, sectors: spp, isRead: false, issueTime: t0 }, { complete: () => (at = sim.now) });
      sim.run();
      return at - t0;
    };
    const [cmd, bus, chan, tR, tPROG, tBERS] = [20_000, 4096 / 0.3, 20_480, 50_000, 600_000, 3_000_000];
    for (let lp = 0; lp < 48; lp++) write(lp);
    for (const lp of [0, 1, 4, 8, 12, 16, 20, 24, 28]) expect(write(lp), `rewrite of ${lp}`).toBe(Math.ceil(cmd + bus + chan + tPROG));
    expect([ssd.ftl.free(0), ssd.ftl.erases, ssd.gcNs]).toEqual([1, 0, 0]);
    const gc = 2 * (tR + tPROG) + tBERS; // 4.3 ms
    // The die starts GC once the command is processed; the page's data (in the controller and across the channel
    // 34 µs later) waits for it, then is programmed.
    expect(write(32)).toBe(cmd + gc + tPROG);
    expect([ssd.ftl.gcCopies, ssd.ftl.erases, ssd.ftl.free(0)]).toEqual([2, 1, 2]);
    expect(ssd.gcNs).toBe(gc);
  });

  it("host writes share the channel with the dies: 32 dies behind one channel cannot program faster than it carries pages", () => {
    // 32 dies at 600 µs per program could take 53,000 pages/s; one 200 MB/s channel carries at most 48,800 (20.48 µs per 4 KiB).
    const sim = new Simulation();
    const ssd = new Ssd(sim, { ...SMALL, channels: 1, diesPerChannel: 32 });
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 64, alignmentBytes: 4096 });
    w.start({ sim, target: ssd, rng: new RngStreams(1).get("w"), vm: 0 });
    runMeasured(sim, [w], 1e7, 5e7);
    expect(ssd.ftl.erases).toBe(0); // fresh: no GC in the way
    const ceiling = 1e9 / 20_480;
    expect(w.stats.iops(sim.now)).toBeLessThanOrEqual(ceiling);
    expect(w.stats.iops(sim.now)).toBeGreaterThan(0.9 * ceiling);
  });

  it("rejects every spec field out of range with a bad-config error naming it", () => {
    const bad: Partial<SsdSpec>[] = [
      { pageProgramNs: -600_000 }, // completed writes in the command overhead alone
      { pageReadNs: Number.NaN },
      { blockEraseNs: Number.POSITIVE_INFINITY },
      { commandOverheadNs: -1_000_000 },
      { commandOverheadNs: 1e16 }, // a slip of units: failed in the kernel, naming no field
      { blockEraseNs: 3e12 },
      { channels: 2.5 },
      { diesPerChannel: 1.5 },
      { pagesPerBlock: 4.5 },
      { blocksPerDie: 128.5 },
      { gcFreeBlocks: 2.5 },
      { channelMBps: Number.POSITIVE_INFINITY },
      { channelMBps: 0 },
      { channelMBps: -200 },
      { channelMBps: Number.NaN },
      { pageBytes: 1000 },
      { pageBytes: 0 },
      { gcFreeBlocks: 1 },
      { gcFreeBlocks: 64 }, // half of SMALL's 128 blocks per die
      { overProvisioning: 0 },
      { overProvisioning: 0.95 },
      { overProvisioning: Number.NaN },
      { busMBps: 0 },
      { busMBps: 1e-12 }, // a transfer past the kernel's clock: failed in submit, naming no field
      { channelMBps: 1e-9 },
      { busMBps: Number.POSITIVE_INFINITY },
    ];
    for (const b of bad) {
      const field = Object.keys(b)[0];
      expect(() => new Ssd(new Simulation(), { ...SMALL, ...b }), field).toThrow(
        expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: expect.stringContaining(field) }),
      );
    }
    expect(new Ssd(new Simulation(), { ...SMALL, commandOverheadNs: 0 }).capacitySectors).toBeGreaterThan(0);
    // A slow channel is a legal spec: refused only at 0 or below.
    expect(new Ssd(new Simulation(), { ...SMALL, channelMBps: 0.5 }).capacitySectors).toBeGreaterThan(0);
  });

  // It said "over-provisioning is smaller than the GC reserve" of a 7% spare over a 6.25% reserve, with no figure to
  // aim for, and named the drive "ssd", not its name.
  it("refuses a spare too small for GC's reserve with the figures and the spare it needs, naming the drive", () => {
    const spec = { ...GENERIC_MLC_SSD, blocksPerDie: 64 };
    expect(() => new Ssd(new Simulation(), spec, "mine")).toThrow(
      "ssd mine: overProvisioning 0.07 leaves each of the 32 dies 7619 logical pages, more than the 7552 its blocks hold beside GC's reserve (gcFreeBlocks 4 free blocks and one being written, of blocksPerDie 64): raise overProvisioning to about 0.0782 or more, or blocksPerDie",
    );
    // The spare it names is taken (rounded up: 0.0781 for 0.078125 was refused again).
    expect(new Ssd(new Simulation(), { ...spec, overProvisioning: 0.0782 }, "mine").capacitySectors).toBeGreaterThan(0);
  });

  it("rejects blocks of one page: garbage collection would have nothing to copy, write amplification 1 at any spare", () => {
    // 8,192 one-page blocks per die hold SMALL's data: an overwritten page's block was erased whole, never copied.
    expect(() => new Ssd(new Simulation(), { ...SMALL, pagesPerBlock: 1, blocksPerDie: 8192 })).toThrow(
      expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: expect.stringContaining("pagesPerBlock") }),
    );
    expect(new Ssd(new Simulation(), { ...SMALL, pagesPerBlock: 2, blocksPerDie: 4096 }).capacitySectors).toBeGreaterThan(0);
  });

  it("rejects more flash pages than the FTL's 32-bit page numbers reach, naming the limit, before allocating its map", () => {
    // 2^40 pages threw a RangeError with no code from the map's allocation; from 2^31 pages, where the allocation
    // can succeed, page numbers wrapped negative and read as never written.
    expect(() => new Ssd(new Simulation(), { ...GENERIC_MLC_SSD, blocksPerDie: 2 ** 28 })).toThrow(
      expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: expect.stringContaining("2147483648 pages") }),
    );
  });

  it("rejects a spare area too small for garbage collection", () => {
    const sim = new Simulation();
    expect(() => new Ssd(sim, { ...SMALL, overProvisioning: 0.01 })).toThrow(
      /overProvisioning 0.01 leaves each of the 8 dies .*: raise overProvisioning to about 0.0391 or more, or blocksPerDie/,
    );
  });
});
