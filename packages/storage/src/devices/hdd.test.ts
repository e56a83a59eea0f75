import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { HddOptions } from "../index.js";
import { cheetahSeekCurve, hddQdScaling, hddSequential, hddServiceTime, measureHdd } from "./hdd.checks.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { SeekCurve } from "./seek-curve.js";

const within = (ours: number, theirs: number, tol = 0.1) => Math.abs(ours - theirs) / theirs <= tol;

describe("seek curve fitted to the Cheetah 15K.5's figures", () => {
  const { curve, cylinders } = cheetahSeekCurve();
  it("is the drive's own curve, over its 94,704 cylinders", () => expect(cylinders).toBe(94_704));
  it("passes through track-to-track and full stroke and averages to the average seek", () => {
    expect(curve.timeNs(1) / 1e6).toBeCloseTo(0.2, 6);
    expect(curve.timeNs(94_703) / 1e6).toBeCloseTo(7.4, 6);
    expect(curve.averageMs()).toBeCloseTo(3.5, 3);
    expect(curve.timeNs(0)).toBe(0);
  });
  it("is √d for short seeks and linear beyond the knee, increasing throughout", () => {
    expect(curve.knee).toBeGreaterThan(2);
    expect(curve.knee).toBeLessThan(94_703);
    let prev = 0;
    for (const d of [1, 2, 10, 100, 1000, 10_000, 50_000, 94_703]) {
      const t = curve.timeNs(d);
      expect(t).toBeGreaterThan(prev);
      prev = t;
    }
  });
  it("maxDistanceWithinNs inverts the curve: the longest distance seeking within a time", () => {
    for (const d of [1, 2, 7, 100, 1000, Math.floor(curve.knee), Math.ceil(curve.knee) + 1, 20_000, 94_703]) {
      const t = curve.timeNs(d);
      const reach = curve.maxDistanceWithinNs(t);
      expect(reach).toBeGreaterThan(d - 1e-6 * d);
      expect(curve.timeNs(Math.ceil(reach) + 1)).toBeGreaterThan(t); // up to rounding, nothing farther fits
    }
    expect(curve.maxDistanceWithinNs(0.1e6)).toBe(0); // below track-to-track: only staying put
  });
  it("rejects figures no curve can meet", () => {
    expect(() => new SeekCurve(94_704, { trackToTrackMs: 0.2, averageMs: 7.0, fullStrokeMs: 7.4 })).toThrow(/VMLAB|seek/);
    expect(() => new SeekCurve(94_704, { trackToTrackMs: 2, averageMs: 1, fullStrokeMs: 7.4 })).toThrow(
      /need cylinders >= 16 and 0 < track-to-track < average < full stroke, got 94704, 2, 1, 7.4 ms/,
    );
  });
  it("a disk whose average seek no curve meets says which seek and the averages that fit", () => {
    // A 7,200 RPM drive's datasheet (0.8 / 8.2 / 14.7 ms): the √d curve through 0.8 and 14.7 ms averages at most ~8.19 ms.
    const spec = { ...CHEETAH_15K5, rpm: 7200, readSeek: { trackToTrackMs: 0.8, averageMs: 8.2, fullStrokeMs: 14.7 } };
    const e = thrown(() => new Hdd(new Simulation(), spec, "d7"));
    expect(e.code).toBe("VMLAB_STORAGE_BAD_CONFIG");
    const m = /hdd d7: readSeek: .* average ([\d.]+)–([\d.]+) ms; set averageMs in that range/.exec(e.message);
    expect(m).not.toBeNull();
    const [lo, hi] = [Number(m?.[1]), Number(m?.[2])];
    expect(hi).toBeLessThan(8.2);
    // Both ends of the range it names fit.
    for (const averageMs of [lo, hi])
      expect(() => new Hdd(new Simulation(), { ...spec, readSeek: { ...spec.readSeek, averageMs } }, "d7")).not.toThrow();
  });
});

function thrown(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error("no error");
}

describe("Hdd checks its spec", () => {
  it("refuses a missing, fractional, negative or non-finite field, naming it", () => {
    const { cacheBytes: _c, ...noCache } = CHEETAH_15K5;
    const { commandOverheadNs: _o, ...noOverhead } = CHEETAH_15K5;
    const { writeSeek: _w, ...noWriteSeek } = CHEETAH_15K5;
    const bad: [Record<string, unknown>, RegExp][] = [
      [noCache, /cacheBytes must be a whole number >= 0, got undefined/], // ran with no read cache
      [noOverhead, /commandOverheadNs must be a time from 0 to 1e9 ns \(1 s; in ns: the Cheetah 15K\.5's is 50000\), got undefined/], // a TypeError deep in the queue
      // A slip of units: 1e20 spun the positioning's reduction to one revolution for ever; 1e16 failed in the kernel, naming no field.
      [{ ...CHEETAH_15K5, commandOverheadNs: 1e20 }, /commandOverheadNs must be a time from 0 to 1e9 ns .*, got 100000000000000000000/],
      [{ ...CHEETAH_15K5, commandOverheadNs: 1e16 }, /commandOverheadNs must be a time from 0 to 1e9 ns/],
      [
        { ...CHEETAH_15K5, writeSeek: { ...CHEETAH_15K5.writeSeek, fullStrokeMs: 1e12 } },
        /writeSeek.fullStrokeMs must be a time > 0 ms and at most 1000 ms, got 1000000000000/,
      ],
      [noWriteSeek, /writeSeek must give trackToTrackMs, averageMs and fullStrokeMs/], // a TypeError in SeekCurve
      [{ ...CHEETAH_15K5, commandOverheadNs: -1_000_000 }, /commandOverheadNs/], // commands faster than the mechanism
      [{ ...CHEETAH_15K5, commandOverheadNs: Number.NaN }, /commandOverheadNs/],
      [{ ...CHEETAH_15K5, heads: 2.5 }, /heads must be a whole number >= 1, got 2.5/],
      [{ ...CHEETAH_15K5, zones: 2.5 }, /zones must be a whole number/],
      [{ ...CHEETAH_15K5, queueDepth: 2.5 }, /queueDepth must be a whole number/],
      [{ ...CHEETAH_15K5, capacitySectors: 1_000_000.5 }, /capacitySectors must be a whole number/],
      [{ ...CHEETAH_15K5, readAheadSectors: -8 }, /readAheadSectors must be a whole number >= 0/],
      [{ ...CHEETAH_15K5, cacheSegments: -3 }, /cacheSegments/],
      // A cache whose segments hold no sector ran as a drive with no read cache, without a word.
      [
        { ...CHEETAH_15K5, cacheBytes: 16 },
        /cacheBytes \(16\) over cacheSegments \(16\) leaves each segment less than one 512-byte sector/,
      ],
      [{ ...CHEETAH_15K5, cacheSegments: 0 }, /cacheSegments must be >= 1 for a read cache of 16777216 bytes with read-ahead/],
      [{ ...CHEETAH_15K5, cacheSegments: 1e9 }, /over cacheSegments \(1000000000\)/], // ran out of memory
      [{ ...CHEETAH_15K5, rpm: 0 }, /rpm must be a finite number > 0, got 0/],
      // A rate so low a sector's transfer left the kernel's clock failed in sim.run, naming no field.
      [{ ...CHEETAH_15K5, busMBps: 1e-12 }, /busMBps must be a finite rate >= 0.001 MB\/s, got 1e-12/],
      [{ ...CHEETAH_15K5, innerMBps: 1e-6 }, /innerMBps must be a finite rate >= 0.001 MB\/s/],
      [{ ...CHEETAH_15K5, rpm: Number.POSITIVE_INFINITY }, /rpm must be a finite number > 0/], // a TypeError before
      [{ ...CHEETAH_15K5, outerMBps: 50 }, /outerMBps \(50\) must be >= innerMBps \(73\)/],
      // A zero bound sends the oldest command first every time (no reordering at all); a missing one, no bound.
      [{ ...CHEETAH_15K5, maxCommandAgeNs: 0 }, /maxCommandAgeNs must be > 0 ns, got 0/],
      [{ ...CHEETAH_15K5, maxCommandAgeNs: undefined }, /maxCommandAgeNs must be > 0 ns, got undefined/],
      [
        { ...CHEETAH_15K5, readSeek: { trackToTrackMs: 0.2, averageMs: 3.5 } },
        /readSeek.fullStrokeMs must be a time > 0 ms and at most 1000 ms, got undefined/,
      ],
    ];
    for (const [spec, message] of bad) {
      const e = thrown(() => new Hdd(new Simulation(), spec as unknown as typeof CHEETAH_15K5, "x"));
      expect(e.code).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect(e.message).toMatch(/^hdd x: /);
      expect(e.message).toMatch(message);
    }
    // A drive with no read cache, and one without a starvation bound, are still drives.
    expect(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, cacheBytes: 0, cacheSegments: 0, readAheadSectors: 0 })).not.toThrow();
    // Its read cache disabled (no segments, no read-ahead), its buffer still takes written data (write cache on, default size).
    const rcd = new Hdd(new Simulation(), { ...CHEETAH_15K5, cacheSegments: 0, readAheadSectors: 0 }, "rcd", { writeCache: true });
    expect(rcd.volatileWriteCache).toBe(true);
    const rcdSim = new Simulation();
    const rcdDisk = new Hdd(rcdSim, { ...CHEETAH_15K5, cacheSegments: 0, readAheadSectors: 0 }, "rcd", { writeCache: true });
    for (const id of [0, 1]) {
      rcdDisk.submit({ id, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: rcdSim.now }, { complete: () => {} });
      rcdSim.run();
    }
    expect([rcdDisk.mediaOps, rcdDisk.cache.hits]).toEqual([2, 0]); // the re-read goes to the media
    expect(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, maxCommandAgeNs: Number.POSITIVE_INFINITY })).not.toThrow();
    // The drive's options are a type a researcher can name (the package exports it; `tsc` fails here if not).
    const wce: HddOptions = { writeCache: true, writeCacheSectors: 4096 };
    expect(new Hdd(new Simulation(), CHEETAH_15K5, "w", wce).volatileWriteCache).toBe(true);
  });
});

describe("Hdd refuses a geometry it cannot lay out as its spec says", () => {
  it("a capacity, zone count or head count that leaves the innermost zones empty is refused, naming the fields", () => {
    // Each zone has at least one cylinder (heads × its sectors per track): 24 zones of 14 cylinders of a Cheetah hold
    // 2,079,168 sectors, so a 2,000,000-sector disk never reached its inner zone and ran at 75.3, not 73 MB/s there;
    // with 1,000,000 zones (a cylinder each) every sector was in the outer ~8% of them, at ~120 MB/s and more to the end.
    const cases: [Partial<typeof CHEETAH_15K5>, RegExp][] = [
      [{ capacitySectors: 2_000_000 }, /capacitySectors \(2000000\) leaves the innermost 1 of 24 zones empty.*innerMBps \(73\)/],
      [{ zones: 1_000_000 }, /capacitySectors \(585937500\) leaves the innermost \d+ of 1000000 zones empty/],
      // A tiny capacity was blamed on the seek figures: "set averageMs in that range".
      [{ capacitySectors: 1000 }, /capacitySectors \(1000\) leaves the innermost 23 of 24 zones empty/],
      [{ heads: 1_000_000 }, /leaves the innermost 23 of 24 zones empty: each zone has whole cylinders of heads \(1000000\)/],
      [{ zones: 1, capacitySectors: 1000 }, /capacitySectors \(1000\) fills 1 cylinder.*at least 16/],
      // 15 whole cylinders of 8 × 977 sectors: one short of what the seek curve needs.
      [
        { zones: 1, capacitySectors: 15 * 7816 },
        /capacitySectors \(117240\) fills 15 cylinders of 8 heads: the seek curve needs at least 16/,
      ],
    ];
    for (const [over, message] of cases) {
      const e = thrown(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, ...over }, "g"));
      expect(e.code, JSON.stringify(over)).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect(e.message).toMatch(/^hdd g: /);
      expect(e.message).toMatch(message);
    }
    // The drive's own layout, and one whose innermost zone holds only part of its cylinders, are kept.
    expect(new Hdd(new Simulation(), CHEETAH_15K5).geometry.cylinders).toBe(94_704);
    expect(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, capacitySectors: 40_000_000 })).not.toThrow();
  });
});

describe("HDD model checks against the Seagate Cheetah 15K.5 spec sheet", () => {
  it("random 4 KiB read service time ≈ average seek + average latency + transfer (within 10%)", () => {
    // 3.5 ms + 2.0 ms (half a revolution at 15,000 RPM) + 4 KiB at the ~99 MB/s mid-disk rate.
    const { meanMs, specMs } = hddServiceTime();
    expect(specMs).toBeCloseTo(3.5 + 2.0 + (4096 / 99e6) * 1e3, 12);
    expect(within(meanMs, specMs)).toBe(true);
  });

  it("random 4 KiB writes (write cache off) pay the write seek: 4.0 ms average, 0.5 ms more than a read's 3.5 ms", () => {
    // The write figures were never checked: a disk seeking writes on the read curve passed every HDD test (its writes were
    // 5.6 ms, still within 10% of 6.0). 20 s at QD 1 (~3,400 IOs each) keeps the sampling noise of each mean near 0.03 ms.
    const serviceMs = (readPercent: number) =>
      measureHdd({ ioSizeBytes: 4096, readPercent, randomPercent: 100, outstandingIos: 1 }, 20e9).latency.mean / 1000;
    const read = serviceMs(100);
    const write = serviceMs(0);
    const { readSeek, writeSeek } = CHEETAH_15K5;
    expect(within(write, writeSeek.averageMs + 2.0 + (4096 / 99e6) * 1e3)).toBe(true);
    expect(Math.abs(write - read - (writeSeek.averageMs - readSeek.averageMs)), `write ${write} ms, read ${read} ms`).toBeLessThan(0.1);
  });

  it("sequential reads run at the sustained media rate: 125 MB/s outer, 73 MB/s inner (within 10%)", () => {
    const { outer, inner } = hddSequential();
    expect(within(outer.mbps, 125)).toBe(true);
    expect(within(inner.mbps, 73)).toBe(true);
    // Served from the read-ahead, not by a seek per IO.
    expect(outer.hdd.cache.hits).toBeGreaterThan(outer.hdd.mediaOps * 5);
  });

  it("sequential reads longer than the read-ahead stream too: the drive extends the stream to each, and never leaves it", () => {
    // 1 MiB reads at QD1 (2,048 sectors; the read-ahead is 1,024): each starts where the window ends and runs past it.
    const r = measureHdd({ ioSizeBytes: 1024 * 1024, readPercent: 100, randomPercent: 0, outstandingIos: 1 }, 1e9);
    expect(within(r.mbps, 125), `${r.mbps} MB/s`).toBe(true);
    // One media read starts the stream; every later read is a hit (it broke every 8 MiB, a revolution lost each time).
    expect(r.hdd.mediaOps).toBe(1);
    expect(r.hdd.cache.hits).toBeGreaterThan(100);
  });

  it("a deep queue of sequential reads still streams at the media rate (sequential-stream detection)", () => {
    for (const size of [65536, 262144]) {
      const r = measureHdd({ ioSizeBytes: size, readPercent: 100, randomPercent: 0, outstandingIos: 32 }, 1e9);
      expect(within(r.mbps, 125)).toBe(true);
    }
  });

  it("queue-depth scaling: QD1 in the 15K class's 175–210 IOPS, deep queues more than double it", () => {
    const iops = hddQdScaling([1, 4, 16, 32]);
    expect(iops[0]).toBeGreaterThan(175 * 0.9);
    expect(iops[0]).toBeLessThan(210 * 1.1);
    for (let i = 1; i < iops.length; i++) expect(iops[i]).toBeGreaterThan(iops[i - 1]);
    expect(iops[3] / iops[0]).toBeGreaterThan(2 * 0.9);
  });

  it("the starvation bound caps the wait of any command under deep random queues", () => {
    const r = measureHdd({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 64 }, 4e9);
    // Once a command is older than the bound it goes next; a few may be overdue at once.
    expect(r.latency.max / 1000).toBeLessThan(CHEETAH_15K5.maxCommandAgeNs / 1e6 + 150);
  });

  it("the starvation bound is honoured exactly: the first command chosen after the oldest's age passes it is the oldest", () => {
    // A near read in service and a far read queued at time 0, then near reads from 1 ns on, four kept queued (each
    // completion submits another): SPTF serves the near ones until the far one's age passes the bound, then the far one
    // next (the oldest: every other command came later), not a command later. No read cache: every command is a media
    // command, so each starts as the one before it ends. (A bound applied 20% late passed every HDD test.)
    const run = (bound: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, maxCommandAgeNs: bound, cacheSegments: 0, readAheadSectors: 0 });
      const ends: [number, number][] = [];
      let id = 1;
      let lba = 0;
      const near = () => {
        lba = (lba + 9_000) % 20_000;
        hdd.submit({ id: id++, vm: 0, lba, sectors: 8, isRead: true, issueTime: sim.now }, sink);
      };
      const sink = {
        complete: (r: { id: number }) => {
          ends.push([r.id, sim.now]);
          if (r.id !== 0 && sim.now < 3 * bound) near();
        },
      };
      near();
      hdd.submit({ id: 0, vm: 0, lba: 580_000_000, sectors: 8, isRead: true, issueTime: 0 }, sink);
      sim.run({ until: 1 });
      for (let i = 0; i < 4; i++) near();
      sim.run();
      return { ends, k: ends.findIndex(([i]) => i === 0) };
    };
    for (const bound of [3e6, 5e6, 10e6, 20e6]) {
      const { ends, k } = run(bound);
      expect(k, `bound ${bound}`).toBeGreaterThan(1);
      // Its service started when the command before it ended, past the bound; the one before that started within it.
      expect(ends[k - 1][1], `bound ${bound}`).toBeGreaterThan(bound);
      expect(ends[k - 2][1], `bound ${bound}`).toBeLessThanOrEqual(bound);
      // A bound that the far command's age reaches exactly as a command ends: waiting exactly the bound is not past it,
      // so the next command is still chosen by SPTF, and the far one goes after it, as before.
      const exact = run(ends[k - 2][1]);
      expect(exact.k, `bound ${ends[k - 2][1]}`).toBe(k);
    }
  });

  it("a command past the starvation bound goes next: the read-ahead serves a younger read only if that does not delay it", () => {
    // A read at 0, then (queued behind it) a far read, a read continuing the stream and, maybe, one ~1,000 sectors on:
    // by the first read's end the far one has waited past the 0.1 ms bound.
    const run = (withNear: boolean) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, maxCommandAgeNs: 100_000 });
      const done = new Map<number, number>();
      const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
      const read = (id: number, lba: number, n: number) => hdd.submit({ id, vm: 0, lba, sectors: n, isRead: true, issueTime: 0 }, sink);
      read(0, 0, 8);
      read(1, 300_000_000, 8);
      read(2, 9, 64);
      if (withNear) read(3, 1007, 8);
      sim.run();
      return done;
    };
    const alone = run(false);
    const near = run(true);
    // The stream's next sectors cost the starved read nothing: served from the read-ahead, before it.
    expect(alone.get(2)).toBeLessThan(alone.get(1) as number);
    // The read ~1,000 sectors on would hold the head a revolution: the starved read goes first, as without it.
    expect(near.get(1)).toBe(alone.get(1));
    expect(near.get(3)).toBeGreaterThan(near.get(1) as number);
  });

  it("small sequential writes at QD1 lose a revolution each (no write cache): ~1 IO per revolution", () => {
    const r = measureHdd({ ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 }, 1e9);
    expect(within(r.iops, 250, 0.15)).toBe(true);
  });

  it("queued sequential writes follow each other without losing a revolution (completion times are whole ns)", () => {
    // Two back-to-back 64 KiB writes queued together: the second starts where the first ends, under the head.
    const gaps = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const sim = new Simulation();
      const hdd = new Hdd(sim);
      const done: number[] = [];
      const sink = { complete: () => done.push(sim.now) };
      const lba = 1_000_000 + i * 7919;
      hdd.submit({ id: 0, vm: 0, lba, sectors: 128, isRead: false, issueTime: 0 }, sink);
      hdd.submit({ id: 1, vm: 0, lba: lba + 128, sectors: 128, isRead: false, issueTime: 0 }, sink);
      sim.run();
      gaps.add(Math.round((done[1] - done[0]) / 1000));
    }
    // 128 sectors of the outer zone (977 per 4 ms revolution): 524 µs, never 524 µs + a revolution.
    expect([...gaps]).toEqual([524]);
    // A queue of sequential writes streams at the media rate, as sequential reads do (rounding errors
    // must not add up over the stream either: 8 and 32 KiB lost revolutions that way).
    for (const size of [8192, 32768, 65536]) {
      const w = measureHdd({ ioSizeBytes: size, readPercent: 0, randomPercent: 0, outstandingIos: 16 }, 1e9);
      expect(within(w.mbps, 125), `${size} B: ${w.mbps} MB/s`).toBe(true);
    }
  });

  it("a media transfer runs at its zone's rate: 10 MiB read on the inner zone at ~73 MB/s, on the outer at ~125 MB/s", () => {
    // One read on an idle disk (head at cylinder 0): command overhead, the seek, at most a revolution, then the transfer.
    const g = new Hdd(new Simulation()).geometry;
    const sectors = 20_480;
    for (const [lba, mbps] of [
      [CHEETAH_15K5.capacitySectors - 2 * sectors, 73],
      [sectors, 125],
    ]) {
      const sim = new Simulation();
      const hdd = new Hdd(sim);
      let done = 0;
      hdd.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: 0 }, { complete: () => (done = sim.now) });
      sim.run();
      const positioning = CHEETAH_15K5.commandOverheadNs + hdd.readSeek.timeNs(g.cylinderOf(lba, g.zoneOf(lba)));
      const transferNs = done - positioning;
      const specNs = ((sectors * 512) / (mbps * 1e6)) * 1e9;
      expect(transferNs).toBeGreaterThanOrEqual(0.97 * specNs); // the zone's rate is the spec's within rounding of sectors per track
      expect(transferNs).toBeLessThanOrEqual(1.03 * specNs + g.revolutionNs);
    }
  });
});
