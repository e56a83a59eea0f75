import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { busNs, io } from "./hdd-write-cache.test-support.js";

describe("Hdd with its write cache on: writes larger than the buffer", () => {
  it("a write larger than the write cache goes to the media only after older buffered data of its sectors is written back", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 16 });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once (a long seek)
    hdd.submit(io(1, 300_000_008, 8, false), sink); // buffered and completed: [X+8, X+16) waits to be written back
    sim.run({ until: 1_000_000 });
    expect(done.has(1)).toBe(true);
    expect(hdd.dirtySectors).toBe(16);
    hdd.submit(io(2, 300_000_000, 32, false), sink); // larger than the buffer: to the media, over [X+8, X+16) too
    let dirtyWhenLanded = -1;
    while (!done.has(2)) sim.run({ until: sim.now + 10_000 });
    dirtyWhenLanded = hdd.dirtySectors;
    // A read of write 2's sectors once it completed: from the media, not write 1's older data in the buffer.
    hdd.submit(io(3, 300_000_008, 8, true), sink);
    sim.run();
    // It used to land first (shortest positioning) with write 1's write-back still queued to go over it, and the
    // read was served write 1's data from the buffer ([8, 1]).
    expect([dirtyWhenLanded, hdd.readsFromBuffer]).toEqual([0, 0]);
    expect(hdd.outstanding).toBe(0);
  });

  it("a large write is not held back by buffered data next to its sectors, only by data of them", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 16 });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once (a long seek)
    hdd.submit(io(1, 300_000_032, 8, false), sink); // buffered: [X+32, X+40), just past write 2's sectors
    sim.run({ until: 1_000_000 });
    hdd.submit(io(2, 300_000_000, 32, false), sink); // [X, X+32): nothing of it is in the buffer
    let dirtyWhenLanded = -1;
    while (!done.has(2)) sim.run({ until: sim.now + 10_000 });
    dirtyWhenLanded = hdd.dirtySectors;
    sim.run();
    // It goes to the queue at once and lands with the write-back of [X+32, X+40) still queued (held back as
    // if that overlapped it, it landed only after it).
    expect(dirtyWhenLanded).toBe(8);
  });

  it("a large write is not held back by buffered data ending where its sectors start: queued at once, its data crosses next", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true }); // 16384 sectors of write buffer
    const X = 300_000_000;
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once (a long seek)
    hdd.submit(io(1, 100_000_000, 16_000, false), sink); // ~8 MB: its data holds the interface for ~27 ms
    hdd.submit(io(2, X - 8, 8, false), sink); // buffered: [X-8, X), its data crossing only after write 1's
    hdd.submit(io(3, X, 16_392, false), sink); // [X, X+16392): larger than the buffer, to the media
    hdd.submit(io(4, X - 8, 8, true), sink); // a read of write 2's data, from the buffer
    sim.run();
    // Write 3 is queued as it arrives, and its ~8.4 MB cross the interface right after writes 1 and 2's (a drive takes
    // a queued write's data into its buffer): the read's 4 KiB follow them. Held back as if [X-8, X) overlapped it,
    // write 3 would have waited for that write-back, its data with it, and the read would have crossed at ~27 ms.
    expect(done.get(4)).toBeGreaterThan(busNs(16_000 + 8 + 16_392));
    expect([hdd.mediaOps, hdd.dirtySectors, hdd.outstanding]).toEqual([4, 0, 0]);
  });

  it("a large write released from behind older buffered data starts no earlier than its data, held back on the interface, starts coming in", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const X = 300_000_000;
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    hdd.submit(io(0, 500_000_000, 8, true), sink); // the head goes far away first (~10 ms)
    hdd.submit(io(1, X, 8, false), sink); // buffered; its write-back waits for the head
    hdd.submit(io(2, 100_000_000, 16_000, false), sink); // ~8 MB buffered: its data holds the interface ~27 ms
    hdd.submit(io(3, X, 16_392, false), sink); // larger than the buffer, over write 1's data: held until that lands
    sim.run();
    // Write 1's write-back lands at ~15 ms; write 3's data then crosses only after write 2's, from ~27 ms: write 3
    // cannot be written before that (it was, from ~24 ms, its start counted from when it was first processed).
    const g = hdd.geometry;
    expect(done.get(3)).toBeGreaterThanOrEqual(busNs(16_000 + 8) + g.transferNs(X, 16_392, g.zoneOf(X)));
  });

  it("a large write arriving while the write-back ending where its sectors start is written is queued at once, keeping its place", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 64 });
    const g = hdd.geometry;
    const spt = g.zoneSpt[0];
    // X on a cylinder's second track; X + spt on its third, at the same angle: the same position for the mechanism.
    const X = (1000 * CHEETAH_15K5.heads + 1) * spt + 100;
    expect([g.cylinderOf(X - 1, 0), g.cylinderOf(X + spt, 0), g.angleOf(X + spt, 0)]).toEqual([1000, 1000, g.angleOf(X, 0)]);
    const order: number[] = [];
    const sink = { complete: (r: IoRequest) => order.push(r.id) };
    hdd.submit(io(0, X - 8, 8, false), sink); // buffered; its write-back of [X-8, X) starts at once (a seek of ~1 ms)
    sim.run({ until: 200_000 });
    hdd.submit(io(1, X, 128, false), sink); // larger than the buffer: to the media, right after [X-8, X)
    hdd.submit(io(2, X + spt, 8, true), sink); // a read at the same position, after it
    sim.run();
    // Both are processed before the write-back ends and are equally far from the head then: the one queued first
    // goes first. Held back as if [X-8, X) overlapped it, write 1 entered the queue only then, behind the read.
    expect(order).toEqual([0, 1, 2]);
    expect(hdd.mediaOps).toBe(3);
  });

  it("a large write held for an older write-back starts positioning only once its command is processed, not when the write-back ends", () => {
    // W = [T+8, T+16) in zone 0, T the first sector of a cylinder's second track; L starts on the track before,
    // 4 sectors past W's end in angle (same cylinder: no seek), and runs over W's sectors.
    const probe = new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 64 });
    const g = probe.geometry;
    const spt = g.zoneSpt[0];
    const T = (1000 * CHEETAH_15K5.heads + 1) * spt;
    const lLba = T + 20 - spt;
    expect([g.cylinderOf(lLba, 0), g.cylinderOf(T + 8, 0), g.zoneOf(lLba + 1024)]).toEqual([1000, 1000, 0]);
    const run = (lAt: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 64 });
      let landed = -1;
      hdd.submit(io(0, T + 8, 8, false), { complete: () => {} }); // buffered; its write-back W starts at once
      if (lAt < 0) {
        sim.run();
        return sim.now; // W's end
      }
      sim.run({ until: lAt });
      hdd.submit(io(1, lLba, 1024, false), { complete: () => (landed = sim.now) }); // larger than the buffer: held for W
      sim.run();
      return landed;
    };
    const wEnd = run(-1);
    const sectorNs = g.zoneSectorNs[0];
    const transfer = (4 + 1024) * sectorNs; // from W's end: 4 sectors to L's first, then L itself
    // Arriving 100 µs before W ends: processed (50 µs) before it, so L catches its first sector right after W.
    expect(run(wEnd - 100_000) - wEnd).toBeCloseTo(transfer, -1);
    // Arriving 20 µs before W ends: its command is still being processed when W ends and its first sector passes
    // 16 µs later, so it waits a revolution (released as ready at once, it caught that sector).
    expect(run(wEnd - 20_000) - wEnd).toBeCloseTo(g.revolutionNs + transfer, -1);
  });

  it("a large write waits only for write-backs older than it: later buffered data of its sectors does not hold it back", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 16 });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    hdd.submit(io(0, 500_000_000, 8, false), sink);
    hdd.submit(io(1, 300_000_008, 8, false), sink);
    sim.run({ until: 1_000_000 });
    hdd.submit(io(2, 300_000_000, 32, false), sink);
    // A stream of newer writes of the same sectors while write 2 waits: each is in flight with write 2 (no order
    // between them), so they must not keep it waiting past write 1's write-back.
    for (let k = 0; k < 20; k++) {
      hdd.submit(io(10 + k, 300_000_008, 8, false), sink);
      sim.run({ until: sim.now + 2_000_000 });
    }
    sim.run();
    expect(done.has(2)).toBe(true);
    expect(done.get(2) as number).toBeLessThan(40_000_000);
    expect(hdd.outstanding).toBe(0);
  });
});
