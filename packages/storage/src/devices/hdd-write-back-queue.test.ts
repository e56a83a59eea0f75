import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { completions, io } from "./hdd-write-cache.test-support.js";

describe("Hdd with its write cache on: the write-back queue, rewrites and room in the buffer", () => {
  it("a rewrite of data still queued in the buffer replaces it: no second copy, no second media write", () => {
    // A block rewritten at QD1 (a log's tail block, a superblock): with the write cache on the drive keeps
    // the newest data; it does not queue one write-back per version, each a revolution on the same sector.
    const rewrite = (lbaOf: (i: number) => number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
      let n = 0;
      let mostDirty = 0;
      const sink = {
        complete: () => {
          mostDirty = Math.max(mostDirty, hdd.dirtySectors);
          if (++n < 2000) hdd.submit(io(n, lbaOf(n), 8, false), sink);
        },
      };
      hdd.submit(io(0, lbaOf(0), 8, false), sink);
      sim.run();
      return { iops: n / (sim.now / 1e9), mostDirty, mediaOps: hdd.mediaOps, dirty: hdd.dirtySectors };
    };
    const one = rewrite(() => 1_000_000);
    expect(one.iops).toBeGreaterThan(12_000); // ~64 µs per write, as for new data; not a revolution (250/s)
    expect(one.mostDirty).toBe(16); // the copy being written to the media, and the newest one queued
    expect(one.mediaOps).toBeLessThan(200);
    expect(one.dirty).toBe(0);
    // A rewrite that also runs past the end of the newest write-back extends it by the new part only.
    const sliding = rewrite((i) => 1_000_000 + 4 * i);
    expect(sliding.iops).toBeGreaterThan(12_000);
    expect(sliding.mediaOps).toBeLessThan(200);
  });

  it("a rewrite of any queued write-back replaces its data, not only of the newest one", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const sink = { complete: () => {} };
    hdd.submit(io(0, 1_000_000, 8, false), sink); // its write-back goes to the media at once
    hdd.submit(io(1, 300_000_000, 8, false), sink); // queued
    hdd.submit(io(2, 100_000_000, 8, false), sink); // queued, the newest
    expect(hdd.dirtySectors).toBe(24);
    hdd.submit(io(3, 300_000_000, 8, false), sink); // a new version of write 1's data, still queued
    expect(hdd.dirtySectors).toBe(24);
    sim.run();
    expect([hdd.writesBuffered, hdd.mediaOps, hdd.dirtySectors]).toEqual([4, 3, 0]);
  });

  it("a write overlapping queued write-backs only in part adds only its new sectors: none held twice", () => {
    // Write 0's write-back goes to the media at once; the others stay queued behind it (far from the head).
    const X = 300_000_000;
    const start = (writeCacheSectors?: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, ...(writeCacheSectors ? { writeCacheSectors } : {}) });
      const done = new Map<number, number>();
      const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
      hdd.submit(io(0, 1_000_000, 8, false), sink);
      hdd.submit(io(1, X + 8, 8, false), sink); // queued, the newest: [X+8, X+16)
      return { sim, hdd, done, sink };
    };
    // Over the start of the newest write-back: [X+4, X+12) adds [X+4, X+8) only; [X+8, X+12) replaces data.
    const a = start();
    a.hdd.submit(io(2, X + 4, 8, false), a.sink);
    expect(a.hdd.dirtySectors).toBe(8 + 8 + 4);
    a.sim.run();
    expect([a.hdd.writesBuffered, a.hdd.mediaOps, a.hdd.dirtySectors]).toEqual([3, 3, 0]);
    // Room is reckoned the same way: a 20-sector buffer takes it at once (its new 4 sectors fit).
    const b = start(20);
    b.hdd.submit(io(2, X + 4, 8, false), b.sink);
    b.sim.run({ until: 200_000 });
    expect(b.done.get(2)).toBeLessThan(200_000);
    // Over the whole newest write-back and past both its ends: [X, X+24) adds 16 sectors, not 24; the part
    // past its end joins it, the part before it is one new write-back.
    const c = start();
    c.hdd.submit(io(2, X, 24, false), c.sink);
    expect(c.hdd.dirtySectors).toBe(8 + 8 + 16);
    c.sim.run();
    expect([c.hdd.mediaOps, c.hdd.dirtySectors]).toEqual([3, 0]);
    // Past the end of the newest write-back into an older queued one: only the sectors in neither are new.
    const d = start();
    d.hdd.submit(io(2, X + 24, 8, false), d.sink); // queued, now the newest: [X+24, X+32)
    d.hdd.submit(io(3, X + 12, 24, false), d.sink); // [X+12, X+36): new are [X+16, X+24) and [X+32, X+36)
    expect(d.hdd.dirtySectors).toBe(8 + 8 + 8 + 12);
    // Covered by two queued write-backs together: a rewrite, nothing new.
    d.hdd.submit(io(4, X + 10, 20, false), d.sink);
    expect(d.hdd.dirtySectors).toBe(8 + 8 + 8 + 12);
    d.sim.run();
    expect(d.hdd.dirtySectors).toBe(0);
    expect(d.hdd.mediaOps).toBeLessThanOrEqual(4);
  });

  it("a write that waited for room crosses the interface only once the drive has processed its command", () => {
    const run = (secondAtNs: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 8 });
      const done = new Map<number, number>();
      const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
      hdd.submit(io(0, 500_000_000, 8, false), sink); // fills the buffer; its write-back starts at once
      if (secondAtNs < 0) {
        sim.run();
        return sim.now;
      }
      sim.run({ until: secondAtNs });
      hdd.submit(io(1, 1_000, 8, false), sink); // no room until write 0's write-back ends
      sim.run();
      return (done.get(1) as number) - secondAtNs;
    };
    const end = run(-1); // when write 0's write-back ends
    // Arriving 10 µs before that: room comes first, but the command overhead (50 µs) is still being spent.
    const bus = ((8 * 512) / (CHEETAH_15K5.busMBps * 1e6)) * 1e9;
    expect(run(end - 10_000)).toBeCloseTo(CHEETAH_15K5.commandOverheadNs + bus, 0);
  });

  it("writes waiting for room go in in arrival order: a rewrite of queued data (needing no room) does not overtake them", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 16 });
    const done: number[] = [];
    const sink = { complete: (r: IoRequest) => done.push(r.id) };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once
    hdd.submit(io(1, 1_000, 8, false), sink); // buffered, its write-back queued
    hdd.submit(io(2, 250_000_000, 8, false), sink); // no room: waits for write 0's write-back
    hdd.submit(io(3, 1_000, 8, false), sink); // replaces write 1's queued data, but comes after write 2
    sim.run();
    expect(done).toEqual([0, 1, 2, 3]);
  });

  it("with every write-back entry taken, a write continuing the newest one still goes in at once: it joins it", () => {
    // A drive that tracks 4 commands, so 4 write-backs; each far from the head, so none ends for milliseconds.
    const sim = new Simulation();
    const hdd = new Hdd(sim, { ...CHEETAH_15K5, queueDepth: 4 }, "hdd", { writeCache: true });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    for (let i = 0; i < 4; i++) hdd.submit(io(i, 400_000_000 + i * 1_000_000, 8, false), sink);
    hdd.submit(io(4, 403_000_008, 8, false), sink); // continues write 3's write-back
    sim.run();
    expect(done.get(4) as number).toBeLessThan(1_000_000);
    expect(hdd.mediaOps).toBe(4);
  });

  it("the drive tracks at most queueDepth write-backs: with every entry taken, a write needing a new one waits for a write-back to end", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, { ...CHEETAH_15K5, queueDepth: 4 }, "hdd", { writeCache: true });
    const { done, seen, sink } = completions(sim, hdd, 4);
    for (let i = 0; i < 4; i++) hdd.submit(io(i, 400_000_000 + i * 1_000_000, 8, false), sink);
    hdd.submit(io(4, 405_000_000, 8, false), sink); // far from the others: it needs a fifth write-back
    sim.run();
    expect(Math.max(...[0, 1, 2, 3].map((i) => done.get(i) as number))).toBeLessThan(1_000_000);
    // It went into the buffer only once a write-back had reached the media (milliseconds: a seek and a rotation).
    expect(seen.mediaOps).toBeGreaterThanOrEqual(1);
    expect(done.get(4) as number).toBeGreaterThan(1_000_000);
    expect(hdd.writesBuffered).toBe(5);
  });

  it("a write whose last part joins the newest write-back keeps it the newest: the next write in the stream joins it too", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const sink = { complete: () => {} };
    const X = 300_000_000;
    hdd.submit(io(0, 1_000_000, 8, false), sink); // its write-back goes to the media at once
    hdd.submit(io(1, X, 8, false), sink); // queued, the newest: [X, X+8)
    hdd.submit(io(2, X - 8, 24, false), sink); // [X-8, X) a new write-back; [X+8, X+16) joins the newest
    hdd.submit(io(3, X + 16, 8, false), sink); // continues [X, X+16): joins it
    sim.run();
    // Write 0's, [X-8, X) and [X, X+24): three media writes.
    expect([hdd.mediaOps, hdd.writesBuffered]).toEqual([3, 4]);
  });

  it("two sequential write streams interleaved (two VMs, a log beside a data file) each join their own queued write-back", () => {
    // Each stream's next write continues its own queued write-back, not the newest one (the other stream's): the
    // drive coalesces contiguous dirty data by address, whichever write came last. Joining only the newest made
    // every write of either stream a write-back of its own: 4 KiB media writes, the buffer's entries full, and
    // two streams ran at 47 MB/s instead of the interface's 64 (four at 21).
    const run = (streams: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
      const next = Array.from({ length: streams }, (_, s) => 1_000_000 + s * 50_000_000);
      let id = 0;
      let writes = 0;
      const submit = (s: number) => {
        hdd.submit({ id: id++, vm: 0, lba: next[s], sectors: 8, isRead: false, issueTime: sim.now }, sinks[s]);
        next[s] += 8;
      };
      const sinks = next.map((_, s) => ({
        complete: () => {
          writes++;
          if (sim.now < 500_000_000) submit(s);
        },
      }));
      for (let s = 0; s < streams; s++) submit(s);
      sim.run();
      return { writes, mediaOps: hdd.mediaOps };
    };
    const one = run(1);
    for (const streams of [2, 4]) {
      const r = run(streams);
      // Long runs, as for one stream: far fewer media writes than host writes, and no fewer host writes than one stream.
      expect(r.mediaOps, `${streams} streams`).toBeLessThan(r.writes / 10);
      expect(r.writes, `${streams} streams`).toBeGreaterThan(0.95 * one.writes);
    }
  });

  it("the write-back being written frees its buffer space as the head writes it: a waiting write goes in then, not when it ends", () => {
    const sectorNs = (512 / (CHEETAH_15K5.outerMBps * 1e6)) * 1e9;
    {
      // A 2,048-sector write fills a 2,048-sector buffer; a 64-sector write waits for room. Its write-back (8.4 ms on the
      // media) has written 64 sectors a quarter of a ms after its transfer starts: the write goes in then.
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 2048 });
      const { done, seen, sink } = completions(sim, hdd, 1);
      hdd.submit(io(0, 1_000_000, 2048, false), sink);
      hdd.submit(io(1, 200_000_000, 64, false), sink);
      while (hdd.mediaOps === 0) sim.run({ maxEvents: 1 });
      const written = sim.now; // write 0's write-back has ended
      sim.run();
      expect(seen.mediaOps).toBe(0); // before write 0's write-back ended
      const transferStart = written - 2048 * sectorNs;
      expect(done.get(1) as number).toBeGreaterThan(transferStart + 64 * sectorNs);
      expect(done.get(1) as number).toBeLessThan(transferStart + 64 * sectorNs + 1_000_000);
    }
    {
      // A stream of 256 KiB writes at QD1, faster than the media: once the buffer is full each write waits while the head
      // writes as much (~2.1 ms at 125 MB/s). Freed only when a whole write-back (megabytes) ended, most writes went in at
      // the interface rate and some waited ~28 ms: the same mean, a latency distribution no drive shows.
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
      const lat: number[] = [];
      let lba = 0;
      let id = 0;
      const sink = {
        complete: (r: IoRequest) => {
          if (sim.now > 300_000_000) lat.push(sim.now - r.issueTime);
          if (sim.now < 800_000_000) submit();
        },
      };
      const submit = () => {
        hdd.submit({ id: id++, vm: 0, lba, sectors: 512, isRead: false, issueTime: sim.now }, sink);
        lba += 512;
      };
      submit();
      sim.run();
      const mediaMs = (512 * sectorNs) / 1e6;
      const meanMs = lat.reduce((a, b) => a + b, 0) / lat.length / 1e6;
      expect(meanMs).toBeGreaterThan(0.9 * mediaMs); // the media's rate…
      expect(Math.max(...lat) / 1e6).toBeLessThan(2 * mediaMs); // …for every write, not on average
    }
  });
});
