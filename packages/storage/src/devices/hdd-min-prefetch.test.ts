import { Rng, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5, type HddSpec } from "./hdd-spec.js";

/**
 * Two closed-loop sequential read streams, one 64 KiB read outstanding each, far apart on one disk, for `ns`; each
 * issues its next read `thinkNs` after the last completed.
 */
function interleavedStreams(spec: HddSpec, ns = 1e9, thinkNs = 0) {
  const sim = new Simulation();
  const hdd = new Hdd(sim, spec);
  const think = sim.on("think", (s) => issue(s));
  const sectors = 128;
  const next = [0, 200_000_000];
  let bytes = 0;
  const issue = (s: number) => {
    hdd.submit({ id: s, vm: 0, lba: next[s], sectors, isRead: true, issueTime: sim.now }, sink);
    next[s] += sectors;
  };
  const sink = {
    complete: (r: { id: number }) => {
      bytes += sectors * 512;
      if (thinkNs > 0) sim.schedule(thinkNs, think, r.id);
      else issue(r.id);
    },
  };
  issue(0);
  issue(1);
  sim.run({ until: ns });
  return { mbps: bytes / (ns / 1e9) / 1e6, mediaOps: hdd.mediaOps, hits: hdd.cache.hits };
}

/**
 * A drive with `spec` that has read [0, 8), left for a far read at once, then read [`from`, 16): a media read continuing the run
 * the cache holds, just completed (the head now reads ahead from sector 16); `read` submits a read, `done` has each
 * IO's completion by id.
 */
function afterContinuingRead(spec: HddSpec, from = 8) {
  const sim = new Simulation();
  const hdd = new Hdd(sim, spec);
  const done = new Map<number, number>();
  const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
  const read = (id: number, lba: number, sectors: number) =>
    hdd.submit({ id, vm: 0, lba, sectors, isRead: true, issueTime: sim.now }, sink);
  read(100, 0, 8);
  read(101, 300_000_000, 8); // waiting as the first read ends: its read-ahead (no run before it) stops at once
  sim.run();
  read(102, from, 16 - from); // continues the cached run [0, 8) to sector 16 (from its end, or from inside it)
  sim.run();
  return { sim, hdd, done, read };
}

describe("Hdd minimum prefetch (SCSI mode page 08h MINIMUM PRE-FETCH, HddSpec.minPrefetchSectors)", () => {
  it("the head reads the minimum prefetch after a media read before it leaves for a waiting command, and the segment keeps it", () => {
    const outcome = (minPrefetchSectors: number, from = 8) => {
      const { sim, hdd, done, read } = afterContinuingRead({ ...CHEETAH_15K5, minPrefetchSectors }, from);
      const t0 = sim.now; // the head starts reading ahead from sector 16
      read(1, 400_000_000, 8); // far away: the head leaves the stream for it
      sim.run();
      const far = (done.get(1) as number) - t0;
      // The far read's own least time once the head is free: the seek there and its transfer (no rotational wait).
      const g = hdd.geometry;
      const z = g.zoneOf(400_000_000);
      const farOwnNs = hdd.readSeek.timeNs(g.cylinderOf(400_000_000, z) - g.cylinderOf(16, 0)) + g.transferNs(400_000_000, 8, z);
      read(2, 16, 256); // what the minimum prefetch read before the head left
      sim.run();
      return { far, farOwnNs, prefetchNs: g.transferNs(16, 1024, 0), mediaOps: hdd.mediaOps, hits: hdd.cache.hits };
    };
    const none = outcome(0);
    const min = outcome(1024);
    // Without a minimum the head leaves at once: the re-read goes to the media (5 media reads in all).
    expect([none.mediaOps, none.hits]).toEqual([5, 0]);
    // With one, the segment holds what it read: the re-read is a hit.
    expect([min.mediaOps, min.hits]).toEqual([4, 1]);
    // Leaving at once, the far read ends within its seek and transfer, the command overhead and one revolution...
    const { commandOverheadNs, rpm } = CHEETAH_15K5;
    expect(none.far).toBeLessThanOrEqual(none.farOwnNs + commandOverheadNs + 60e9 / rpm);
    // ...and it starts its seek only once the 1,024 sectors are read (4.19 ms at the outer zone, more than that).
    expect(min.far).toBeGreaterThanOrEqual(min.farOwnNs + min.prefetchNs);
    expect(min.prefetchNs).toBeGreaterThan(commandOverheadNs + 60e9 / rpm);
    // A read that starts inside the cached run and runs past its end continues it as well.
    const inside = outcome(1024, 4);
    expect([inside.mediaOps, inside.hits]).toEqual([4, 1]);
    expect(inside.far).toBeGreaterThanOrEqual(inside.farOwnNs + inside.prefetchNs);
    expect(outcome(0, 4).hits).toBe(0);
  });

  it("interleaved sequential streams keep their read-ahead: each finds its next reads in its own segment", () => {
    const hitsPerMediaRead = (r: { hits: number; mediaOps: number }) => r.hits / r.mediaOps;
    const none = interleavedStreams(CHEETAH_15K5);
    // Without a minimum, a stream's next read (issued as its read completes) joins the read-ahead that read started,
    // and the head reads it before it leaves for the other stream's read: one hit per media read.
    expect(hitsPerMediaRead(none)).toBeCloseTo(1, 1);
    // A minimum of that one read's 128 sectors changes nothing; of two reads' (256 sectors), two hits per media read.
    expect(interleavedStreams({ ...CHEETAH_15K5, minPrefetchSectors: 128 })).toEqual(none);
    expect(hitsPerMediaRead(interleavedStreams({ ...CHEETAH_15K5, minPrefetchSectors: 256 }))).toBeCloseTo(2, 1);
    // The whole 512 KiB read-ahead (8 reads): 8 hits per media read, and over 2.5x the throughput.
    const whole = interleavedStreams({ ...CHEETAH_15K5, minPrefetchSectors: 1024 });
    expect(hitsPerMediaRead(whole)).toBeGreaterThan(7.5);
    expect(whole.mbps).toBeGreaterThan(2.5 * none.mbps);
  });

  it("with a read-ahead as large as the segment (which keeps none of its read's data) and 20 µs between a stream's reads", () => {
    const spec = { ...CHEETAH_15K5, readAheadSectors: 2048 };
    const none = interleavedStreams(spec, 1e9, 20_000);
    // Each read waits for the other stream's: every read is a media read.
    expect(none.hits).toBe(0);
    const whole = interleavedStreams({ ...spec, minPrefetchSectors: 1024 }, 1e9, 20_000);
    expect(whole.hits / whole.mediaOps).toBeGreaterThan(7.5);
    expect(whole.mbps).toBeGreaterThan(4 * none.mbps);
  });

  it("saved while the head still reads its minimum prefetch, a restored disk leaves the stream no earlier", () => {
    const spec = { ...CHEETAH_15K5, minPrefetchSectors: 512 };
    const { sim, hdd, done } = afterContinuingRead(spec);
    const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
    const simState = sim.save();
    const diskState = hdd.save();
    expect(diskState.cache.raPromised).toBe(16 + 512);
    const far = (disk: Hdd) => {
      disk.submit({ id: 1, vm: 0, lba: 400_000_000, sectors: 8, isRead: true, issueTime: sim.now }, sink);
      sim.run();
      return done.get(1);
    };
    const first = far(hdd);
    sim.restore(simState);
    const restored = new Hdd(sim, spec);
    restored.restore(diskState);
    expect(far(restored)).toBe(first);
  });

  it("random reads, which continue no run the cache holds, run exactly as with no minimum: their read-ahead stops at once", () => {
    const randomReads = (minPrefetchSectors: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, minPrefetchSectors });
      const rng = new Rng(7, "random reads");
      const log: string[] = [];
      const sink = {
        complete: (r: { id: number }) => {
          log.push(`${r.id}@${sim.now}`);
          if (r.id < 2000) issue(r.id + 4);
        },
      };
      const issue = (id: number) =>
        hdd.submit(
          { id, vm: 0, lba: rng.int(Math.floor(CHEETAH_15K5.capacitySectors / 16)) * 16, sectors: 16, isRead: true, issueTime: sim.now },
          sink,
        );
      for (let id = 0; id < 4; id++) issue(id);
      sim.run();
      return log;
    };
    const none = randomReads(0);
    expect(none).toHaveLength(2004);
    expect(randomReads(1024)).toEqual(none);
  });

  it("a block read again after a write to it does not continue a stream: the head leaves it at once", () => {
    // Read X, write X (the write empties X's segment), read X again; as that read completes, a far read arrives.
    const farRead = (minPrefetchSectors: number, rewrite: boolean) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, { ...CHEETAH_15K5, minPrefetchSectors });
      const done = new Map<number, number>();
      const sink = {
        complete: (r: { id: number }) => {
          done.set(r.id, sim.now);
          if (r.id === 3) hdd.submit({ id: 4, vm: 0, lba: 400_000_000, sectors: 8, isRead: true, issueTime: sim.now }, sink);
        },
      };
      const run = (id: number, isRead: boolean) => {
        hdd.submit({ id, vm: 0, lba: 100_000_000, sectors: 16, isRead, issueTime: sim.now }, sink);
        sim.run();
      };
      run(1, true);
      if (rewrite) run(2, false);
      run(3, true);
      return (done.get(4) as number) - (done.get(3) as number);
    };
    expect(farRead(1024, true)).toBe(farRead(0, true));
  });

  it("a minimum past the read-ahead reads the whole read-ahead; absent is none", () => {
    expect(interleavedStreams({ ...CHEETAH_15K5, minPrefetchSectors: 4096 }, 2e8)).toEqual(
      interleavedStreams({ ...CHEETAH_15K5, minPrefetchSectors: 1024 }, 2e8),
    );
    expect(interleavedStreams(CHEETAH_15K5, 2e8)).toEqual(interleavedStreams({ ...CHEETAH_15K5, minPrefetchSectors: 0 }, 2e8));
  });

  it("refuses a minimum that is not a whole number of sectors >= 0", () => {
    for (const bad of [-1, 1.5, Number.NaN])
      expect(() => new Hdd(new Simulation(), { ...CHEETAH_15K5, minPrefetchSectors: bad })).toThrow(
        /minPrefetchSectors must be a whole number >= 0/,
      );
  });
});
