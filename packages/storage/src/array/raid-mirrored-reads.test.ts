import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import type { IoRequest } from "../io.js";
import type { IoSink } from "../iostack/target.js";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { RaidGroup, type RaidLevel } from "./raid.js";
import { group, one } from "./raid-group.test-support.js";

describe("mirrored reads (md's read_balance) and where they go next", () => {
  it("mirrors write every copy and read one", () => {
    expect(one(1, 2, 10, 8, false).writes.length).toBe(2);
    expect(one(1, 2, 10, 8, true).reads.length).toBe(1);
    expect(one(10, 4, 0, 8, false).writes.length).toBe(2);
    expect(one(10, 4, 10, 8, false).writes.length).toBe(4); // crosses a chunk: two pieces, two copies each
  });

  /** Submits reads [lba, +8) to `g` at the current time; returns the member each went to. */
  const readsTo = (g: ReturnType<typeof group>, lbas: number[]) => {
    const before = g.members.map((m) => m.log.length);
    for (const lba of lbas) g.raid.submit({ id: lba, vm: 0, lba, sectors: 8, isRead: true, issueTime: g.sim.now }, { complete: () => {} });
    return g.members.flatMap((m, i) => m.log.slice(before[i]).map((x) => [x.lba, i] as const)).sort((a, b) => a[0] - b[0]);
  };

  it("RAID-1 reads as md's read_balance: a sequential read stays on its copy, else an idle copy, else the nearest head", () => {
    const g = group(1, 2);
    // Stream A at 0 (copy 0 is idle: its head is at 0, and so is the first read) keeps copy 0 though it is the
    // busier one; stream B finds copy 1 idle and keeps it.
    expect(readsTo(g, [0, 8, 16, 1000, 1008])).toEqual([
      [0, 0],
      [8, 0],
      [16, 0],
      [1000, 1],
      [1008, 1],
    ]);
    g.sim.run();
    // Heads (after each copy's last completed IO): copy 0 at 24, copy 1 at 1016. Both busy with reads
    // far away (each to an idle copy), the next reads go to the nearest head, not the less busy copy.
    expect(readsTo(g, [60_000, 90_000, 10_000, 900, 30])).toEqual([
      [30, 0],
      [900, 1],
      [10_000, 1],
      [60_000, 0],
      [90_000, 1],
    ]);
    g.sim.run();
    // Writes move the heads of both copies (md updates the head on every completion).
    g.raid.submit({ id: 9, vm: 0, lba: 50_000, sectors: 8, isRead: false, issueTime: g.sim.now }, { complete: () => {} });
    g.sim.run();
    expect(readsTo(g, [70_000, 80_000, 50_016])).toEqual([
      [50_016, 0],
      [70_000, 0],
      [80_000, 1],
    ]);
  });

  it("RAID-10 reads as md's raid10 read_balance: an idle copy, else the nearest head — no sequential rule", () => {
    const g = group(10, 4, 64);
    // Sectors 0, 8 and 16 are in chunk 0, on the first pair (members 0 and 1): 8 goes to the idle copy
    // (RAID-1 would keep it on member 0), 16 to the nearest head (both at 0: the lower member).
    expect(readsTo(g, [0, 8, 16])).toEqual([
      [0, 0],
      [8, 1],
      [16, 0],
    ]);
    g.sim.run();
    // Chunk 1 is on the second pair, its member sectors from 0 again.
    expect(readsTo(g, [64, 72])).toEqual([
      [0, 2],
      [8, 3],
    ]);
  });

  /**
   * A group of `level` over `n` members of which those in `solid` are non-rotational (as `Ssd` is), given reads
   * [lba, +8) all at time 0; returns each member's read LBAs in order.
   */
  const readsOverSolid = (level: RaidLevel, n: number, chunk: number, solid: number[], lbas: number[]) => {
    const g = group(level, n, chunk);
    for (const m of solid) Object.defineProperty(g.members[m], "nonRotational", { value: true });
    const raid = new RaidGroup(g.sim, g.members, { level, chunkSectors: chunk });
    for (const lba of lbas) raid.submit({ id: lba, vm: 0, lba, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    return g.members.map((m) => m.log.map((x) => x.lba));
  };

  it("mirrored reads over non-rotational members go to the copy with the fewest IOs in flight", () => {
    expect(readsOverSolid(1, 3, 16, [0, 1, 2], [0, 5000, 100, 9000, 200, 300])).toEqual([
      [0, 9000],
      [5000, 200],
      [100, 300],
    ]);
  });

  it("RAID-1: a read starting at a copy's head is sequential on it too, though another copy is idle (md: dist == 0)", () => {
    const g = group(1, 2);
    readsTo(g, [0, 1000]); // copy 0 reads at 0, copy 1 (idle) at 1000
    g.sim.run();
    g.raid.submit({ id: 9, vm: 0, lba: 50_000, sectors: 8, isRead: false, issueTime: g.sim.now }, { complete: () => {} });
    g.sim.run();
    readsTo(g, [8]); // copy 0's head moves back to 16; copy 1's stays at 50_008 (next read there: 1008)
    g.sim.run();
    // Copy 1 is busy with its stream and copy 0 idle, yet the read at copy 1's head goes to copy 1.
    expect(readsTo(g, [1008, 50_008])).toEqual([
      [1008, 1],
      [50_008, 1],
    ]);
  });

  it("mirrored reads go by IOs in flight when any copy is non-rotational, not only the first", () => {
    // By the nearest head the read at 300 would go to copy 0 (both heads at 0, the lower member wins).
    expect(readsOverSolid(1, 2, 16, [1], [0, 100, 200, 300])).toEqual([
      [0, 200],
      [100, 300],
    ]);
  });

  it("RAID-10: a pair of an SSD and an HDD reads from the SSD however busy it is (raid10.c counts only non-rotational slots)", () => {
    // Member 1 (second copy of the first pair) and member 2 (first copy of the second pair) are SSDs. Chunks 0 and 1
    // in turn: first pair, second pair. By IOs in flight over every copy the HDD copies, idle, would take every other read.
    expect(readsOverSolid(10, 4, 64, [1, 2], [0, 8, 16, 64, 72, 80])).toEqual([[], [0, 8, 16], [0, 8, 16], []]);
  });

  it("RAID-10 over SSDs: a read goes to the copy with fewer IOs in flight, a tie to the chunk's first copy (md's strict comparison)", () => {
    // Two members, one chunk pair; four reads at time 0: idle tie → first copy, then the idle second, then tie again, ...
    expect(readsOverSolid(10, 2, 64, [0, 1], [0, 8, 16, 24])).toEqual([
      [0, 16],
      [8, 24],
    ]);
  });

  it("a group whose mirrored reads reached a member's last sector restores its own state", () => {
    const g = group(1, 2);
    for (const m of g.members) Object.assign(m, { save: () => ({}), restore: () => {} });
    readsTo(g, [100_000 - 8]);
    g.sim.run();
    const saved = g.raid.save();
    expect(saved.readBalance?.nextReadSectors).toEqual([100_000, 0]);
    expect(() => g.raid.restore(JSON.parse(JSON.stringify(saved)))).not.toThrow();
    expect(g.raid.save()).toEqual(saved);
  });

  it("save/restore keeps where mirrored reads go next; a state without it restores them as a new group's", () => {
    const make = () => {
      const g = group(1, 2);
      for (const m of g.members) Object.assign(m, { save: () => ({}), restore: () => {} });
      return g;
    };
    const a = make();
    readsTo(a, [0, 40_000]);
    a.sim.run();
    const saved = a.raid.save();
    expect(saved.readBalance).toEqual({ headSectors: [8, 40_008], nextReadSectors: [8, 40_008] });
    const b = make();
    b.raid.restore(JSON.parse(JSON.stringify(saved)));
    // Copy 1's head is at 40_008: a read there is sequential on it (a new group would send it to copy 0).
    expect(readsTo(b, [40_008])).toEqual([[40_008, 1]]);
    b.sim.run();
    const { readBalance: _, ...old } = saved;
    b.raid.restore(old);
    expect(b.raid.save().readBalance).toEqual({ headSectors: [0, 0], nextReadSectors: [0, 0] });
  });

  it("restore refuses read-balance positions past a member's end or not one per member, and changes nothing", () => {
    const g = group(1, 2);
    for (const m of g.members) Object.assign(m, { save: () => ({}), restore: () => {} });
    readsTo(g, [0]);
    g.sim.run();
    const saved = g.raid.save();
    const bad = (readBalance: unknown) => () => g.raid.restore({ ...saved, readBalance });
    expect(bad({ headSectors: [0, 100_001], nextReadSectors: [0, 0] })).toThrow(
      /readBalance\.headSectors\[1\] = 100001 is past the end of member 1 \(100000 sectors\)/,
    );
    expect(bad({ headSectors: [0, 0], nextReadSectors: [0] })).toThrow(
      /readBalance\.nextReadSectors has 1 entries, the group has 2 members/,
    );
    expect(bad({ headSectors: [0, -1], nextReadSectors: [0, 0] })).toThrow(/VMLAB_STORAGE_BAD_STATE|readBalance/);
    expect(g.raid.save()).toEqual(saved);
  });
});

describe("mirrored reads on Cheetah 15K.5 members (md's read_balance)", () => {
  it("two interleaved sequential 64 KiB read streams on a RAID-1 of two drives keep a drive each: both drives' sequential rate", () => {
    const sim = new Simulation();
    const disks = [0, 1].map((i) => new Hdd(sim, CHEETAH_15K5, `m${i}`));
    // Which stream each drive served: stream A reads [0, 20M), stream B [140M, 160M).
    const served = disks.map(() => new Set<string>());
    const members = disks.map((d, i) => ({
      capacitySectors: d.capacitySectors,
      submit: (req: IoRequest, sink: IoSink) => {
        served[i].add(req.lba < 100_000_000 ? "A" : "B");
        d.submit(req, sink);
      },
    }));
    const raid = new RaidGroup(sim, members, { level: 1, chunkSectors: 128 });
    const rng = new RngStreams(7);
    const streams = [0, 140_000_000].map((startSector, i) => {
      const w = new IometerWorkload({
        ioSizeBytes: 65536,
        readPercent: 100,
        randomPercent: 0,
        outstandingIos: 2,
        startSector,
        regionSectors: 20_000_000,
      });
      w.start({ sim, target: raid, rng: rng.get(`s${i}`), vm: 0 });
      return w;
    });
    runMeasured(sim, streams, 2e8, 2e9);
    const mbs = streams.reduce((a, w) => a + w.stats.mbPerSec(sim.now), 0);
    // Each drive streams at its outer-zone 125 MB/s (less command overhead); sending each read to the
    // copy with fewer in flight split both streams over both drives, a seek between streams at every IO: 38 MB/s.
    expect(mbs).toBeGreaterThan(230);
    expect(served.map((s) => [...s])).toEqual([["A"], ["B"]]);
  });
});
