import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { group, one } from "./raid-group.test-support.js";
import { raid5Write } from "./raid5-write.test-support.js";

describe("RAID-5 writes: the method, its member IOs and the stripe lock", () => {
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
});
