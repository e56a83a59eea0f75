import { RngStreams, Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { Hdd, type HddOptions } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

type Spec = ConstructorParameters<typeof IometerWorkload>[0];

function measure(spec: Spec, options: HddOptions, durationNs = 1e9) {
  const sim = new Simulation();
  const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", options);
  const w = new IometerWorkload(spec);
  w.start({ sim, target: hdd, rng: new RngStreams(1).get("w"), vm: 0 });
  runMeasured(sim, [w], 200_000_000, durationNs);
  return { iops: w.stats.iops(sim.now), mbps: w.stats.mbPerSec(sim.now), latencyUs: w.stats.latencyUs.mean, hdd };
}

const io = (id: number, lba: number, sectors: number, isRead: boolean): IoRequest => ({ id, vm: 0, lba, sectors, isRead, issueTime: 0 });

/** A drive with its write cache on that buffered a write and served a read of it from the buffer (both completed). */
function wroteAndReadBack() {
  const sim = new Simulation();
  const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
  const sink = { complete: () => {} };
  hdd.submit(io(0, 5_000_000, 8, false), sink);
  hdd.submit(io(1, 5_000_000, 8, true), sink); // from the buffer
  sim.run();
  return { sim, hdd, sink };
}

/** A sink that records when each command completed, and how many media writes `hdd` had ended when command `watched` did. */
function completions(sim: Simulation, hdd: Hdd, watched: number) {
  const done = new Map<number, number>();
  const seen = { mediaOps: -1 };
  const sink = {
    complete: (r: IoRequest) => {
      done.set(r.id, sim.now);
      if (r.id === watched) seen.mediaOps = hdd.mediaOps;
    },
  };
  return { done, seen, sink };
}

/** `bad` restored into a new drive (`make`) is refused as a bad state saying `message`, and the drive is unchanged. */
function expectRefused(make: () => Hdd, bad: unknown, message: RegExp) {
  const drive = make();
  const before = drive.save();
  expect(thrownCode(() => drive.restore(bad))).toBe("VMLAB_STORAGE_BAD_STATE");
  expect(() => drive.restore(bad)).toThrow(message);
  expect(drive.save()).toEqual(before);
}

describe("Hdd with its write cache on (WCE)", () => {
  it("small sequential writes at QD1 complete from the buffer and reach the media in long runs", () => {
    const seq4k: Spec = { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 };
    const off = measure(seq4k, {});
    const on = measure(seq4k, { writeCache: true });
    // Off: one write per revolution (~250/s). On: command overhead + interface transfer (~64 µs) per write.
    expect(off.iops).toBeLessThan(300);
    expect(on.iops).toBeGreaterThan(12_000);
    expect(on.latencyUs).toBeLessThan(80);
    expect(on.hdd.writesBuffered).toBeGreaterThan(12_000);
    // Contiguous buffered writes join one write-back: far fewer media writes than host writes.
    expect(on.hdd.mediaOps).toBeLessThan(on.hdd.completed / 10);
  });

  it("a write stream faster than the media fills the buffer, then runs at the media rate", () => {
    const r = measure({ ioSizeBytes: 65536, readPercent: 0, randomPercent: 0, outstandingIos: 16 }, { writeCache: true }, 2e9);
    // The buffer (8 MiB) absorbs the first ~50 ms at the interface rate; after that the outer zone's 125 MB/s.
    expect(r.mbps).toBeGreaterThan(0.9 * 125);
    expect(r.mbps).toBeLessThan(1.1 * 125);
  });

  it("random writes at QD1: the buffer's write-backs give the drive a deep queue to reorder", () => {
    const spec: Spec = { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 1 };
    const off = measure(spec, {});
    const on = measure(spec, { writeCache: true });
    const deep = measure({ ...spec, outstandingIos: CHEETAH_15K5.queueDepth }, {});
    // Once the drive holds its most write-backs (queueDepth), each write waits for one to end: SPTF over
    // that many commands, about what a host gets by queueing as many itself with the cache off.
    expect(on.iops).toBeGreaterThan(2 * off.iops);
    expect(Math.abs(on.iops - deep.iops) / deep.iops).toBeLessThan(0.15);
  });

  it("a burst smaller than the buffer completes at the interface rate; the drive writes it back afterwards", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done: number[] = [];
    const sink = { complete: () => done.push(sim.now) };
    for (let i = 0; i < 32; i++) hdd.submit(io(i, (i * 7_919_993) % 500_000_000, 8, false), sink);
    // The controller processes the 32 commands one after another (50 µs each): 1.6 ms.
    sim.run({ until: 32 * CHEETAH_15K5.commandOverheadNs + 20_000 });
    expect(done).toHaveLength(32); // all 32 in the buffer within 1.62 ms…
    expect(hdd.mediaOps).toBeLessThan(2); // …while the mechanism has written at most one of them
    sim.run();
    expect(hdd.mediaOps).toBe(32);
    expect(hdd.dirtySectors).toBe(0);
  });

  it("buffered writes share the drive's interface: a burst that fits the buffer is taken in at the bus rate, no faster", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    let last = 0;
    const sink = { complete: () => (last = sim.now) };
    // 32 × 256 KiB = 8 MiB, the whole buffer: all of it crosses the 300 MB/s bus before the last write completes.
    for (let i = 0; i < 32; i++) hdd.submit(io(i, 2_000_000 + i * 512, 512, false), sink);
    sim.run({ until: 100_000_000 });
    expect(hdd.writesBuffered).toBe(32);
    const busNs = (8 * 1024 * 1024 * 1e9) / (CHEETAH_15K5.busMBps * 1e6);
    expect(last).toBeGreaterThanOrEqual(CHEETAH_15K5.commandOverheadNs + busNs - 1);
    expect(last).toBeLessThan(CHEETAH_15K5.commandOverheadNs + busNs + 1_000);
  });

  it("a write-back does not reach the media before its data has crossed the interface", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    // 31 × 256 KiB: their data holds the interface for ~27 ms. Then 4 KiB right after the first of them, whose
    // data crosses after theirs: when the first write-back ends, its write-back is the nearest, with no data yet.
    const submitAll = (disk: Hdd, s: { complete: (r: IoRequest) => void }) => {
      for (let i = 0; i < 31; i++) disk.submit(io(i, 400_000_000 + i * 1_000_000, 512, false), s);
      disk.submit(io(31, 400_000_512, 8, false), s);
    };
    submitAll(hdd, sink);
    sim.run({ until: 100_000_000 });
    const arrived = done.get(31) as number;
    expect(arrived).toBeGreaterThan(25_000_000);
    const again = new Simulation();
    const replay = new Hdd(again, CHEETAH_15K5, "hdd", { writeCache: true });
    submitAll(replay, { complete: () => {} });
    again.run({ until: arrived - 1 });
    // Just before the small write completes (its data in the buffer at last), its 8 sectors are still to be written back.
    expect(replay.dirtySectors % 512).toBe(8);
    sim.run();
    expect(hdd.dirtySectors).toBe(0);
  });

  it("a write larger than the whole buffer goes to the media before it completes", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 64 });
    let at = -1;
    hdd.submit(io(0, 1_000_000, 128, false), { complete: () => (at = sim.now) });
    sim.run();
    expect(hdd.writesBuffered).toBe(0);
    expect(at).toBeGreaterThan(1_000_000); // a seek and a rotation, not 50 µs + the interface transfer
    expect(hdd.mediaOps).toBe(1);
  });

  it("a read of written data still in the buffer is served from it, without the mechanism", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    // Two adjacent writes (one write-back) far from the head, then a read spanning both.
    hdd.submit(io(0, 300_000_000, 8, false), sink);
    hdd.submit(io(1, 300_000_008, 8, false), sink);
    hdd.submit(io(2, 300_000_004, 8, true), sink);
    hdd.submit(io(3, 300_000_012, 8, true), sink); // half of it was never written: from the media
    sim.run();
    // The third command the controller processes (50 µs each), then 4 KiB over the interface.
    expect(done.get(2)).toBeCloseTo(3 * CHEETAH_15K5.commandOverheadNs + ((8 * 512) / 300e6) * 1e9, -1);
    expect(done.get(3)).toBeGreaterThan(1_000_000);
    expect(hdd.dirtySectors).toBe(0);
    // Counted as a read from the buffer, not as a read-cache miss (only read 3 missed).
    expect(hdd.readsFromBuffer).toBe(1);
    expect(hdd.cache.misses).toBe(1);
  });

  it("saves only once the buffer is written back; the state round-trips", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    let completed = 0;
    hdd.submit(io(0, 5_000_000, 64, false), { complete: () => completed++ });
    sim.run({ until: 300_000 });
    expect(completed).toBe(1); // the host has its answer…
    expect(hdd.outstanding).toBe(0); // …and no command of its own in the drive…
    expect(hdd.dirtySectors).toBe(64); // …the media does not have the data yet
    expect(thrownCode(() => hdd.save())).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    // The host has nothing in flight: the refusal says what is left (the write-back), not "IOs in flight".
    expect(() => hdd.save()).toThrow(/write cache holds 64 sectors not yet on the media/);
    sim.run();
    expect(hdd.dirtySectors).toBe(0);
    const state = hdd.save();
    const copy = new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true });
    copy.restore(state);
    expect(copy.save()).toEqual(state);
    expect([copy.writesBuffered, copy.completed]).toEqual([1, 1]); // counters go on from where they were
  });

  it("a state with write-cache counters is refused by a drive with its write cache off, changing nothing; flushes alone restore", () => {
    const { sim, hdd, sink } = wroteAndReadBack();
    hdd.flush(io(2, 0, 0, false), sink);
    sim.run();
    const state = hdd.save();
    expect([state.writesBuffered, state.readsFromBuffer, state.flushes]).toEqual([1, 1, 1]);
    for (const bad of [state, { ...state, readsFromBuffer: undefined }, { ...state, writesBuffered: undefined }])
      expectRefused(
        () => new Hdd(new Simulation(), CHEETAH_15K5, "hdd"),
        bad,
        /write cache on .*this one has it off; build it with writeCache: true/,
      );
    // A flush is taken with the write cache off too: a state counting flushes only restores there. (Not the state
    // above: its drive's write buffer took 8 of the 16 read cache segments.)
    const offSim = new Simulation();
    const flushed = new Hdd(offSim, CHEETAH_15K5, "hdd");
    flushed.flush(io(2, 0, 0, false), sink);
    offSim.run();
    const off = new Hdd(new Simulation(), CHEETAH_15K5, "hdd");
    off.restore({ ...flushed.save(), writesBuffered: undefined, readsFromBuffer: undefined });
    expect(off.flushes).toBe(1);
    expect(() => off.restore({ ...state, writesBuffered: undefined, readsFromBuffer: undefined })).toThrow(/expected 16 segments/);
  });

  it("a state whose write-cache counters no drive could reach is refused, changing nothing", () => {
    const state = wroteAndReadBack().hdd.save();
    expect([state.completed, state.writesBuffered, state.readsFromBuffer]).toEqual([2, 1, 1]);
    const bad: [unknown, RegExp][] = [
      // Every buffered write and every read from the buffer is a completed command.
      [{ ...state, writesBuffered: 5 }, /writesBuffered \(5\) and readsFromBuffer \(1\) count more commands than completed \(2\)/],
      [{ ...state, readsFromBuffer: 3 }, /count more commands than completed/],
      // A read is served from written data only once a write was buffered.
      [{ ...state, writesBuffered: undefined }, /readsFromBuffer \(1\) with no write buffered/],
    ];
    for (const [s, message] of bad) expectRefused(() => new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true }), s, message);
  });

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

  it("a flush waits for the write-backs queued before it, not for writes that come after it", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, { t: number; dirty: number }>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, { t: sim.now, dirty: hdd.dirtySectors }) };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once: a long seek
    hdd.flush(io(1, 0, 0, false), sink);
    hdd.submit(io(2, 1_000, 8, false), sink); // after the flush: not its business
    sim.run();
    const flushed = done.get(1) as { t: number; dirty: number };
    expect(flushed.t).toBeGreaterThan(2_000_000);
    expect(flushed.dirty).toBe(8); // write 2's data is still in the buffer when the flush completes
    expect(hdd.flushes).toBe(1);
    expect(hdd.outstanding).toBe(0);
    // Write cache off: a flush has nothing to wait for.
    const plain = new Hdd(sim, CHEETAH_15K5, "plain");
    const t0 = sim.now;
    plain.flush(io(3, 0, 0, false), sink);
    sim.run();
    expect((done.get(3) as { t: number }).t - t0).toBe(CHEETAH_15K5.commandOverheadNs);
  });

  it("a flush waits for every write-back queued before it, the last one included (SYNCHRONIZE CACHE: all of it on the media)", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, { t: number; dirty: number; media: number }>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, { t: sim.now, dirty: hdd.dirtySectors, media: hdd.mediaOps }) };
    // Two write-backs far apart: the first starts at once, the second (the flush's last) after it.
    for (let i = 0; i < 2; i++) hdd.submit(io(i, 100_000_000 * (i + 1), 8, false), sink);
    hdd.flush(io(2, 0, 0, false), sink);
    sim.run();
    expect(done.get(2)).toMatchObject({ dirty: 0, media: 2 });
  });

  it("a flush is a command: the one controller processes it after the commands that arrived before it, and those after it wait for it", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "plain"); // write cache off: a flush waits only for its own processing
    const done = new Map<number, number>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
    hdd.submit(io(0, 1_000_000, 8, true), sink);
    hdd.submit(io(1, 2_000_000, 8, true), sink);
    hdd.flush(io(2, 0, 0, false), sink);
    hdd.flush(io(3, 0, 0, false), sink);
    sim.run();
    const overhead = CHEETAH_15K5.commandOverheadNs;
    expect([done.get(2), done.get(3)]).toEqual([3 * overhead, 4 * overhead]);
  });

  it("a command submitted from a flush's completion does not start a second media command beside another", () => {
    // A closed loop that issues its next IO when the flush completes (as a workload's sink does): the flush
    // completes as a write-back ends, with more commands queued; the mechanism serves one command at a time.
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    const done = new Map<number, number>();
    const sink = {
      complete: (r: IoRequest) => {
        done.set(r.id, sim.now);
        if (r.id === 1) hdd.submit(io(4, 100_000_000, 8, true), sink);
      },
    };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once: a long seek
    hdd.flush(io(1, 0, 0, false), sink);
    hdd.submit(io(2, 1_000, 8, false), sink); // a second write-back, queued behind the first
    hdd.submit(io(3, 250_000_000, 8, true), sink); // a read miss, queued
    sim.run();
    expect([...done.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(hdd.mediaOps).toBe(4);
    // One actuator: its busy time cannot exceed the time elapsed (the event clock rounds each end to the ns).
    expect(hdd.busyNs).toBeLessThanOrEqual(sim.now + hdd.mediaOps);
    expect(hdd.outstanding).toBe(0);
  });

  it("a flush takes at least the command overhead, even when the write-back it waits for is about to end", () => {
    const run = (flushBeforeEndNs: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
      const done = new Map<number, number>();
      const sink = { complete: (r: IoRequest) => done.set(r.id, sim.now) };
      hdd.submit(io(0, 500_000_000, 8, false), sink);
      if (flushBeforeEndNs < 0) {
        sim.run();
        return { end: sim.now, took: 0 };
      }
      sim.run({ until: flushBeforeEndNs });
      const at = sim.now;
      hdd.flush(io(1, 0, 0, false), sink);
      sim.run();
      expect(hdd.outstanding).toBe(0);
      return { end: 0, took: (done.get(1) as number) - at };
    };
    const { end } = run(-1); // when the write-back ends
    const overhead = CHEETAH_15K5.commandOverheadNs;
    // Arriving 1 µs before the write-back ends: the drive still processes the command first.
    expect(run(end - 1_000).took).toBe(overhead);
    // Arriving earlier: the write-back's end decides.
    expect(run(end - 2 * overhead).took).toBe(2 * overhead);
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

  it("refuses a buffer that is not a whole number of sectors >= 1", () => {
    for (const writeCacheSectors of [0, -8, 2.5]) {
      const make = () => new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors });
      expect(thrownCode(make)).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect(make).toThrow(new RegExp(`writeCacheSectors must be an integer >= 1, got ${writeCacheSectors}`));
    }
    // A size without the cache switched on is a mistake, not something to ignore.
    expect(() => new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCacheSectors: 64 })).toThrow(/set writeCache: true/);
    // A drive cache too small for the default half to hold a sector (one segment: a read cache of one sector is valid).
    expect(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, cacheBytes: 512, cacheSegments: 1 }, "hdd", { writeCache: true })).toThrow(
      /holds no sector; set writeCacheSectors/,
    );
  });

  it("the write buffer is part of the drive's 16 MB cache: it takes whole 1 MiB segments from the read cache", () => {
    // 8-sector reads at `places` places far apart, one after another, then the first place again: its segment
    // still holds it while no more other places than read segments were read after it (least recently used goes).
    const rereadUs = (places: number, options: HddOptions) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", options);
      let k = 0;
      let issued = 0;
      const next = () => {
        issued = sim.now;
        hdd.submit(io(k, (k % places) * 20_000_000, 8, true), { complete: k++ < places ? next : () => {} });
      };
      next();
      sim.run();
      return (sim.now - issued) / 1000;
    };
    // A hit: 50 µs command overhead + 4 KiB at 300 MB/s. A miss: a seek and rotation, milliseconds.
    expect(rereadUs(16, {})).toBeLessThan(100);
    expect(rereadUs(17, {})).toBeGreaterThan(1000);
    // The default buffer, half the cache, leaves 8 segments.
    expect(rereadUs(8, { writeCache: true })).toBeLessThan(100);
    expect(rereadUs(9, { writeCache: true })).toBeGreaterThan(1000);
    // A 64-sector buffer takes one segment: 15 left.
    expect(rereadUs(15, { writeCache: true, writeCacheSectors: 64 })).toBeLessThan(100);
    expect(rereadUs(16, { writeCache: true, writeCacheSectors: 64 })).toBeGreaterThan(1000);
  });

  it("refuses a write buffer that leaves no read cache segment in the drive's cache", () => {
    const sectors = CHEETAH_15K5.cacheBytes / 512;
    const make = (writeCacheSectors: number, spec = CHEETAH_15K5) =>
      new Hdd(new Simulation(), spec, "hdd", { writeCache: true, writeCacheSectors });
    expect(() => make(sectors - 2047)).toThrow(
      /writeCacheSectors \(30721\) must leave at least one 2048-sector read cache segment in the 16777216-byte drive cache/,
    );
    expect(() => make(sectors - 2048)).not.toThrow();
    // With the read cache off the buffer may have the whole cache, and no more.
    const noReadCache = { ...CHEETAH_15K5, cacheSegments: 0, readAheadSectors: 0 };
    expect(() => make(sectors, noReadCache)).not.toThrow();
    expect(() => make(sectors + 1, noReadCache)).toThrow(/writeCacheSectors \(32769\) must leave room in the 16777216-byte drive cache/);
    // No cache bytes at all: 16 segments of no sectors (not NaN segments); a buffer does not fit.
    const noBytes = { ...CHEETAH_15K5, cacheBytes: 0 };
    expect(new Hdd(new Simulation(), noBytes, "hdd").save().cache.segStart).toHaveLength(16);
    expect(() => make(8, noBytes)).toThrow(/writeCacheSectors \(8\) must leave room in the 0-byte drive cache/);
  });

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

  it("a large write is not held back by buffered data ending where its sectors start (order forced: that data is not in the drive yet)", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true }); // 16384 sectors of write buffer
    const X = 300_000_000;
    const done = new Map<number, { dirty: number; mediaOps: number }>();
    const sink = { complete: (r: IoRequest) => done.set(r.id, { dirty: hdd.dirtySectors, mediaOps: hdd.mediaOps }) };
    hdd.submit(io(0, 500_000_000, 8, false), sink); // its write-back starts at once (a long seek)
    hdd.submit(io(1, 100_000_000, 16_000, false), sink); // ~8 MB: its data holds the interface for ~27 ms
    hdd.submit(io(2, X - 8, 8, false), sink); // buffered: [X-8, X), its data crossing only after write 1's
    hdd.submit(io(3, X, 16_392, false), sink); // [X, X+16392): larger than the buffer, to the media
    sim.run();
    // When write 0's write-back ends (a few ms), write 3 is the only command whose data is in the drive: SPTF
    // cannot pick a write-back whose data is still ~20 ms away, so write 3 lands before any of them — unless it
    // was held back as if [X-8, X) overlapped it, when it lands only after that write-back.
    expect(done.get(3)).toEqual({ dirty: 16_000 + 8, mediaOps: 2 });
    expect([hdd.mediaOps, hdd.dirtySectors, hdd.outstanding]).toEqual([4, 0, 0]);
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
