import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { raid5Write, readThenWrite } from "./raid5-write.test-support.js";

describe("RAID-5 partial-stripe writes over two or more chunks", () => {
  // 64 KiB chunks (128 sectors); stripe 0: parity on the last member, data chunk k on member k.
  const chunk = 128;

  it("read-modify-write of the end of one chunk and the start of the next reads and writes only the parity rows they change", () => {
    // Stripe offsets [120, 136): rows [120, 128) of chunk 0 and [0, 8) of chunk 1. 5 members: read-modify-write
    // (old data of 2 pieces, old parity of 2 row ranges: 4 reads) beats reconstruct-write (2 + 2 × 2 chunks missed: 6).
    const w = raid5Write(5, chunk, 120, 16);
    expect([w.reads, w.writes]).toEqual([4, 4]);
    expect(w.ios[0]).toEqual(readThenWrite(120, 8));
    expect(w.ios[1]).toEqual(readThenWrite(0, 8));
    // Parity rows [0, 8) and [120, 128): two member IOs each way, 16 sectors (not the 128 of the whole chunk).
    expect(w.ios[4]).toEqual([
      [0, 8, true, 0],
      [120, 8, true, 0],
      [0, 8, false, 1000],
      [120, 8, false, 1000],
    ]);
    for (const m of [2, 3]) expect(w.ios[m]).toEqual([]);
  });

  it("reconstruct-write of the same write reads only the unwritten data of the rows it changes", () => {
    // 3 members: reconstruct-write reads chunk 0's rows [0, 8) and chunk 1's rows [120, 128) (2 reads; read-modify-write 4).
    const w = raid5Write(3, chunk, 120, 16);
    expect([w.reads, w.writes]).toEqual([2, 4]);
    expect(w.ios[0]).toEqual(readThenWrite(0, 8, 120, 8));
    expect(w.ios[1]).toEqual(readThenWrite(120, 8, 0, 8));
    expect(w.ios[2]).toEqual([
      [0, 8, false, 1000],
      [120, 8, false, 1000],
    ]);
  });

  it("a two-chunk write whose rows touch or overlap changes one parity range, the rows of both", () => {
    // [100, 228): chunk 0 rows [100, 128), chunk 1 rows [0, 100) — they touch: parity rows [0, 128) in one IO.
    const touch = raid5Write(5, chunk, 100, 128);
    expect(touch.ios[4]).toEqual(readThenWrite(0, 128));
    // [100, 240): chunk 1 rows [0, 112) overlap chunk 0's [100, 128).
    const overlap = raid5Write(5, chunk, 100, 140);
    expect(overlap.ios[4]).toEqual(readThenWrite(0, 128));
    expect([overlap.reads, overlap.writes]).toEqual([3, 3]);
  });

  it("writes of whole rows of some chunks, of three chunks, of one whole chunk and of the full stripe change every row: one parity IO", () => {
    // Two whole chunks of a 7-data-chunk stripe (8 members): read-modify-write, old data of 2 chunks and the parity.
    const two = raid5Write(8, chunk, chunk, 2 * chunk);
    expect([two.reads, two.writes]).toEqual([3, 3]);
    expect(two.ios[7]).toEqual(readThenWrite(0, 128));
    for (const m of [1, 2]) expect(two.ios[m]).toEqual(readThenWrite(0, 128));
    // Three chunks, partly the first and last (5 members): the middle chunk covers every row. Read-modify-write:
    // 3 data + 1 parity = 4 reads; reconstruct-write: the missed chunk and both ends' unwritten rows = 3.
    const three = raid5Write(5, chunk, 120, 2 * chunk);
    expect([three.reads, three.writes]).toEqual([3, 4]);
    expect(three.ios[0]).toEqual(readThenWrite(0, 120, 120, 8));
    expect(three.ios[2]).toEqual(readThenWrite(120, 8, 0, 120));
    expect(three.ios[1]).toEqual([[0, 128, false, 1000]]);
    expect(three.ios[3]).toEqual([[0, 128, true, 0]]);
    expect(three.ios[4]).toEqual([[0, 128, false, 1000]]);
    // Exactly one whole chunk: its old data and the parity's whole chunk.
    const whole = raid5Write(5, chunk, chunk, chunk);
    expect([whole.reads, whole.writes]).toEqual([2, 2]);
    expect(whole.ios[4]).toEqual(readThenWrite(0, 128));
    const full = raid5Write(5, chunk, 0, 4 * chunk);
    expect([full.reads, full.writes]).toEqual([0, 5]);
    for (const m of [0, 1, 2, 3, 4]) expect(full.ios[m]).toEqual([[0, 128, false, 0]]);
  });

  it("property: a write inside one stripe touches the parity of exactly the rows it writes, and reconstruct-write never reads what it writes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 9 }), fc.integer({ min: 1, max: 24 }), fc.nat(), fc.nat(), (n, chunkSectors, a, b) => {
        const stripeData = chunkSectors * (n - 1);
        const off = a % stripeData;
        const len = 1 + (b % (stripeData - off));
        // Stripe 1 (parity on member n - 2, chunk k on member (n - 1 + k) % n), so member sectors start at one chunk.
        const w = raid5Write(n, chunkSectors, stripeData + off, len);
        const parity = n - 2;
        const base = chunkSectors;
        const written = (k: number, row: number) => k * chunkSectors + row >= off && k * chunkSectors + row < off + len;
        const memberOf = (k: number) => (parity + 1 + k) % n;
        const changed = new Set<number>();
        for (let row = 0; row < chunkSectors; row++) for (let k = 0; k < n - 1; k++) if (written(k, row)) changed.add(base + row);
        /** Member `m`'s sectors read or written, each once at most. */
        const sectors = (m: number, isRead: boolean) => {
          const out: number[] = [];
          for (const [lba, count, r] of w.ios[m]) if (r === isRead) for (let s = lba; s < lba + count; s++) out.push(s);
          expect(new Set(out).size).toBe(out.length);
          return new Set(out);
        };
        // Every parity sector written is a row some data sector written lies in, and every such row is written.
        expect([...sectors(parity, false)].sort((x, y) => x - y)).toEqual([...changed].sort((x, y) => x - y));
        const parityRead = sectors(parity, true);
        if (len === stripeData) expect(w.reads).toBe(0);
        else if (parityRead.size > 0) {
          // Read-modify-write: the old parity of those rows, the old data of the sectors written.
          expect([...parityRead].sort((x, y) => x - y)).toEqual([...changed].sort((x, y) => x - y));
          for (let k = 0; k < n - 1; k++) {
            const want = [...changed].filter((s) => written(k, s - base));
            expect([...sectors(memberOf(k), true)].sort((x, y) => x - y)).toEqual(want);
          }
        } else {
          // Reconstruct-write: in each data chunk, the rows changed that it does not write — never a sector written.
          for (let k = 0; k < n - 1; k++) {
            const want = [...changed].filter((s) => !written(k, s - base)).sort((x, y) => x - y);
            expect([...sectors(memberOf(k), true)].sort((x, y) => x - y)).toEqual(want);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
