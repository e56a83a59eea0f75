import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { type IometerSpec, measureHdd } from "./hdd.checks.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

const within = (ours: number, theirs: number, tol = 0.1) => Math.abs(ours - theirs) / theirs <= tol;

describe("Hdd tagged queue, zone crossings and where the head is left", () => {
  it("holds commands beyond its tagged queue depth: the drive reorders only what it has accepted", () => {
    const shallow = { ...CHEETAH_15K5, queueDepth: 4 };
    const spec: IometerSpec = { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 32 };
    const capped = measureHdd(spec, 3e9, 1, shallow);
    const qd4 = measureHdd({ ...spec, outstandingIos: 4 }, 3e9, 1, shallow);
    const deep = measureHdd(spec, 3e9);
    // With 4 tags, 32 outstanding IOs get QD 4's throughput (SPTF sees 4 commands), well below a 64-tag drive's.
    expect(within(capped.iops, qd4.iops)).toBe(true);
    expect(deep.iops).toBeGreaterThan(capped.iops * 1.3);
    expect(capped.hdd.accepted).toBeLessThanOrEqual(4);
    expect(capped.hdd.outstanding).toBe(32);
  });

  it("never has more commands inside than its queue depth, and serves held ones oldest first", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, { ...CHEETAH_15K5, queueDepth: 2 });
    const order: number[] = [];
    let most = 0;
    const sink = {
      complete: (r: { id: number }) => {
        order.push(r.id);
        most = Math.max(most, hdd.accepted);
      },
    };
    // Eight reads far apart (no cache hits): ids 0..7, all submitted at time 0.
    for (let i = 0; i < 8; i++) hdd.submit({ id: i, vm: 0, lba: ((i * 7) % 8) * 50_000_000, sectors: 8, isRead: true, issueTime: 0 }, sink);
    expect(hdd.accepted).toBe(2);
    sim.run();
    expect(order).toHaveLength(8);
    expect(most).toBeLessThanOrEqual(2);
    expect(hdd.outstanding).toBe(0);
    // Held commands enter in submission order, so each id completes no later than two places after its turn.
    for (const [place, id] of order.entries()) expect(place).toBeGreaterThanOrEqual(id - 1);
  });

  // Read-ahead off (prefetch disabled) leaves the read cache on: only no segments at all is the read cache disabled.
  it.each([
    ["on", CHEETAH_15K5.readAheadSectors],
    ["off", 0],
  ])(
    "keeps what it read in its cache segments (read-ahead %s): a re-read after reads elsewhere is a hit, a write over it is not",
    (_, readAheadSectors) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, readAheadSectors });
      const done = new Map<number, number>();
      const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
      const read = (id: number, lba: number, isRead = true) => {
        hdd.submit({ id, vm: 0, lba, sectors: 8, isRead, issueTime: sim.now }, sink);
        sim.run();
      };
      // Three media reads far apart: each starts a read-ahead in a segment of its own.
      read(0, 1_000_000);
      read(1, 200_000_000);
      read(2, 400_000_000);
      expect([hdd.mediaOps, hdd.cache.hits, hdd.cache.misses]).toEqual([3, 0, 3]);
      // The first two are still in their segments (16 of them): served from the buffer, no seek.
      let t = sim.now;
      read(3, 1_000_000);
      read(4, 200_000_000);
      expect([hdd.mediaOps, hdd.cache.hits]).toEqual([3, 2]);
      expect((done.get(3) as number) - t).toBeLessThan(CHEETAH_15K5.commandOverheadNs + 100_000);
      // A write over cached data drops it: the next read of it goes to the media.
      read(5, 1_000_000, false);
      const media = hdd.mediaOps;
      t = sim.now;
      read(6, 1_000_000);
      expect(hdd.mediaOps).toBe(media + 1);
      expect((done.get(6) as number) - t).toBeGreaterThan(1_000_000);
      // Also a write over the segment the read-ahead is filling (read 6's, still running when the write arrives).
      read(7, 1_000_000, false);
      read(8, 1_000_000);
      expect(hdd.mediaOps).toBe(media + 3);
    },
  );

  it("counts each read once in the drive cache's hits and misses, also when a queued read joins a stream", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const sink = { complete: () => {} };
    // Eight sequential 64 KiB reads queued at once: one goes to the media, the read-ahead serves the rest.
    for (let i = 0; i < 8; i++) hdd.submit({ id: i, vm: 0, lba: 1_000_000 + i * 128, sectors: 128, isRead: true, issueTime: 0 }, sink);
    sim.run();
    expect(hdd.mediaOps).toBe(1);
    expect([hdd.cache.hits, hdd.cache.misses]).toEqual([7, 1]);
  });

  it("an IO crossing zone boundaries transfers each zone's part at that zone's rate and leaves the head in the last one", () => {
    const run = (reqs: { lba: number; sectors: number }[]) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim);
      const done: number[] = [];
      for (const [id, r] of reqs.entries())
        hdd.submit({ id, vm: 0, ...r, isRead: true, issueTime: 0 }, { complete: () => done.push(sim.now) });
      sim.run();
      return { done, hdd };
    };
    const g = new Hdd(new Simulation()).geometry;
    // The outer half of the disk in one read: 12 zones from 125 down to ~99 MB/s.
    const sectors = g.zoneLba[12];
    let transfer = 0;
    for (let z = 0; z < 12; z++) transfer += (g.zoneLba[z + 1] - g.zoneLba[z]) * g.zoneSectorNs[z];
    const big = run([{ lba: 0, sectors }]);
    expect(big.done[0]).toBeGreaterThan(transfer);
    expect(big.done[0]).toBeLessThan(transfer + g.revolutionNs + CHEETAH_15K5.commandOverheadNs);
    const last = sectors - 1;
    expect(big.hdd.save().headCylinder).toBe(g.cylinderOf(last, g.zoneOf(last)));
    // A read across one zone boundary starts the read-ahead in the new zone: the next sequential read hits it.
    const across = run([
      { lba: g.zoneLba[1] - 64, sectors: 128 },
      { lba: g.zoneLba[1] + 64, sectors: 128 },
    ]);
    expect([across.hdd.mediaOps, across.hdd.cache.hits]).toEqual([1, 1]);
    // So does a read whose last sector is the new zone's first: the head is in the new zone, and reads ahead in it.
    const onto = run([
      { lba: g.zoneLba[1] - 7, sectors: 8 },
      { lba: g.zoneLba[1] + 1, sectors: 8 },
    ]);
    expect([onto.hdd.mediaOps, onto.hdd.cache.hits]).toEqual([1, 1]);
    expect(onto.hdd.save().headCylinder).toBe(g.zoneCyl[1]);
  });

  it("a read-ahead leaves the head on the cylinder of the last sector it read: a read on that cylinder needs no seek", () => {
    /**
     * A media read of 8 sectors at `first`, its read-ahead (1,024 sectors) read whole; then a read on `track` (a track's
     * first LBA) of a sector that comes under the head 0.1 ms after the command is processed: with the head on that
     * track's cylinder it is read with no seek (a one-cylinder seek, 0.2 ms, would miss it and wait a revolution).
     */
    const spt = new Hdd(new Simulation()).geometry.zoneSpt[0];
    const cyl = CHEETAH_15K5.heads * spt; // sectors per cylinder in the outer zone (7,816)
    const readAfterStream = (first: number, track: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim);
      const g = hdd.geometry;
      let done = -1;
      const read = (lba: number) =>
        hdd.submit({ id: 0, vm: 0, lba, sectors: 8, isRead: true, issueTime: sim.now }, { complete: () => (done = sim.now) });
      read(first);
      sim.run();
      sim.run({ until: sim.now + 100_000_000 }); // the head read the whole window and stopped at its end
      const t = sim.now;
      const overhead = CHEETAH_15K5.commandOverheadNs;
      read(track + Math.ceil((g.phaseOf(t + overhead + 100_000) / g.revolutionNs) * spt));
      sim.run();
      expect(hdd.cache.hits).toBe(0);
      return (done - t) / (overhead + 100_000 + 9 * g.zoneSectorNs[0] + 1);
    };
    // The window runs from the last sectors of cylinder 0 into cylinder 1: a read on cylinder 1's last track.
    expect(readAfterStream(cyl - 16, 2 * cyl - spt)).toBeLessThan(1);
    // The window ends exactly at cylinder 1's first sector: its last sector read, and the head, are on cylinder 0.
    expect(readAfterStream(cyl - 1024 - 8, 0)).toBeLessThan(1);
  });

  it("is deterministic: same seed, same numbers", () => {
    const spec: IometerSpec = { ioSizeBytes: 8192, readPercent: 70, randomPercent: 80, outstandingIos: 8 };
    const a = measureHdd(spec, 5e8, 7);
    const b = measureHdd(spec, 5e8, 7);
    expect(a.iops).toBe(b.iops);
    expect(a.latency.summary()).toEqual(b.latency.summary());
    const c = measureHdd(spec, 5e8, 8);
    expect(c.latency.summary()).not.toEqual(a.latency.summary());
  });
});
