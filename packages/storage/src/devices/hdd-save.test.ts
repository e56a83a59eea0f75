import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "./hdd.js";
import { afterFirstRead } from "./hdd-first-read.test-support.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

describe("Hdd save and restore, and IOs outside the disk", () => {
  it("restored with its simulation, the disk serves the same IOs at the same times again (the interface forgets later bookings)", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    const simState = sim.save();
    const diskState = hdd.save();
    // 20 ms on, four 64 KiB hits on the read-ahead's data cross the interface one after another.
    const hits = () => {
      done.clear();
      sim.run({ until: sim.now + 20_000_000 });
      for (let i = 1; i <= 4; i++) read(i, 8 + 128 * (i - 1), 128);
      sim.run();
      return [...done];
    };
    const first = hits();
    expect(first).toHaveLength(4);
    sim.restore(simState);
    hdd.restore(diskState);
    expect(hits()).toEqual(first);
  });

  it("saved during a sequential stream longer than half the cache, it restores and serves the same reads at the same times", () => {
    // QD1 reads of 64 sectors from 0 up to 20,000: the stream's window has slid its segment's start past the stream's base.
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const done: number[] = [];
    let next = 0;
    let last = 20_000;
    const sink = {
      complete: () => {
        done.push(sim.now);
        if (next < last) {
          next += 64;
          hdd.submit({ id: 0, vm: 0, lba: next, sectors: 64, isRead: true, issueTime: sim.now }, sink);
        }
      },
    };
    hdd.submit({ id: 0, vm: 0, lba: 0, sectors: 64, isRead: true, issueTime: 0 }, sink);
    sim.run();
    const simState = sim.save();
    const diskState = hdd.save();
    const c = diskState.cache;
    expect(c.segStart[c.ra]).toBeGreaterThan(c.segEnd[c.ra]);
    const more = () => {
      done.length = 0;
      last = 30_000;
      sim.run({ until: sim.now + 1_000_000 });
      next += 64;
      hdd.submit({ id: 0, vm: 0, lba: next, sectors: 64, isRead: true, issueTime: sim.now }, sink);
      sim.run();
      return [...done];
    };
    const first = more();
    expect(first.length).toBeGreaterThan(100);
    sim.restore(simState);
    next = 20_032;
    hdd.restore(structuredClone(diskState));
    expect(more()).toEqual(first);
  });

  // A variant keeping the model name (`{ ...CHEETAH_15K5, field }`, as the docs build drives) was refused for a wrong
  // cause (its cacheSegments "as its write cache"), or restored without a word (another cacheBytes, no read-ahead).
  it("restores only into a drive of the spec it was saved from, naming the fields that differ", () => {
    const saved = JSON.parse(JSON.stringify(new Hdd(new Simulation(), CHEETAH_15K5).save()));
    const into = (spec: typeof CHEETAH_15K5) => () => new Hdd(new Simulation(), spec).restore(saved);
    expect(into({ ...CHEETAH_15K5, cacheSegments: 32 })).toThrow(
      `saved hdd state is invalid (saved from a "${CHEETAH_15K5.model}" of another spec (cacheSegments 16, this one's 32); build it with the spec it was saved from)`,
    );
    expect(into({ ...CHEETAH_15K5, readAheadSectors: 0, cacheBytes: 32 << 20 })).toThrow(
      /of another spec \(cacheBytes 16777216, this one's 33554432; readAheadSectors \d+, this one's 0\)/,
    );
    expect(into({ ...CHEETAH_15K5, minPrefetchSectors: 1024 })).toThrow(/\(minPrefetchSectors absent, this one's 1024\)/);
    expect(into({ ...CHEETAH_15K5, maxCommandAgeNs: Number.POSITIVE_INFINITY })).toThrow(/maxCommandAgeNs 500000000, this one's null/);
    expect(into({ ...CHEETAH_15K5 })).not.toThrow();
    // The same seek curve written with its fields in another order is the same spec.
    const { trackToTrackMs, averageMs, fullStrokeMs } = CHEETAH_15K5.readSeek;
    expect(into({ ...CHEETAH_15K5, readSeek: { fullStrokeMs, averageMs, trackToTrackMs } })).not.toThrow();
    // A state saved before the spec was recorded restores as it did.
    const { spec: _spec, ...older } = saved;
    expect(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, cacheBytes: 32 << 20 }).restore(older)).not.toThrow();
  });

  it("rejects IOs outside the disk", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const sink = { complete: () => {} };
    expect(() => hdd.submit({ id: 0, vm: 0, lba: hdd.capacitySectors, sectors: 1, isRead: true, issueTime: 0 }, sink)).toThrow(
      /outside the disk/,
    );
    // A NaN address is outside too (it used to pass every check and reach the geometry); a NaN or 0 length is no extent.
    for (const [lba, sectors] of [
      [Number.NaN, 8],
      [-1, 8],
    ])
      expect(() => hdd.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: 0 }, sink)).toThrow(/outside the disk/);
    for (const sectors of [Number.NaN, 0])
      expect(() => hdd.submit({ id: 0, vm: 0, lba: 0, sectors, isRead: true, issueTime: 0 }, sink)).toThrow(/has no length/);
    expect(hdd.outstanding).toBe(0);
  });
});

describe("Hdd read cache and writes", () => {
  it("a write ending where a cached segment starts leaves the segment: a read of it is still a hit", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const sub = (id: number, lba: number, isRead: boolean) =>
      hdd.submit({ id, vm: 0, lba, sectors: 8, isRead, issueTime: sim.now }, { complete: () => {} });
    sub(1, 1000, true); // a media read: its segment starts at 1000, the read-ahead runs on
    sim.run();
    sub(2, 992, false); // [992, 1000): next to the segment, not in it
    sim.run();
    const media = hdd.mediaOps;
    sub(3, 1000, true);
    sim.run();
    expect(hdd.mediaOps).toBe(media);
  });

  it("a write drops the cached data it overwrites when it arrives: a read after it, while the head is busy, is not served the old data", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const sub = (id: number, lba: number, isRead: boolean) =>
      hdd.submit({ id, vm: 0, lba, sectors: 8, isRead, issueTime: sim.now }, { complete: () => {} });
    sub(1, 1000, true); // a media read: a segment holds [1000, 1008) and more
    sim.run();
    sub(2, 300_000_000, true); // far away: the head leaves the stream and is busy with this read
    sub(3, 1000, false); // overwrites the cached sectors (write cache off: it waits for the head)
    sub(4, 1000, true); // must read what the write wrote, not the cached copy
    const hits = hdd.cache.hits;
    sim.run();
    expect(hdd.cache.hits).toBe(hits);
    expect(hdd.mediaOps).toBe(4);
  });
});
