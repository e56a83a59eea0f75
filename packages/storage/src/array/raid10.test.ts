import { Simulation } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultDestageSectors } from "./array-options.js";
import { RaidGroup } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";

/** A recording member with a saved form (an empty one), so a group over it saves and restores. */
class Recorder extends RecordingMember {
  save(): unknown {
    return {};
  }
  restore(): void {}
}

function raid10(n: number, chunk: number, memberCap: number) {
  const sim = new Simulation();
  const members = Array.from({ length: n }, (_, i) => new Recorder(sim, memberCap, String(i)));
  const raid = new RaidGroup(sim, members, { level: 10, chunkSectors: chunk });
  return { sim, members, raid };
}

/**
 * md's near-2 layout written out plainly: lay the members' chunk slots out row by row (row r, member m is
 * slot r·N + m) and give each chunk the next two slots. Returns logical sector → its two [member, sector].
 */
function nearTwoTable(n: number, chunk: number, rows: number): Map<number, [number, number][]> {
  const table = new Map<number, [number, number][]>();
  for (let r = 0; r < rows; r++)
    for (let m = 0; m < n; m++) {
      const slot = r * n + m;
      const c = Math.floor(slot / 2);
      if (2 * c + 1 >= rows * n) continue; // the last slot of an odd count holds no whole chunk
      for (let off = 0; off < chunk; off++) {
        const s = c * chunk + off;
        const copies = table.get(s) ?? [];
        copies.push([m, r * chunk + off]);
        table.set(s, copies);
      }
    }
  return table;
}

describe("RAID-10 as Linux md's near-2 layout over any N >= 2", () => {
  it("property: over N = 2, 3, 5 every written sector lands on two distinct members at md's sectors, and a read takes one of them", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 3, 5),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        (n, chunk, lba, sectors, isRead) => {
          const memberCap = 400;
          const rows = Math.floor(memberCap / chunk);
          const table = nearTwoTable(n, chunk, rows);
          const g = raid10(n, chunk, memberCap);
          expect(g.raid.capacitySectors).toBe(table.size);
          const len = Math.min(sectors, g.raid.capacitySectors);
          const l = Math.min(lba, g.raid.capacitySectors - len);
          let done = 0;
          g.raid.submit({ id: 1, vm: 0, lba: l, sectors: len, isRead, issueTime: 0 }, { complete: () => done++ });
          g.sim.run();
          expect(done).toBe(1);
          const touched = new Map<string, number>();
          g.members.forEach((m, i) => {
            for (const x of m.log) {
              expect(x.isRead).toBe(isRead);
              for (let s = x.lba; s < x.lba + x.sectors; s++) touched.set(`${i}:${s}`, (touched.get(`${i}:${s}`) ?? 0) + 1);
            }
          });
          expect([...touched.values()].every((v) => v === 1)).toBe(true);
          expect(touched.size).toBe(isRead ? len : 2 * len);
          for (let s = l; s < l + len; s++) {
            const copies = table.get(s) as [number, number][];
            expect(copies.length).toBe(2);
            expect(copies[0][0]).not.toBe(copies[1][0]);
            const hit = copies.filter(([m, ms]) => touched.has(`${m}:${ms}`)).length;
            expect(hit).toBe(isRead ? 1 : 2);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("capacity is md's: floor(N × member chunks / 2) chunks; the last chunk's copies fit and one sector past it is refused", () => {
    // 3 members of 3 chunks: 9 slots hold 4 chunks (the last slot, member 2 row 2, is unused).
    const g = raid10(3, 16, 48);
    expect(g.raid.capacitySectors).toBe(4 * 16);
    g.raid.submit({ id: 1, vm: 0, lba: 48, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    g.sim.run();
    // Chunk 3 is slots 6 and 7: members 0 and 1, row 2.
    expect(g.members.map((m) => m.log)).toEqual([[{ lba: 32, sectors: 16, isRead: false }], [{ lba: 32, sectors: 16, isRead: false }], []]);
    expect(() => g.raid.submit({ id: 2, vm: 0, lba: 64, sectors: 1, isRead: true, issueTime: 0 }, { complete: () => {} })).toThrow(
      /IO \[64, \+1\) is outside the group \(64 sectors\)/,
    );
    expect(raid10(5, 16, 1000).raid.capacitySectors).toBe(Math.floor((5 * 62) / 2) * 16);
    expect(raid10(2, 16, 1000).raid.capacitySectors).toBe(62 * 16); // a mirror of whole chunks
    expect(raid10(6, 16, 1000).raid.capacitySectors).toBe(3 * 62 * 16); // even N: N/2 members' worth, as before
  });

  it("a read and a write crossing a wrapped chunk use each copy's own member sector", () => {
    // N = 5, 16-sector chunks: chunk 2 is slots 4 and 5 — member 4 row 0 and member 0 row 1 (sectors 16..31);
    // chunk 3 is slots 6 and 7 — members 1 and 2, row 1.
    const g = raid10(5, 16, 1000);
    const io = (id: number, lba: number, sectors: number, isRead: boolean) =>
      g.raid.submit({ id, vm: 0, lba, sectors, isRead, issueTime: g.sim.now }, { complete: () => {} });
    io(1, 32, 8, true); // both copies idle: slot 0, member 4 (md's slot order, not the lower member)
    io(2, 36, 16, true); // member 4 is busy: chunk 2's part goes to member 0 at its own sector; chunk 3's to member 1
    g.sim.run();
    expect(g.members.map((m) => m.log.map((x) => [x.lba, x.sectors]))).toEqual([[[20, 12]], [[16, 4]], [], [], [[0, 8]]]);
    for (const m of g.members) m.log.length = 0;
    io(3, 36, 16, false);
    g.sim.run();
    expect(g.members.map((m) => m.log.map((x) => [x.lba, x.sectors]))).toEqual([[[20, 12]], [[16, 4]], [[16, 4]], [], [[4, 12]]]);
  });

  it("save/restore over an odd N keeps where the wrapped copies' reads go", () => {
    const a = raid10(5, 16, 1000);
    a.raid.submit({ id: 1, vm: 0, lba: 40, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    a.sim.run();
    const saved = a.raid.save();
    // The read went to member 4 at sector 8: its head is past it.
    expect(saved.readBalance?.headSectors).toEqual([0, 0, 0, 0, 16]);
    const b = raid10(5, 16, 1000);
    b.raid.restore(JSON.parse(JSON.stringify(saved)));
    expect(b.raid.save()).toEqual(saved);
    expect(() => raid10(3, 16, 1000).raid.restore(saved)).toThrow(/RAID-10 over 5 members, this is RAID-10 over 3/);
  });

  it("accepts 2 and odd member counts, refuses 1 naming the rule", () => {
    const sim = new Simulation();
    const members = (n: number) => Array.from({ length: n }, (_, i) => new Recorder(sim, 1000, `v${n}.${i}`));
    expect(() => new RaidGroup(sim, members(1), { level: 10, chunkSectors: 8 })).toThrow(/raid: RAID-10 needs at least 2 members, got 1/);
    for (const n of [2, 3, 5, 7])
      expect(new RaidGroup(sim, members(n), { level: 10, chunkSectors: 8 }).capacitySectors).toBe(Math.floor((n * 125) / 2) * 8);
  });

  it("an odd N's stripe is whole rows (two rows of N chunks), so destage windows stay whole rows", () => {
    const sim = new Simulation();
    const members = (n: number) => Array.from({ length: n }, (_, i) => new Recorder(sim, 10_000, `s${n}.${i}`));
    const odd = new RaidGroup(sim, members(3), { level: 10, chunkSectors: 7 });
    expect(odd.stripeSectors).toBe(21);
    expect(Number.isInteger(defaultDestageSectors(odd, 16))).toBe(true);
    expect(defaultDestageSectors(odd, 16) % 21).toBe(0);
    expect(new RaidGroup(sim, members(4), { level: 10, chunkSectors: 7 }).stripeSectors).toBe(14);
  });
});
