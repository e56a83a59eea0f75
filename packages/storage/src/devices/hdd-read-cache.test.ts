import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "./hdd.js";
import { afterFirstRead } from "./hdd-first-read.test-support.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

describe("Hdd read cache: what a segment holds, and when", () => {
  it("a read of sectors a stopped read-ahead has still to read for a waiting hit is served as the head reads them, not at once", () => {
    const { sim, hdd, done, read } = afterFirstRead();
    const t0 = sim.now;
    const sectorNs = hdd.geometry.zoneSectorNs[0];
    // A hit at the far end of the read-ahead: the head must read on to sector 1,032 (~4.2 ms) before it may leave.
    read(1, 904, 128);
    // A miss far away stops the read-ahead: the segment is to hold [.., 1,032), but the head is still at sector ~8.
    read(2, 300_000_000, 8);
    // Sectors [1,000, 1,008) of that segment: the head reads them ~4.1 ms from now.
    read(3, 1000, 8);
    sim.run();
    expect([hdd.mediaOps, hdd.cache.hits]).toEqual([2, 2]);
    // Served from the buffer, but no sooner than the head has read its last sector (it was served 0.16 ms after arriving).
    expect((done.get(3) as number) - t0).toBeGreaterThanOrEqual(Math.floor((1008 - 8) * sectorNs));
    // And no later than its data can cross the interface after the waiting hit's, which holds it as the head reads on.
    const busNs = ((8 * 512) / (CHEETAH_15K5.busMBps * 1e6)) * 1e9;
    expect(done.get(3) as number).toBeLessThanOrEqual((done.get(1) as number) + busNs + 1);
  });

  it("the segments together hold no more than the drive's cache: a stream grown past its segment takes the room of the least recently used", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const read = (lba: number, sectors: number) => {
      hdd.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: sim.now }, { complete: () => {} });
      sim.run();
      sim.run({ until: sim.now + 100_000_000 }); // any read-ahead done
    };
    const { segments, segmentSectors } = hdd.cache;
    const cacheSectors = CHEETAH_15K5.cacheBytes / 512;
    expect(segments * segmentSectors).toBe(cacheSectors);
    const held = () => {
      const s = hdd.cache.save();
      return s.segStart.reduce((sum, start, i) => sum + Math.max(0, s.segEnd[i] - start), 0);
    };
    // An 8 MiB sequential stream at QD 1: its segment keeps up to half the cache (the stream's reach) behind the window.
    for (let i = 0; i < 64; i++) read(i * 512, 512);
    expect(hdd.mediaOps).toBe(1);
    // Then 1 MiB reads far apart, one per other segment: each segment keeps its 1 MiB.
    for (let k = 1; k < segments; k++) read(k * 10_000_000, 2048);
    // Together they held 22.75 MiB of a 16 MiB cache.
    expect(held()).toBeLessThanOrEqual(cacheSectors);
    // The stream's segment, least recently used, gave up its data: its sectors are read from the media again.
    const media = hdd.mediaOps;
    read(32_000, 8);
    expect(hdd.mediaOps).toBe(media + 1);
    // The newest 1 MiB read is still held.
    read((segments - 1) * 10_000_000 + 1024, 1024);
    expect(hdd.mediaOps).toBe(media + 1);
  });
});
