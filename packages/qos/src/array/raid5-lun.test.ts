import { Simulation } from "@vmlab/core-vm";
import type { BlockTarget, IoRequest, IoSink } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { Raid5Lun } from "./raid5-lun.js";
import { FC_10K_DISK, SptfDisk } from "./sptf-disk.js";

function setup(cached: { startLba: number; sectors: number }[] = []) {
  const sim = new Simulation();
  const disks = Array.from({ length: 4 }, () => new SptfDisk(sim, FC_10K_DISK));
  const lun = new Raid5Lun(sim, disks, { stripeUnitSectors: 128, cachedRanges: cached, cacheHitMs: 0.5 });
  const done: { id: number; t: number }[] = [];
  const sink: IoSink = { complete: (r) => done.push({ id: r.id, t: sim.now }) };
  const req = (id: number, lba: number, isRead: boolean): IoRequest => ({ id, vm: 0, lba, sectors: 32, isRead, issueTime: 0 });
  return { sim, disks, lun, done, sink, req };
}

describe("RAID-5 LUN", () => {
  it("rotates parity right-symmetrically (row r on member r mod N) and never puts data on its row's parity member", () => {
    const { lun } = setup();
    const seen = new Set<string>();
    for (let unit = 0; unit < 24; unit++) {
      const at = lun.locate(unit * 128 + 5);
      expect(at.member).not.toBe(at.parityMember);
      expect(at.memberLba % 128).toBe(5);
      seen.add(`${at.member}:${at.memberLba}`);
    }
    expect(seen.size).toBe(24);
    expect(lun.locate(0).parityMember).toBe(0);
    expect(lun.locate(3 * 128).parityMember).toBe(1);
    // Symmetric: a row's data starts on the member after its parity and wraps (Linux md's right-symmetric, "rotating
    // parity 0 with data continuation"); asymmetric layouts restart it on member 0 and would put unit 3 there.
    expect([3, 4, 5].map((u) => lun.locate(u * 128).member)).toEqual([2, 3, 0]);
    expect([6, 7, 8].map((u) => lun.locate(u * 128).member)).toEqual([3, 0, 1]);
    expect(lun.capacitySectors).toBe(3 * Math.floor(FC_10K_DISK.capacitySectors / 128) * 128);
  });

  it("serves a read with one member IO and a small write with four (read-modify-write)", () => {
    const { sim, disks, lun, done, sink, req } = setup();
    lun.submit(req(1, 992, true), sink); // inside stripe unit 7
    sim.run();
    expect(disks.reduce((a, d) => a + d.completed, 0)).toBe(1);
    lun.submit(req(2, 5000, false), sink);
    sim.run();
    expect(disks.reduce((a, d) => a + d.completed, 0)).toBe(5);
    expect(done.map((d) => d.id)).toEqual([1, 2]);
  });

  it("writes new data and parity only once both old ones are read, and completes a small write only once both are written", () => {
    // Member IOs are recorded as they are sent and as they complete. A model that sent all four at once, or wrote
    // before both reads were back, or completed the write before both writes, passed the other tests.
    const { sim, disks, done, sink, req } = setup();
    const log: { member: number; isRead: boolean; sentNs: number; doneNs: number }[] = [];
    const members: BlockTarget[] = disks.map((d, member) => ({
      capacitySectors: d.capacitySectors,
      submit: (r: IoRequest, s: IoSink) => {
        const entry = { member, isRead: r.isRead, sentNs: sim.now, doneNs: -1 };
        log.push(entry);
        d.submit(r, {
          complete: (c) => {
            entry.doneNs = sim.now;
            s.complete(c);
          },
        });
      },
    }));
    const lun = new Raid5Lun(sim, members, { stripeUnitSectors: 128, cachedRanges: [], cacheHitMs: 0.5 });
    const at = lun.locate(5000);
    // The parity member is busy with a far read first, so its old parity arrives well after the old data.
    disks[at.parityMember].submit(req(1, FC_10K_DISK.capacitySectors - 64, true), { complete: () => {} });
    lun.submit(req(2, 5000, false), sink);
    sim.run();
    const reads = log.filter((e) => e.isRead);
    const writes = log.filter((e) => !e.isRead);
    expect([reads, writes].map((l) => l.map((e) => e.member).sort())).toEqual([
      [at.member, at.parityMember].sort(),
      [at.member, at.parityMember].sort(),
    ]);
    expect(reads.every((e) => e.sentNs === 0)).toBe(true);
    const readsDone = Math.max(...reads.map((e) => e.doneNs));
    expect(Math.min(...reads.map((e) => e.doneNs))).toBeLessThan(readsDone - 5_000_000);
    expect(writes.every((e) => e.sentNs === readsDone)).toBe(true);
    expect(done).toEqual([{ id: 2, t: Math.max(...writes.map((e) => e.doneNs)) }]);
  });

  it("completes cache-resident reads at the cache-hit latency without touching a disk", () => {
    const { sim, disks, lun, done, sink, req } = setup([{ startLba: 0, sectors: 4096 }]);
    lun.submit(req(7, 100, true), sink);
    sim.run();
    expect(done).toEqual([{ id: 7, t: 500_000 }]);
    expect(disks.every((d) => d.completed === 0)).toBe(true);
    expect(lun.cacheHits).toBe(1);
  });

  it("refuses an IO that crosses a stripe unit or the LUN's end instead of sending it whole to one member", () => {
    // A 96-sector read at LBA 96 went to unit 0's member as sectors 96-191 (half of them another unit's); one past the
    // end went to member LBAs past the disks' end.
    const { lun, sink, disks } = setup();
    const io = (lba: number, sectors: number): IoRequest => ({ id: 1, vm: 0, lba, sectors, isRead: true, issueTime: 0 });
    expect(() => lun.submit(io(96, 96), sink)).toThrow(/^io: an IO of 96 sectors at LBA 96 must lie inside one 128-sector stripe unit/);
    expect(() => lun.submit(io(lun.capacitySectors - 16, 32), sink)).toThrow(
      /^io: an IO of 32 sectors at LBA 860248304 must lie inside the LUN/,
    );
    expect(() => lun.submit(io(-32, 32), sink)).toThrow(/^io: /);
    expect(disks.reduce((n, d) => n + d.queued, 0)).toBe(0);
    expect(() => lun.submit(io(96, 32), sink)).not.toThrow();
    expect(() => lun.submit(io(lun.capacitySectors - 128, 128), sink)).not.toThrow();
  });

  it("refuses a stripe unit larger than its smallest member: the LUN had 0 sectors and refused every IO as past its end", () => {
    const sim = new Simulation();
    const disks = [100_000, 1000, 100_000].map(
      (capacitySectors) => new SptfDisk(sim, { ...FC_10K_DISK, capacitySectors, cylinders: 100, sectorsPerTrack: 10 }),
    );
    const options = { stripeUnitSectors: 1024, cachedRanges: [], cacheHitMs: 0.5 };
    expect(() => new Raid5Lun(sim, disks, options)).toThrow(
      /^array\.stripeUnitSectors: must be <= the smallest member disk's capacity \(1000 sectors\): a member must hold a whole stripe unit, got 1024/,
    );
    expect(new Raid5Lun(sim, disks, { ...options, stripeUnitSectors: 1000 }).capacitySectors).toBe(2000);
  });

  it("sends each read to the member locate() names and a small write to that member and its row's parity member, two IOs each", () => {
    // Rotating parity (the CX3-40's RAID-5 group, PARDA §5): over four rows every member holds parity once, so a
    // model that sent IOs elsewhere (parity fixed on one member: RAID-4; data on the parity member) shows here.
    const { sim, disks, sink, req } = setup();
    // Each member records the LBAs it is sent: the row's offset on the member, not the logical unit's.
    const sent: number[][] = disks.map(() => []);
    const members: BlockTarget[] = disks.map((d, i) => ({
      capacitySectors: d.capacitySectors,
      submit: (r: IoRequest, s: IoSink) => {
        sent[i].push(r.lba);
        d.submit(r, s);
      },
    }));
    const lun = new Raid5Lun(sim, members, { stripeUnitSectors: 128, cachedRanges: [], cacheHitMs: 0.5 });
    const counts = () => disks.map((d) => d.completed);
    const parities = new Set<number>();
    for (let unit = 0; unit < 12; unit++) {
      const lba = unit * 128 + 32;
      const at = lun.locate(lba);
      parities.add(at.parityMember);
      const before = counts();
      lun.submit(req(unit, lba, true), sink);
      sim.run();
      const read = counts().map((c, i) => c - before[i]);
      expect(read).toEqual(disks.map((_, i) => (i === at.member ? 1 : 0)));
      expect(sent[at.member].at(-1)).toBe(at.memberLba);
      const mid = counts();
      lun.submit(req(100 + unit, lba, false), sink);
      sim.run();
      const write = counts().map((c, i) => c - mid[i]);
      expect(write).toEqual(disks.map((_, i) => (i === at.member || i === at.parityMember ? 2 : 0)));
      expect([sent[at.member].slice(-2), sent[at.parityMember].slice(-2)]).toEqual([
        [at.memberLba, at.memberLba],
        [at.memberLba, at.memberLba],
      ]);
    }
    expect(parities.size).toBe(4);
  });

  it("sends a write in a cache-resident range to the disks (read cache only, no write-back cache)", () => {
    const { sim, disks, lun, done, sink, req } = setup([{ startLba: 0, sectors: 4096 }]);
    lun.submit(req(8, 160, false), sink);
    sim.run();
    expect(done.map((d) => d.id)).toEqual([8]);
    expect(disks.reduce((a, d) => a + d.completed, 0)).toBe(4);
    expect(lun.cacheHits).toBe(0);
  });

  it("serves from the cache only reads inside a cached range: the first sector past its end goes to a disk", () => {
    const { sim, disks, lun, done, sink, req } = setup([{ startLba: 0, sectors: 4096 }]);
    lun.submit(req(9, 4096, true), sink);
    sim.run();
    expect(done.map((d) => d.id)).toEqual([9]);
    expect(lun.cacheHits).toBe(0);
    expect(disks.reduce((a, d) => a + d.completed, 0)).toBe(1);
  });

  it("serves a read from the cache only if every one of its sectors is cached: one running past a range's end goes to a disk", () => {
    // Sectors 3990-4021 inside stripe unit 31; the cache holds 0-3999. Checking only the first LBA served all 32
    // sectors at the cache-hit latency, though 22 of them are on no cached range.
    const { sim, disks, lun, done, sink, req } = setup([{ startLba: 0, sectors: 4000 }]);
    lun.submit(req(10, 3990, true), sink);
    sim.run();
    expect(done.map((d) => d.id)).toEqual([10]);
    expect(done[0].t).toBeGreaterThan(500_000);
    expect(lun.cacheHits).toBe(0);
    expect(disks.reduce((a, d) => a + d.completed, 0)).toBe(1);
    // The same sectors split over two adjacent cached ranges are all cached: a hit.
    const two = setup([
      { startLba: 4000, sectors: 96 },
      { startLba: 0, sectors: 4000 },
    ]);
    two.lun.submit(two.req(11, 3990, true), two.sink);
    two.sim.run();
    expect(two.done).toEqual([{ id: 11, t: 500_000 }]);
    expect(two.lun.cacheHits).toBe(1);
    // Partly cached and crossing a stripe unit: the disks serve it, so it is refused as any uncached IO would be.
    const io = { id: 12, vm: 0, lba: 3990, sectors: 128, isRead: true, issueTime: 0 };
    expect(() => lun.submit(io, sink)).toThrow(/^io: an IO of 128 sectors at LBA 3990 must lie inside one 128-sector stripe unit/);
  });
});
