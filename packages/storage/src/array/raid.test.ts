import { RngStreams, Simulation } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import type { IoRequest } from "../io.js";
import type { IoSink } from "../iostack/target.js";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { raidRandomIops } from "./raid.checks.js";
import { RaidGroup, type RaidLevel } from "./raid.js";
import { raid5Write } from "./raid5-write.test-support.js";
import { RecordingMember } from "./recording-member.test-support.js";

function group(level: RaidLevel, n: number, chunk = 16, memberCap = 100_000) {
  const sim = new Simulation();
  const members = Array.from({ length: n }, (_, i) => new RecordingMember(sim, memberCap, String(i)));
  const raid = new RaidGroup(sim, members, { level, chunkSectors: chunk });
  return { sim, members, raid };
}

function one(level: RaidLevel, n: number, lba: number, sectors: number, isRead: boolean) {
  const g = group(level, n);
  let done = 0;
  g.raid.submit({ id: 1, vm: 0, lba, sectors, isRead, issueTime: 0 }, { complete: () => done++ });
  g.sim.run();
  const all = g.members.flatMap((m) => m.log);
  return { done, reads: all.filter((x) => x.isRead), writes: all.filter((x) => !x.isRead), g };
}

describe("RAID mapping", () => {
  it("capacity per level", () => {
    expect(group(0, 4).raid.capacitySectors).toBe(4 * 100_000);
    expect(group(1, 2).raid.capacitySectors).toBe(100_000);
    expect(group(5, 5).raid.capacitySectors).toBe(4 * 100_000);
    expect(group(10, 4).raid.capacitySectors).toBe(2 * 100_000);
  });

  it("RAID-5 small write = read old data + old parity, write new data + new parity", () => {
    const r = one(5, 5, 3, 4, false);
    expect(r.done).toBe(1);
    expect(r.reads.length).toBe(2);
    expect(r.writes.length).toBe(2);
    // Stripe 0: parity on the last member, data chunk 0 on member 0; the writes go out only once
    // both reads are back (members answer after 1 µs), to the places just read.
    const at = (m: number) => r.g.members[m].log.map((x, i) => ({ ...x, t: r.g.members[m].times[i] }));
    for (const m of [0, 4]) {
      expect(at(m)).toEqual([
        { lba: 3, sectors: 4, isRead: true, t: 0 },
        { lba: 3, sectors: 4, isRead: false, t: 1000 },
      ]);
    }
  });

  it("RAID-5 full-stripe write needs no reads", () => {
    const r = one(5, 5, 0, 4 * 16, false);
    expect(r.reads.length).toBe(0);
    expect(r.writes.length).toBe(5);
  });

  it("RAID-5 partial-stripe writes take the way with fewer member reads: 1 chunk of 7 read-modify-writes, 6 of 7 reconstruct", () => {
    // 8 members, 128-sector chunks: stripe 0 has parity on member 7, data chunk k on member k.
    const one = raid5Write(8, 128, 0, 128);
    expect([one.reads, one.writes]).toEqual([2, 2]);
    expect(one.ios[0]).toEqual([
      [0, 128, true, 0],
      [0, 128, false, 1000],
    ]);
    expect(one.ios[7]).toEqual(one.ios[0]);
    // Six chunks of seven: reconstruct-write reads only the seventh chunk, then writes six chunks and the parity.
    const six = raid5Write(8, 128, 0, 6 * 128);
    expect([six.reads, six.writes]).toEqual([1, 7]);
    expect(six.ios[6]).toEqual([[0, 128, true, 0]]);
    for (const m of [0, 1, 2, 3, 4, 5, 7]) expect(six.ios[m]).toEqual([[0, 128, false, 1000]]);
    // The same six chunks in stripe 1 (parity on member 6, chunk k on member (7 + k) % 8): the unwritten chunk is on member 5.
    const next = raid5Write(8, 128, 7 * 128, 6 * 128);
    expect(next.ios[5]).toEqual([[128, 128, true, 0]]);
    expect(next.ios[6]).toEqual([[128, 128, false, 1000]]);
  });

  it("RAID-5 reconstruct-write of partly written chunks reads exactly the rows of the parity it rewrites that the write does not replace", () => {
    // Stripe offsets [64, 800) on 8 members with 128-sector chunks: chunk 0 from 64, chunks 1–5 whole, chunk 6 up to 32.
    // Read-modify-write would read 7 chunks and the parity; reconstruct-write reads chunk 0's first 64 sectors and chunk 6's last 96.
    const w = raid5Write(8, 128, 64, 800 - 64);
    expect([w.reads, w.writes]).toEqual([2, 8]);
    expect(w.ios[0]).toEqual([
      [0, 64, true, 0],
      [64, 64, false, 1000],
    ]);
    expect(w.ios[6]).toEqual([
      [32, 96, true, 0],
      [0, 32, false, 1000],
    ]);
    for (const m of [1, 2, 3, 4, 5]) expect(w.ios[m]).toEqual([[0, 128, false, 1000]]);
    // New parity for the whole chunk's rows, computed from new and read data.
    expect(w.ios[7]).toEqual([[0, 128, false, 1000]]);
    // Within one chunk on 3 members: the other data chunk's same rows (1 read) instead of old data and parity (2).
    const small = raid5Write(3, 128, 10, 40);
    expect([small.reads, small.writes]).toEqual([1, 2]);
    expect(small.ios[1]).toEqual([[10, 40, true, 0]]);
    expect(small.ios[0]).toEqual([[10, 40, false, 1000]]);
    expect(small.ios[2]).toEqual([[10, 40, false, 1000]]);
    // A tie (4 members, part of one chunk: 2 reads either way) stays a read-modify-write.
    const tie = raid5Write(4, 128, 10, 40);
    expect([tie.reads, tie.writes]).toEqual([2, 2]);
    expect(tie.ios[1]).toEqual([]);
    expect(tie.ios[0]).toEqual([
      [10, 40, true, 0],
      [10, 40, false, 1000],
    ]);
  });

  it("RAID-5 writes to one stripe go one at a time (a stripe lock): the next one's reads wait for the last one's writes; reads do not wait", () => {
    // 5 members, 16-sector chunks: stripe 0 has parity on member 4, chunk k on member k; stripe 1 parity on member 3.
    const g = group(5, 5, 16);
    const done: number[] = [];
    const submit = (id: number, lba: number, sectors: number, isRead: boolean) =>
      g.raid.submit({ id, vm: 0, lba, sectors, isRead, issueTime: 0 }, { complete: () => done.push(id) });
    submit(1, 0, 4, false); // chunk 0 rows [0, 4): read-modify-write of data on member 0 and parity on member 4
    submit(2, 16, 4, false); // chunk 1, the same parity rows: it would read the parity before write 1 rewrote it
    submit(3, 32, 4, true); // a read of the stripe: no wait
    submit(4, 0, 64, false); // the whole stripe: after write 2
    submit(5, 60, 8, false); // stripe 0's last 4 sectors (after write 4) and stripe 1's first 4 (at once)
    g.sim.run();
    const at = (m: number) => g.members[m].log.map((x, i) => [x.lba, x.sectors, x.isRead, g.members[m].times[i]]);
    expect(at(4)).toEqual(
      [
        [0, 4, true, 0],
        [0, 4, false, 1000],
        [0, 4, true, 2000],
        [0, 4, false, 3000],
        [0, 16, false, 4000],
        [12, 4, true, 5000],
        [12, 4, false, 6000],
        [16, 4, true, 0], // write 5 in stripe 1 (its chunk 0): no write there before it
        [16, 4, false, 1000],
      ].sort((a, b) => (a[3] as number) - (b[3] as number)),
    );
    expect(at(2)).toEqual([
      [0, 4, true, 0],
      [0, 16, false, 4000],
    ]);
    expect(done).toEqual([3, 1, 2, 4, 5]);
    expect((g.raid as unknown as { pool: { inUse: number } }).pool.inUse).toBe(0);
  });
  it("RAID-5: a write arriving while the stripe's waiting write runs waits for it too (the stripe stays held from one write to the next)", () => {
    // Stripe 0 of 5 members with 16-sector chunks: parity on member 4. Each write is a read-modify-write: 2 µs.
    const g = group(5, 5, 16);
    const done: number[] = [];
    const submit = (id: number, lba: number) =>
      g.raid.submit({ id, vm: 0, lba, sectors: 4, isRead: false, issueTime: 0 }, { complete: () => done.push(id) });
    submit(1, 0);
    submit(2, 16); // waits for write 1: runs from 2 µs to 4 µs
    g.sim.run({ until: 2500 });
    submit(3, 32); // write 2 holds the stripe now: write 3 reads the parity only once write 2 has rewritten it
    g.sim.run();
    expect(g.members[4].times).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(done).toEqual([1, 2, 3]);
  });

  it("property: a RAID-5 write reads, per stripe, exactly what the way with fewer member reads needs, and writes only after its reads", () => {
    /** Contiguous runs in a set of member sectors keyed `member:sector`: the member IOs reading it takes. */
    const runs = (keys: Set<string>) => [...keys].filter((k) => !keys.has(`${k.split(":")[0]}:${Number(k.split(":")[1]) - 1}`)).length;
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 600 }),
        (n, chunk, lba, sectors) => {
          const g = group(5, n, chunk, 10_000);
          const l = Math.min(lba, g.raid.capacitySectors - sectors);
          g.raid.submit({ id: 1, vm: 0, lba: l, sectors, isRead: false, issueTime: 0 }, { complete: () => {} });
          g.sim.run();
          const stripeData = chunk * (n - 1);
          // The reference, written out plainly per stripe and sector.
          const want = new Set<string>();
          const partial = new Set<number>();
          let wantReads = 0;
          for (let stripe = Math.floor(l / stripeData); stripe * stripeData < l + sectors; stripe++) {
            const parity = n - 1 - (stripe % n);
            const written = (k: number, row: number) => {
              const s = stripe * stripeData + k * chunk + row;
              return s >= l && s < l + sectors;
            };
            const rows = Array.from({ length: chunk }, (_, row) => Array.from({ length: n - 1 }, (_, k) => written(k, row)));
            if (rows.every((r) => r.every(Boolean))) continue; // full stripe: no reads
            partial.add(stripe);
            // The rows whose parity changes: those with a sector written in some chunk (not the hull of them: a
            // write of the end of one chunk and the start of the next leaves the rows between them alone).
            const touched = rows.map((r) => r.some(Boolean));
            const rmw = new Set<string>();
            const rcw = new Set<string>();
            for (let row = 0; row < chunk; row++) {
              if (!touched[row]) continue;
              rmw.add(`${parity}:${stripe * chunk + row}`);
              for (let k = 0; k < n - 1; k++) {
                const key = `${(parity + 1 + k) % n}:${stripe * chunk + row}`;
                if (written(k, row)) rmw.add(key);
                else rcw.add(key);
              }
            }
            // Read-modify-write reads the old data of every chunk with a written sector, all of its written rows.
            for (const x of [...rmw]) {
              const [m, s] = x.split(":").map(Number);
              if (m !== parity && ![...Array(n - 1).keys()].some((k) => (parity + 1 + k) % n === m && written(k, s - stripe * chunk)))
                rmw.delete(x);
            }
            const way = runs(rcw) < runs(rmw) ? rcw : rmw;
            wantReads += runs(way);
            for (const x of way) want.add(x);
          }
          const read = new Set<string>();
          let reads = 0;
          let lastRead = -1;
          let firstWrite = Number.POSITIVE_INFINITY;
          g.members.forEach((m, i) => {
            m.log.forEach((x, j) => {
              if (!x.isRead) return;
              reads++;
              lastRead = Math.max(lastRead, m.times[j]);
              for (let s = x.lba; s < x.lba + x.sectors; s++) read.add(`${i}:${s}`);
            });
          });
          expect([...read].sort()).toEqual([...want].sort());
          expect(reads).toBe(wantReads);
          // Member sector s is in stripe s / chunk: a partial stripe's writes go out after its reads.
          for (const m of g.members)
            m.log.forEach((x, j) => {
              if (!x.isRead && partial.has(Math.floor(x.lba / chunk))) firstWrite = Math.min(firstWrite, m.times[j]);
            });
          if (partial.size > 0) expect(firstWrite).toBeGreaterThan(lastRead);
          expect((g.raid as unknown as { pool: { inUse: number } }).pool.inUse).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });

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

  it("property: reads touch exactly the requested sectors, each parent completes once, members stay in range", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RaidLevel>(0, 1, 5, 10),
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer({ min: 1, max: 600 }),
        fc.boolean(),
        (level, lba, sectors, isRead) => {
          const n = level === 1 ? 2 : 4;
          const g = group(level, n);
          const l = Math.min(lba, g.raid.capacitySectors - sectors);
          let done = 0;
          g.raid.submit({ id: 1, vm: 0, lba: l, sectors, isRead, issueTime: 0 }, { complete: () => done++ });
          g.sim.run();
          expect(done).toBe(1);
          const all = g.members.flatMap((m) => m.log);
          if (isRead) expect(all.reduce((s, x) => s + x.sectors, 0)).toBe(sectors);
          else {
            const written = all.filter((x) => !x.isRead).reduce((s, x) => s + x.sectors, 0);
            expect(written).toBeGreaterThanOrEqual(level === 0 ? sectors : 2 * Math.min(sectors, 1));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: a RAID-5 read inside one chunk is one IO on the left-symmetric data member, and the group's pool drains", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 8 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 1, max: 16 }),
        (n, lba, sectors) => {
          const chunk = 16;
          const g = group(5, n, chunk);
          const l = Math.min(lba, g.raid.capacitySectors - sectors);
          let done = 0;
          g.raid.submit({ id: 1, vm: 0, lba: l, sectors, isRead: true, issueTime: 0 }, { complete: () => done++ });
          g.sim.run();
          expect(done).toBe(1);
          // The mapping written out plainly: stripe row, data chunk k in it, parity member rotating down from the last.
          const stripe = Math.floor(l / (chunk * (n - 1)));
          const k = Math.floor((l - stripe * chunk * (n - 1)) / chunk);
          const o = l - stripe * chunk * (n - 1) - k * chunk;
          const pieces = o + sectors <= chunk ? 1 : 2;
          const logs = g.members.map((m) => m.log);
          expect(logs.flat().length).toBe(pieces);
          const parity = n - 1 - (stripe % n);
          expect(logs[(parity + 1 + k) % n][0]).toEqual({ lba: stripe * chunk + o, sectors: Math.min(sectors, chunk - o), isRead: true });
          expect((g.raid as unknown as { pool: { inUse: number } }).pool.inUse).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: every level puts each sector where the plain layout says (reads one copy, writes every copy and the RAID-5 parity)", () => {
    /** Where logical sector `s` lives, written out plainly: [member, member sector] per copy. */
    const layout = (level: RaidLevel, n: number, chunk: number, s: number): [number, number][] => {
      const c = Math.floor(s / chunk);
      const off = s % chunk;
      if (level === 0) return [[c % n, Math.floor(c / n) * chunk + off]];
      if (level === 1) return Array.from({ length: n }, (_, m): [number, number] => [m, s]);
      if (level === 10) {
        const pair = c % (n / 2);
        const row = Math.floor(c / (n / 2));
        return [
          [2 * pair, row * chunk + off],
          [2 * pair + 1, row * chunk + off],
        ];
      }
      const stripe = Math.floor(c / (n - 1));
      return [[(n - 1 - (stripe % n) + 1 + (c % (n - 1))) % n, stripe * chunk + off]];
    };
    const parityOf = (n: number, chunk: number, s: number): string => {
      const stripe = Math.floor(Math.floor(s / chunk) / (n - 1));
      return `${n - 1 - (stripe % n)}:${stripe * chunk + (s % chunk)}`;
    };
    fc.assert(
      fc.property(
        fc.constantFrom<RaidLevel>(0, 1, 5, 10),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        (level, half, chunk, lba, sectors, isRead) => {
          const n = level === 10 ? 2 * Math.max(2, half) : level === 5 ? 2 + half : level === 1 ? 1 + half : half;
          const sim = new Simulation();
          const members = Array.from({ length: n }, (_, i) => new RecordingMember(sim, 10_000, String(i)));
          const raid = new RaidGroup(sim, members, { level, chunkSectors: chunk });
          const l = Math.min(lba, raid.capacitySectors - sectors);
          raid.submit({ id: 1, vm: 0, lba: l, sectors, isRead, issueTime: 0 }, { complete: () => {} });
          sim.run();
          const read = new Map<string, number>();
          const written = new Set<string>();
          members.forEach((m, i) => {
            for (const x of m.log)
              for (let s = x.lba; s < x.lba + x.sectors; s++) {
                const k = `${i}:${s}`;
                if (x.isRead) read.set(k, (read.get(k) ?? 0) + 1);
                else written.add(k);
              }
          });
          const copies = Array.from({ length: sectors }, (_, i) => layout(level, n, chunk, l + i).map(([m, s]) => `${m}:${s}`));
          if (isRead) {
            expect(written.size).toBe(0);
            // Each sector read once, from one of its copies.
            expect([...read.values()].every((v) => v === 1)).toBe(true);
            expect(read.size).toBe(sectors);
            for (const c of copies) expect(c.filter((k) => read.has(k)).length).toBe(1);
            return;
          }
          const data = new Set(copies.flat());
          for (const k of data) expect(written.has(k)).toBe(true);
          if (level !== 5) expect(written.size).toBe(data.size);
          else {
            const parity = new Set(Array.from({ length: sectors }, (_, i) => parityOf(n, chunk, l + i)));
            for (const k of parity) expect(written.has(k)).toBe(true);
            // Beyond the data only parity is written; each sector is read at most once (what is read is checked exactly above).
            for (const k of written)
              if (!data.has(k)) expect(Number(k.split(":")[0])).toBe(n - 1 - (Math.floor(Number(k.split(":")[1]) / chunk) % n));
            expect([...read.values()].every((v) => v === 1)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("rejects too few members", () => {
    const sim = new Simulation();
    expect(
      () => new RaidGroup(sim, [new RecordingMember(sim, 10, "a"), new RecordingMember(sim, 10, "b")], { level: 5, chunkSectors: 8 }),
    ).toThrow(/RAID-5 needs at least 3/);
  });

  it("names what a RAID-10 of 1 member, or a chunk larger than a member, breaks", () => {
    const sim = new Simulation();
    let made = 0;
    const members = (n: number) => Array.from({ length: n }, () => new RecordingMember(sim, 1000, `m${made++}`));
    // md's near-2 layout takes any number of members from 2 (raid10.test.ts); 1 holds no second copy.
    expect(() => new RaidGroup(sim, members(1), { level: 10, chunkSectors: 8 })).toThrow(/RAID-10 needs at least 2 members, got 1/);
    // A chunk past the members left a group of 0 sectors.
    for (const level of [0, 5, 10] as const)
      expect(() => new RaidGroup(sim, members(4), { level, chunkSectors: 1024 })).toThrow(
        /raid: chunk \(1024 sectors\) must fit the smallest member \(1000 sectors\)/,
      );
    expect(new RaidGroup(sim, members(4), { level: 5, chunkSectors: 1000 }).capacitySectors).toBe(3000);
    // A fraction of a sector (or none) is refused naming the option: it was "chunk must be >= 1 sector, got 1.5".
    for (const chunkSectors of [1.5, 0, Number.NaN])
      expect(() => new RaidGroup(sim, members(4), { level: 0, chunkSectors })).toThrow(
        /^raid: chunkSectors must be a whole number of sectors >= 1, got /,
      );
    expect(new RaidGroup(sim, members(2), { level: 1, chunkSectors: 1024 }).capacitySectors).toBe(1000); // a mirror does not stripe
  });

  it('rejects a level it does not model (6, or "5" read from a config file built a RAID-10)', () => {
    for (const level of [6, "5", 2, undefined]) {
      const sim = new Simulation();
      const members = ["a", "b", "c", "d"].map((n) => new RecordingMember(sim, 1000, n));
      expect(() => new RaidGroup(sim, members, { level: level as unknown as RaidLevel, chunkSectors: 8 })).toThrow(
        /raid: level must be 0, 1, 5 or 10/,
      );
    }
  });
});

describe("RAID-5 small-write penalty on Cheetah 15K.5 members", () => {
  const writeIops = (level: RaidLevel) => raidRandomIops(level);

  it("random 4 KiB writes: RAID-5 does 4 member IOs per write and gets well under RAID-0's rate on the same disks", () => {
    const r0 = writeIops(0);
    const r5 = writeIops(5);
    expect(r5.raid.memberReads / r5.raid.memberWrites).toBeCloseTo(1, 1);
    expect((r5.raid.memberReads + r5.raid.memberWrites) / r5.iops / 2.2).toBeGreaterThan(1.5);
    // 4 IOs instead of 1, and the write of each pair waits a revolution after its read.
    expect(r0.iops / r5.iops).toBeGreaterThan(3);
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

describe("RAID group snapshots over disks with their write cache on", () => {
  it("a save refused for data in the members' write caches reports every member's dirty sectors, not the first's", () => {
    const sim = new Simulation();
    const disks = [0, 1].map((i) => new Hdd(sim, CHEETAH_15K5, `m${i}`, { writeCache: true }));
    const raid = new RaidGroup(sim, disks, { level: 1, chunkSectors: 128 });
    let done = 0;
    const w = (id: number, lba: number, sectors: number) =>
      raid.submit({ id, vm: 0, lba, sectors, isRead: false, issueTime: sim.now }, { complete: () => done++ });
    w(0, 400_000_000, 64);
    w(1, 200_000_000, 32);
    while (done < 2) sim.run({ until: sim.now + 10_000 });
    const dirty = disks.map((d) => d.dirtySectors);
    expect(dirty).toEqual([96, 96]);
    let err: unknown;
    try {
      raid.save();
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ inFlight: 0, dirtySectors: 192 });
    expect(String(err)).toMatch(/raid group: its write cache holds 192 sectors not yet on the media/);
    // Written back, it saves.
    sim.run();
    expect(raid.save().members).toHaveLength(2);
  });
});

describe("RAID group saved state", () => {
  const disks = (sim: Simulation, tag: string) => [0, 1, 2, 3].map((i) => new Hdd(sim, CHEETAH_15K5, `${tag}${i}`));
  function used(chunk: number) {
    const sim = new Simulation();
    const raid = new RaidGroup(sim, disks(sim, "a"), { level: 5, chunkSectors: chunk });
    for (let id = 0; id < 8; id++)
      raid.submit({ id, vm: 0, lba: id * 1000, sectors: 8, isRead: id % 2 === 0, issueTime: 0 }, { complete: () => {} });
    sim.run();
    return JSON.parse(JSON.stringify(raid.save()));
  }

  it("records the chunk size and refuses a state from a group with another, naming both and changing nothing", () => {
    const saved = used(128);
    expect(saved.chunkSectors).toBe(128);
    const sim = new Simulation();
    const other = new RaidGroup(sim, disks(sim, "b"), { level: 5, chunkSectors: 64 });
    const before = JSON.stringify(other.save());
    let err: unknown;
    try {
      other.restore(saved);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(String(err)).toMatch(/128-sector chunks, this one has 64-sector chunks/);
    expect(JSON.stringify(other.save())).toBe(before);
    // The same chunk size restores it.
    const same = new RaidGroup(sim, disks(sim, "c"), { level: 5, chunkSectors: 128 });
    same.restore(saved);
    expect(JSON.parse(JSON.stringify(same.save()))).toEqual(saved);
  });

  it("a RAID-1 state restores into a mirror of any chunk size: a mirror maps every LBA to the same sector of each copy", () => {
    const sim = new Simulation();
    const a = new RaidGroup(sim, disks(sim, "m"), { level: 1, chunkSectors: 128 });
    for (let id = 0; id < 4; id++) a.submit({ id, vm: 0, lba: id * 1000, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    sim.run();
    const saved = JSON.parse(JSON.stringify(a.save()));
    const b = new RaidGroup(sim, disks(sim, "n"), { level: 1, chunkSectors: 64 });
    b.restore(saved);
    expect(b.memberReads).toBe(4);
    expect(b.save().readBalance).toEqual(saved.readBalance);
  });

  it("a state saved before the chunk size was recorded still restores (unchecked, as before)", () => {
    const { chunkSectors: _, ...old } = used(128);
    const sim = new Simulation();
    const g = new RaidGroup(sim, disks(sim, "d"), { level: 5, chunkSectors: 128 });
    g.restore(old);
    expect(g.memberReads).toBe(old.memberReads);
    expect(g.save().chunkSectors).toBe(128);
  });
});
