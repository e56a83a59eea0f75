import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { IometerWorkload } from "../workload/iometer.js";
import { expectBadState, runThenDrain, type Spec } from "./device-state.test-support.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

describe("HDD save/restore", () => {
  it("HDD: head position and cache survive a round trip; the continuation is identical", () => {
    const simA = new Simulation();
    const a = new Hdd(simA);
    runThenDrain(simA, a, { ioSizeBytes: 65536, readPercent: 100, randomPercent: 30, outstandingIos: 4 }, 3e8, 4);
    const saved = JSON.parse(JSON.stringify(a.save()));
    const simB = new Simulation();
    simB.restore(simA.save());
    const b = new Hdd(simB);
    b.restore(saved);
    expect(b.save()).toEqual(saved);
    const spec: Spec = { ioSizeBytes: 4096, readPercent: 70, randomPercent: 60, outstandingIos: 8 };
    const sa = runThenDrain(simA, a, spec, 3e8, 5);
    const sb = runThenDrain(simB, b, spec, 3e8, 5);
    expect(sb.latencyUs.summary()).toEqual(sa.latencyUs.summary());
    expect(b.save()).toEqual(a.save());
  });

  it("HDD: restored with no command overhead, cache hits continue identical to the nanosecond", () => {
    // A hit's transfer ends at a fractional ns (1 KiB at 300 MB/s: 3,413.33 ns) and its completion is rounded
    // to the nearest whole ns, up to half a ns before the interface is free. Saved at that completion, the
    // restored drive had its interface free at once and finished the next hit 1 ns before the original.
    const spec = { ...CHEETAH_15K5, commandOverheadNs: 0 };
    const one = (sim: Simulation, hdd: Hdd, lba: number) => {
      let at = -1;
      hdd.submit({ id: 1, vm: 0, lba, sectors: 2, isRead: true, issueTime: sim.now }, { complete: () => (at = sim.now) });
      sim.run();
      return at;
    };
    const simA = new Simulation();
    const a = new Hdd(simA, spec);
    one(simA, a, 0); // a media read; the read-ahead brings in what follows
    simA.run({ until: simA.now + 5_000_000 });
    const hits: number[] = [];
    for (let k = 1; k <= 3; k++) hits.push(one(simA, a, 2 * k));
    const saved = JSON.parse(JSON.stringify(a.save()));
    const simB = new Simulation();
    simB.restore(simA.save());
    const b = new Hdd(simB, spec);
    b.restore(saved);
    for (let k = 4; k <= 8; k++) expect(one(simB, b, 2 * k)).toBe(one(simA, a, 2 * k));
    expect(b.save()).toEqual(a.save());
    // Restored into a new simulation (at 0), what was ahead of the old clock is ahead of the new one.
    const c = new Hdd(new Simulation(), spec);
    expect(() => c.restore(saved)).not.toThrow();
  });

  it("HDD: a fraction of a ns the controller is still busy at a save (a fractional command overhead) is kept: the continuation is identical", () => {
    // A flush completes at its processed time rounded to the nearest ns: 1000.3 → 1000, the controller busy
    // until 1000.3. Restored without that, the next flush completed 1 ns before the original's.
    const spec = { ...CHEETAH_15K5, commandOverheadNs: 1000.3 };
    const flush = (sim: Simulation, hdd: Hdd) => {
      let at = -1;
      hdd.flush({ id: 1, vm: 0, lba: 0, sectors: 0, isRead: false, issueTime: sim.now }, { complete: () => (at = sim.now) });
      sim.run();
      return at;
    };
    const simA = new Simulation();
    const a = new Hdd(simA, spec);
    expect(flush(simA, a)).toBe(1000);
    const saved = JSON.parse(JSON.stringify(a.save()));
    const simB = new Simulation();
    simB.restore(simA.save());
    const b = new Hdd(simB, spec);
    b.restore(saved);
    for (let k = 0; k < 3; k++) expect(flush(simB, b)).toBe(flush(simA, a));
  });

  it("HDD: restored into a new simulation at another time (at the same platter angle), the continuation is the original's", () => {
    // The read-ahead's times were the saving simulation's, restored as they were: after 3 s of sequential reads the
    // stream's head was promised to sector ~730,000, and the restored drive's head read ahead until the old clock's 3 s.
    for (const randomPercent of [0, 100]) {
      const simA = new Simulation();
      const a = new Hdd(simA);
      runThenDrain(simA, a, { ioSizeBytes: 65536, readPercent: 100, randomPercent, outstandingIos: 2 }, 3e9, 1);
      const saved = JSON.parse(JSON.stringify(a.save()));
      const simB = new Simulation();
      // 15,000 rpm: a revolution is 4 ms; whole revolutions earlier, the platter is where it was.
      simB.run({ until: simA.now % 4e6 });
      const b = new Hdd(simB);
      b.restore(saved);
      const spec: Spec = { ioSizeBytes: 4096, readPercent: 100, randomPercent: 20, outstandingIos: 4 };
      const sa = runThenDrain(simA, a, spec, 5e7, 2);
      const sb = runThenDrain(simB, b, spec, 5e7, 2);
      expect(sb.completed).toBe(sa.completed);
      expect(sb.latencyUs.summary()).toEqual(sa.latencyUs.summary());
      // The same state, the stream's base time counted from the save (busyNs sums differences of times of another
      // size: equal to a rounding; cache.freeAt, when the head last left a stream, is this simulation's time, and read
      // only once the next stream stops).
      const { busyNs: busyA, ...restA } = a.save();
      const { busyNs: busyB, ...restB } = b.save();
      expect(restB.cache.freeAt).toBeCloseTo(restA.cache.freeAt - (simA.now - simB.now), 3);
      expect({ ...restB, cache: { ...restB.cache, freeAt: 0 } }).toEqual({ ...restA, cache: { ...restA.cache, freeAt: 0 } });
      expect(busyB).toBeCloseTo(busyA, 3);
    }
  });

  it("HDD: restored at a time that is not a whole number of revolutions after the save, the read-ahead stream is in step with the platter", () => {
    // The stream's base time counted from the save and the platter's angle from the clock: restored a quarter
    // revolution off, a read the stream served completed a quarter revolution later in the platter's turn than in a
    // drive restored in step (the head read sector 5,119 when the platter had it 1 ms away), where a media read of it
    // completes at one angle whenever it is restored.
    const simA = new Simulation();
    const a = new Hdd(simA);
    runThenDrain(simA, a, { ioSizeBytes: 65536, readPercent: 100, randomPercent: 0, outstandingIos: 2 }, 2e7, 1);
    const saved = JSON.parse(JSON.stringify(a.save()));
    const g = a.geometry;
    const rev = g.revolutionNs;
    // How far apart (ns, either way) two times are in the platter's turn.
    const apart = (t: number, u: number) => {
      const d = (((t - u) % rev) + rev) % rev;
      return Math.min(d, rev - d);
    };
    // When the platter has `lba`'s start under the head, in its turn.
    const angleNs = (lba: number) => g.angleOf(lba, g.zoneOf(lba)) * rev;
    const c = a.cache.save();
    expect(a.cache.streaming).toBe(true);
    expect(apart(c.raBaseTime, angleNs(c.raBaseLba))).toBeLessThan(1); // the model's stream is in step (to the clock's rounding)
    let lag = -1;
    for (const d of [0, 1_000_000, 1_500_000, 3_000_000, 3_999_999]) {
      const sim = new Simulation();
      sim.run({ until: (simA.now % rev) + 3 * rev + d });
      const b = new Hdd(sim);
      b.restore(saved);
      expect(b.save()).toEqual(saved);
      const r = b.cache.save();
      expect(apart(r.raBaseTime, angleNs(r.raBaseLba))).toBeLessThan(1);
      // 24 sectors the head reads ahead 200 sectors on: when they are read is the platter's business.
      const head = r.raBaseLba + Math.max(0, Math.floor((sim.now - r.raBaseTime) / r.raSectorNs));
      const lba = head + 200;
      expect(lba + 24).toBeLessThanOrEqual(r.raLimit);
      let at = -1;
      b.submit({ id: 1, vm: 0, lba, sectors: 24, isRead: true, issueTime: sim.now }, { complete: () => (at = sim.now) });
      sim.run();
      expect(b.cache.hits).toBe(r.hits + 1); // served by the stream
      // Its last sector read as the platter brings the next one's start under the head (then one sector crosses the interface).
      const late = (((at - angleNs(lba + 24)) % rev) + rev) % rev;
      if (lag < 0) lag = late;
      expect(apart(late, lag)).toBeLessThanOrEqual(1);
    }
    expect(lag).toBeLessThan(10_000);
  });

  it("HDD: a drive saved after 3 s of sequential reads, restored into a new simulation (at 0), serves a read in ms, not after 3 s", () => {
    const simA = new Simulation();
    const a = new Hdd(simA);
    runThenDrain(simA, a, { ioSizeBytes: 65536, readPercent: 100, randomPercent: 0, outstandingIos: 2 }, 3e9, 1);
    const saved = JSON.parse(JSON.stringify(a.save()));
    expect(saved.cache.ra).toBeGreaterThanOrEqual(0);
    const sim = new Simulation();
    const b = new Hdd(sim);
    b.restore(saved);
    // The cache's times count from the save's revolution: restored at 0 and saved again, the state is the same.
    expect(b.save()).toEqual(saved);
    let at = -1;
    b.submit({ id: 1, vm: 0, lba: saved.cache.raBaseLba, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => (at = sim.now) });
    sim.run();
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(2e7); // it waited 3.0 s
    // A state saved before they counted from the save's revolution restores with the cache's times as they are.
    const { cacheTimesFromRevolution: _, ...older } = saved;
    const c = new Hdd(new Simulation());
    c.restore({ ...older, cache: { ...older.cache, raBaseTime: 5e6 } });
    expect(c.cache.save().raBaseTime).toBe(5e6);
  });

  it("HDD: a read-ahead restarted at a fraction of a ns, restored at its save time, is exactly where it was", () => {
    // A stream the head restarts after a pause has its base at a fraction of a ns; its time from the save, in one
    // number, rounded (3 s in, to 2^-21 ns), and the restored stream was not the saved one.
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    let fractional = 0;
    for (let k = 0; k < 20; k++) {
      const spec: Spec = {
        ioSizeBytes: 4096 * (1 + ((3 * k) % 16)),
        readPercent: 100,
        randomPercent: 0,
        outstandingIos: 1,
        burstLength: 1 + (k % 3),
        transferDelayNs: 1e5 * ((3 + k) % 60),
        startSector: 3000,
      };
      runThenDrain(sim, hdd, spec, 3e6 + k * 1e6, 300 + k);
      const before = hdd.cache.save();
      if (!Number.isInteger(before.raBaseTime)) fractional++;
      hdd.restore(JSON.parse(JSON.stringify(hdd.save())));
      expect(hdd.cache.save()).toEqual(before);
    }
    expect(fractional).toBeGreaterThan(0);
  });

  it("HDD: a state from a drive with its write cache set up otherwise is refused saying how to build the drive, changing nothing", () => {
    // It said only "expected 8 segments" (a write cache takes whole segments of the drive's cache).
    const plain = JSON.parse(JSON.stringify(new Hdd(new Simulation()).save()));
    const wce = new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true });
    const before = wce.save();
    expectBadState(() => wce.restore(plain));
    expect(() => wce.restore(plain)).toThrow(
      /read cache has 16 of the drive's 16 cache segments, this one expected 8 segments \(its 16384-sector write cache takes the others\); build it with its write cache off \(writeCache: false\); a write-cached drive's state saved by an older vmlab/,
    );
    expect(wce.save()).toEqual(before);
    const saved = JSON.parse(JSON.stringify(wce.save()));
    const off = new Hdd(new Simulation());
    expect(() => off.restore(saved)).toThrow(
      /read cache has 8 of the drive's 16 cache segments, this one expected 16 segments \(its write cache is off\); build it with writeCache: true and writeCacheSectors: 16384 \(leaving 8 segments\)/,
    );
    // Built as the messages say, each restores.
    new Hdd(new Simulation()).restore(plain);
    new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 16384 }).restore(saved);
  });

  it('HDD: a refused state whose read cache kept one segment says "1 segment"', () => {
    const one = new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true, writeCacheSectors: 15 * 2048 });
    const saved = JSON.parse(JSON.stringify(one.save()));
    expect(() => new Hdd(new Simulation()).restore(saved)).toThrow(/writeCacheSectors: 30720 \(leaving 1 segment\)/);
    expect(() => one.restore(JSON.parse(JSON.stringify(new Hdd(new Simulation()).save())))).toThrow(
      /this one expected 1 segment \(its 30720-sector write cache/,
    );
  });

  it("HDD with its write cache on: restored elsewhere, the continuation is identical and the write-cache counters go on", () => {
    // With readsFromBuffer left out of the restore, every test still passed.
    const opts = { writeCache: true };
    const simA = new Simulation();
    const a = new Hdd(simA, CHEETAH_15K5, "hdd", opts);
    const mixed: Spec = { ioSizeBytes: 4096, readPercent: 50, randomPercent: 100, outstandingIos: 4, regionSectors: 256 };
    runThenDrain(simA, a, mixed, 3e7, 6);
    simA.run(); // the buffer written back: a disk saves only then
    const saved = JSON.parse(JSON.stringify(a.save()));
    expect([saved.writesBuffered, saved.readsFromBuffer]).toEqual([a.writesBuffered, a.readsFromBuffer]);
    expect(a.readsFromBuffer).toBeGreaterThan(0);
    const simB = new Simulation();
    simB.restore(simA.save());
    const b = new Hdd(simB, CHEETAH_15K5, "hdd", opts);
    b.restore(saved);
    expect(b.save()).toEqual(saved);
    const sa = runThenDrain(simA, a, mixed, 3e7, 7);
    const sb = runThenDrain(simB, b, mixed, 3e7, 7);
    expect(sb.latencyUs.summary()).toEqual(sa.latencyUs.summary());
    expect([b.writesBuffered, b.readsFromBuffer, b.completed]).toEqual([a.writesBuffered, a.readsFromBuffer, a.completed]);
    expect(b.save()).toEqual(a.save());
  });

  it("HDD: refuses to save with commands in flight, and rejects another drive's state", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4 });
    w.start({ sim, target: hdd, rng: new RngStreams(1).get("w"), vm: 0 });
    sim.run({ until: 1e7 });
    expectBadState(() => hdd.save(), "VMLAB_STORAGE_NOT_QUIESCENT");
    w.stop();
    sim.run();
    const s = hdd.save();
    expectBadState(() => new Hdd(new Simulation()).restore({ ...s, model: "some other drive" }));
    expectBadState(() => new Hdd(new Simulation()).restore({ ...s, headCylinder: 10_000_000 }));
    expectBadState(() => new Hdd(new Simulation()).restore({ ...s, cache: { ...s.cache, segStart: [1] } }));
  });

  it("HDD: a read-ahead stream the drive cannot run is refused, changing nothing (a read then waited an hour for it, or the next IO threw)", () => {
    const simA = new Simulation();
    const a = new Hdd(simA);
    runThenDrain(simA, a, { ioSizeBytes: 65536, readPercent: 100, randomPercent: 0, outstandingIos: 2 }, 2e7, 1);
    const s = JSON.parse(JSON.stringify(a.save()));
    expect(s.cache.ra).toBeGreaterThanOrEqual(0); // a sequential read leaves a stream running
    const bad = [
      { raSectorNs: 1e9 }, // not this drive's zone rate: a read hit waited ~4000 s
      { raSectorNs: 0 },
      { raLimit: 1e12, raBound: 1e12 }, // past the disk
      { raBaseLba: 1e12 },
      { raPromised: s.cache.raLimit + 1 },
      { raBaseTime: 1e300 }, // the next IO threw VMLAB_SIM_BAD_DELAY from the queue
      { segEnd: s.cache.segEnd.map(() => a.capacitySectors + 1) },
      { raBaseLba: s.cache.raBaseLba + 0.5 },
      // A segment other than the stream's ending past the disk.
      { segEnd: s.cache.segEnd.map((e: number, i: number) => (i === s.cache.ra ? e : a.capacitySectors + 1)) },
      // A stream that follows no read (it would start after sector 0).
      {
        raBaseLba: 0,
        raPromised: 0,
        segStart: s.cache.segStart.map((e: number, i: number) => (i === s.cache.ra ? 0 : e)),
        segEnd: s.cache.segEnd.map((e: number, i: number) => (i === s.cache.ra ? 0 : e)),
      },
    ];
    for (const e of bad) {
      const simB = new Simulation();
      simB.restore(simA.save());
      const b = new Hdd(simB);
      const before = b.save();
      expectBadState(() => b.restore({ ...s, cache: { ...s.cache, ...e } }));
      expect(b.save()).toEqual(before);
    }
    const simC = new Simulation();
    simC.restore(simA.save());
    const c = new Hdd(simC);
    c.restore(s);
    const st = runThenDrain(simC, c, { ioSizeBytes: 4096, readPercent: 70, randomPercent: 50, outstandingIos: 4 }, 2e7, 2);
    expect(st.latencyUs.summary().max).toBeLessThan(1e5);
  });

  it("HDD: a read-ahead stream named in another segment than its own is refused (stopping it ended that segment before its start, and the disk's next save was refused)", () => {
    const simA = new Simulation();
    const a = new Hdd(simA);
    // Random reads fill several segments; the last one's stream is running.
    runThenDrain(simA, a, { ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 1 }, 2e7, 1);
    const s = JSON.parse(JSON.stringify(a.save()));
    const ra = s.cache.ra;
    expect(ra).toBeGreaterThanOrEqual(0);
    const other = s.cache.segEnd.findIndex((end: number, i: number) => i !== ra && end > 0);
    expect(other).toBeGreaterThanOrEqual(0);
    const simB = new Simulation();
    simB.restore(simA.save());
    const b = new Hdd(simB);
    const before = b.save();
    expectBadState(() => b.restore({ ...s, cache: { ...s.cache, ra: other } }));
    expect(b.save()).toEqual(before);
    // What it led to: sequential writes stop the stream; the state saved then must restore.
    b.restore(s);
    runThenDrain(simB, b, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 0, outstandingIos: 1 }, 2e7, 2);
    new Hdd(new Simulation()).restore(JSON.parse(JSON.stringify(b.save())));
  });
});
