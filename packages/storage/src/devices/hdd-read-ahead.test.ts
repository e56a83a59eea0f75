import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { measureHdd } from "./hdd.checks.js";
import { Hdd } from "./hdd.js";
import { afterFirstRead } from "./hdd-first-read.test-support.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

describe("Hdd read-ahead bounds, cache segments and the one controller", () => {
  it("a hit on a sector the read-ahead is reading right now completes no earlier than the controller has processed it", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    const t0 = sim.now; // the head has just started reading ahead from sector 8
    read(1, 8, 1); // in the buffer ~4 µs from now, before the 50 µs command overhead has passed
    sim.run();
    expect(hdd.mediaOps).toBe(1);
    const busNs = (512 / (CHEETAH_15K5.busMBps * 1e6)) * 1e9;
    expect((done.get(1) as number) - t0).toBeGreaterThanOrEqual(Math.floor(CHEETAH_15K5.commandOverheadNs + busNs));
  });

  it("a read at the disk's end reads ahead only up to its last sector: the disk saved then restores", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const cap = hdd.capacitySectors;
    expect(hdd.geometry.zoneLba[CHEETAH_15K5.zones]).toBeGreaterThan(cap); // the last zone's cylinders run past the capacity
    hdd.submit({ id: 0, vm: 0, lba: cap - 64, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    sim.run();
    const saved = hdd.save();
    expect(saved.cache.raBound).toBe(cap);
    expect(saved.cache.raLimit).toBe(cap);
    const other = new Hdd(new Simulation());
    other.restore(saved);
    expect(other.save()).toEqual(saved);
  });

  it("refuses a saved head cylinder past the last one (cylinders − 1), and changes nothing", () => {
    const hdd = new Hdd(new Simulation());
    const saved = hdd.save();
    const last = hdd.geometry.cylinders - 1;
    expect(() => hdd.restore({ ...saved, headCylinder: last + 1 })).toThrow(/head cylinder 94704 is past the last cylinder/);
    expect(hdd.save()).toEqual(saved);
    hdd.restore({ ...saved, headCylinder: last });
    expect(hdd.save().headCylinder).toBe(last);
  });

  it("the read-ahead is bounded by the segment size (readAheadSectors' doc): 128-sector segments read ahead 128 sectors, not 1,024", () => {
    const sim = new Simulation();
    // 1 MiB over 16 segments: 128 sectors each; the spec's 1,024-sector read-ahead does not fit one.
    const hdd = new Hdd(sim, { ...CHEETAH_15K5, cacheBytes: 16 * 128 * 512 });
    const read = (lba: number) => {
      hdd.submit({ id: 0, vm: 0, lba, sectors: 8, isRead: true, issueTime: sim.now }, { complete: () => {} });
      sim.run();
    };
    read(0);
    sim.run({ until: sim.now + 100_000_000 }); // long enough to read 1,024 sectors ahead
    read(100); // within the 128 sectors read ahead: a hit
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([1, 1]);
    read(900); // ~900 sectors on: no segment holds it
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([2, 1]);
  });

  it("a sequential read ending exactly at the zone's or the disk's end joins the stream (the read-ahead reaches that end)", () => {
    for (const at of ["zone", "disk"]) {
      const sim = new Simulation();
      const hdd = new Hdd(sim);
      const end = at === "zone" ? hdd.geometry.zoneLba[1] : hdd.capacitySectors;
      const read = (lba: number, sectors: number) =>
        hdd.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: sim.now }, { complete: () => {} });
      read(end - 2056, 8); // a media read: the head reads ahead 1,024 sectors, to end − 1,024
      sim.run();
      read(end - 2048, 2048); // the next sequential read, up to the end: the head reads on through it
      sim.run();
      expect([hdd.mediaOps, hdd.cache.hits], at).toEqual([1, 1]);
    }
  });

  it("a cache segment holds at most its 1 MiB: of a read and its read-ahead larger than that, only the last 2,048 sectors", () => {
    for (const readAheadSectors of [1024, 0]) {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, readAheadSectors });
      const read = (lba: number, sectors: number) => {
        hdd.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: sim.now }, { complete: () => {} });
        sim.run();
        sim.run({ until: sim.now + 100_000_000 }); // any read-ahead done
      };
      read(0, 2048); // with the read-ahead, [0, 3,072): the segment keeps [1,024, 3,072); without, [0, 2,048)
      const kept = readAheadSectors > 0 ? 1024 : 0;
      read(kept, 8); // the oldest sectors the segment keeps: a hit
      expect([hdd.mediaOps, hdd.cache.hits], `read-ahead ${readAheadSectors}`).toEqual([1, 1]);
      if (kept > 0) {
        read(kept - 8, 8); // the sectors before them: no segment holds them
        expect([hdd.mediaOps, hdd.cache.hits], `read-ahead ${readAheadSectors}`).toEqual([2, 1]);
      }
    }
    // Without read-ahead, a 2 MiB read leaves its last 1 MiB in a segment, not its first.
    const sim = new Simulation();
    const hdd = new Hdd(sim, { ...CHEETAH_15K5, readAheadSectors: 0 });
    for (const [lba, sectors] of [
      [0, 4096],
      [4088, 8],
      [0, 8],
    ]) {
      hdd.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: sim.now }, { complete: () => {} });
      sim.run();
    }
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([2, 1]);
  });

  it("a queued read as far past the window as the read-ahead reaches is re-checked when a stream starts, and joins it when that is as fast", () => {
    // A 64-sector read-ahead: the stream from sector 8 plans up to 72; a read queued at 72 + 64 = 136 (on the same track,
    // so the head reaches it as soon by reading on as by a media read) is served by the stream, not by a second media read.
    const sim = new Simulation();
    const hdd = new Hdd(sim, { ...CHEETAH_15K5, readAheadSectors: 64 });
    const done: number[] = [];
    for (const lba of [0, 136])
      hdd.submit({ id: lba, vm: 0, lba, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => done.push(sim.now) });
    sim.run();
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([1, 1]);
    // It ends as the head reads its last sector (plus the interface), 136 sectors after the first read ended.
    expect(done[1] - done[0]).toBeLessThan(137 * hdd.geometry.zoneSectorNs[0] + 10_000);
  });

  it("a read the stream reaches as soon as a media read would is judged from where the head will leave the stream (after the sectors promised), not from where it is", () => {
    const { sim, hdd, read } = afterFirstRead();
    read(1, 904, 128); // a hit at the window's far end: the head may not leave before sector 1,032 (~4.2 ms)
    // Just past the window, on the next track: a media read could not start before the head reached 1,032 either,
    // and then its first sector is 8 sectors on — as soon as reading on gets there. The stream serves it.
    read(2, 1040, 8);
    sim.run();
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([1, 2]);
  });

  it("a stream hit longer than the stream's reach less the read-ahead keeps all its sectors in the segment: re-reading its start hits", () => {
    const { sim, hdd, read } = afterFirstRead();
    // 16,000 sectors from the stream's start: with the 1,024 read ahead past it, more than the reach (half the cache,
    // 16,384 sectors); the segment drops sectors before this read, not the read's own.
    read(1, 8, 16_000);
    sim.run();
    read(2, 8, 8);
    sim.run();
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([1, 2]);
  });

  it("cache hits share the one interface: their data crosses it one command after another", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    // 20 ms after the media read its read-ahead's 512 KiB are in the cache.
    sim.run({ until: sim.now + 20_000_000 });
    const t0 = sim.now;
    for (let i = 1; i <= 4; i++) read(i, 8 + 128 * (i - 1), 128);
    sim.run();
    expect(hdd.mediaOps).toBe(1); // all four were hits
    // 64 KiB at 300 MB/s: 218 µs each, after the 50 µs command overhead — not four at once.
    const xferNs = ((128 * 512) / 300e6) * 1e9;
    for (let i = 1; i <= 4; i++) expect((done.get(i) as number) - t0).toBeCloseTo(CHEETAH_15K5.commandOverheadNs + i * xferNs, -1);
  });

  it("the one controller processes commands one after another: hits arriving together pay their overheads in turn", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    sim.run({ until: sim.now + 20_000_000 }); // the read-ahead's 512 KiB are in the cache
    const t0 = sim.now;
    // 16 one-sector hits at once: 1.7 µs each on the interface, 50 µs each in the controller.
    for (let i = 1; i <= 16; i++) read(i, 8 + i, 1);
    sim.run();
    expect(hdd.mediaOps).toBe(1); // all hits
    const xferNs = (512 / 300e6) * 1e9;
    for (let i = 1; i <= 16; i++) expect((done.get(i) as number) - t0).toBeCloseTo(i * CHEETAH_15K5.commandOverheadNs + xferNs, -1);
    // Cache hits at a deep queue: at most one command per overhead (20,000/s), not one per interface transfer.
    const hits = measureHdd({ ioSizeBytes: 512, readPercent: 100, randomPercent: 0, outstandingIos: 32 }, 5e8);
    expect(hits.iops).toBeLessThanOrEqual(1e9 / CHEETAH_15K5.commandOverheadNs);
    expect(hits.iops).toBeGreaterThan(0.95e9 / CHEETAH_15K5.commandOverheadNs);
  });

  it("a queued read that the read-ahead then brings in completes no earlier than the controller has processed it", () => {
    // 1 ms per command in the controller: sixteen sequential reads arriving together are processed 1 ms apart, while
    // the read-ahead behind the first brings each next one's sectors in far sooner.
    const sim = new Simulation();
    const hdd = new Hdd(sim, { ...CHEETAH_15K5, commandOverheadNs: 1_000_000 }, "hdd");
    const done = new Map<number, number>();
    for (let i = 0; i < 16; i++)
      hdd.submit(
        { id: i, vm: 0, lba: 1_000_000 + i * 8, sectors: 8, isRead: true, issueTime: 0 },
        { complete: (r) => done.set(r.id, sim.now) },
      );
    sim.run();
    expect(hdd.mediaOps).toBe(1); // the other fifteen come from the read-ahead
    for (let i = 1; i < 16; i++) expect(done.get(i) as number).toBeGreaterThan((i + 1) * 1_000_000);
  });

  it("a hit whose data is in the buffer is not held behind one waiting for the read-ahead", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    const t0 = sim.now;
    // The read-ahead has just begun: a read at the far end of its 1,024 sectors waits ~4 ms for the head.
    read(1, 904, 128);
    // The sectors the media read just returned are in the buffer now: the interface is idle until the other's data arrives.
    read(2, 0, 8);
    sim.run();
    expect(hdd.mediaOps).toBe(1); // both were hits
    expect((done.get(1) as number) - t0).toBeGreaterThan(4_000_000);
    const xferNs = ((8 * 512) / 300e6) * 1e9;
    // The second command the controller processes (after read 1's overhead), then its transfer.
    expect((done.get(2) as number) - t0).toBeCloseTo(2 * CHEETAH_15K5.commandOverheadNs + xferNs, -1);
  });

  it("the head leaves a read-ahead only once it has read the sectors a waiting hit was promised", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    const t0 = sim.now;
    const busy0 = hdd.busyNs;
    // A hit at the far end of the read-ahead (sectors up to 1,032: ~4.2 ms of reading), then a miss far away.
    read(1, 904, 128);
    read(2, 300_000_000, 8);
    sim.run();
    expect(hdd.mediaOps).toBe(2);
    const promisedReadNs = (1032 - 8) * hdd.geometry.zoneSectorNs[0];
    // The miss seeks only after the head has read them: it cannot end before, though it needs no read-ahead data.
    const g = hdd.geometry;
    const seekNs = hdd.readSeek.timeNs(g.cylinderOf(300_000_000, g.zoneOf(300_000_000)) - g.cylinderOf(1031, 0));
    expect((done.get(2) as number) - t0).toBeGreaterThan(promisedReadNs + seekNs);
    expect((done.get(1) as number) - t0).toBeGreaterThan(promisedReadNs);
    // busyNs is the time serving media commands: the miss's, from when the head left the read-ahead (not the reading ahead).
    expect(hdd.busyNs - busy0).toBeGreaterThan(seekNs);
    expect(hdd.busyNs - busy0).toBeLessThanOrEqual((done.get(2) as number) - t0 - promisedReadNs + 1);
  });

  it("a read just past a just-started stream's window is a media read when the read seek gets there sooner", () => {
    // ~50 sectors past the window, a cylinder on: a media read (read seek, 0.3-0.5 ms) beats waiting ~4.3 ms for the
    // head to read on to it. The media estimate took the write seek curve (0.4 ms track to track, not 0.2) and waited.
    const latency = (k: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd");
      const x = 1_000_000;
      let t = -1;
      hdd.submit({ id: 0, vm: 0, lba: x, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
      sim.run();
      const at = sim.now + 10_000;
      sim.run({ until: at });
      hdd.submit({ id: 1, vm: 0, lba: x + 8 + k, sectors: 8, isRead: true, issueTime: at }, { complete: () => (t = sim.now - at) });
      sim.run();
      return t;
    };
    for (const k of [1041, 1060, 1089]) expect(latency(k)).toBeLessThan(1_000_000);
  });
});
