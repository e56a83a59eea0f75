import { Simulation } from "@vmlab/core-vm";
import type { IoRequest, IoSink } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { runCluster } from "../cluster/cluster.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "../cluster/config.js";
import { FC_10K_DISK, SptfDisk, type SptfDiskSpec } from "./sptf-disk.js";

describe("SptfDisk's spec", () => {
  it("refuses every field out of range, naming it (zero sectors per track, a negative overhead or a full stroke faster than one track ran with Infinity or negative times)", () => {
    const bad: [Partial<SptfDiskSpec>, RegExp][] = [
      [{ sectorsPerTrack: 0 }, /disk\.sectorsPerTrack: must be a finite number > 0/],
      [{ trackToTrackMs: -1 }, /disk\.trackToTrackMs: must be a finite number >= 0/],
      [{ commandOverheadMs: Number.NaN }, /disk\.commandOverheadMs/],
      [{ fullStrokeMs: 0.1 }, /disk\.fullStrokeMs: must be >= trackToTrackMs/],
      [{ capacitySectors: 1e6 + 0.5 }, /disk\.capacitySectors: must be an integer/],
      [{ sortWindow: 0 }, /disk\.sortWindow: must be an integer >= 1/],
      [{ maxCommandAgeMs: -1 }, /disk\.maxCommandAgeMs: must be a number of ms >= 0/],
      [{ maxCommandAgeMs: Number.NaN }, /disk\.maxCommandAgeMs/],
      // JSON has no Infinity: null (what it writes for one) is not "no bound" but refused (null >= 0 holds in JS, and
      // a bound of null × 1e6 = 0 ns served every command in arrival order).
      [{ maxCommandAgeMs: null as unknown as number }, /disk\.maxCommandAgeMs: must be a number of ms >= 0/],
      // A cylinder smaller than a track: a track's sectors lay on several cylinders, each a seek away from the last.
      [
        { cylinders: 1_000_000 },
        /disk\.cylinders: must be <= capacitySectors \/ sectorsPerTrack \(286749\): a cylinder holds at least one track, got 1000000/,
      ],
      [{ capacitySectors: 40_000 }, /disk\.cylinders: must be <= capacitySectors \/ sectorsPerTrack \(40\)/],
    ];
    for (const [edit, message] of bad) expect(() => new SptfDisk(new Simulation(), { ...FC_10K_DISK, ...edit })).toThrow(message);
  });

  it("names the field as a cluster spec writes it", () => {
    const spec: ClusterSpec = {
      hosts: [{ vms: [microVm({ share: 1 })], control: "none", scheduler: "sfq", fixedDepth: 32 }],
      placement: "interleaved",
      control: { ...PARDA_CONTROL },
      array: { model: "qos", disks: 4, disk: { ...FC_10K_DISK, rpm: 0 }, stripeUnitSectors: 128, cacheHitMs: 0.5 },
      events: [],
      durationS: 1,
      sampleS: 1,
      seed: 1,
    };
    expect(() => runCluster(spec)).toThrow(/array\.disk\.rpm: must be a finite number > 0/);
  });
});

/** One disk in its own simulation; `read(id, lba, sectors)` submits a read now, and `done` lists completions in order. */
function oneDisk(spec: Partial<SptfDiskSpec> = {}) {
  const sim = new Simulation();
  const disk = new SptfDisk(sim, { ...FC_10K_DISK, ...spec });
  const done: { id: number; t: number }[] = [];
  const sink: IoSink = { complete: (r) => done.push({ id: r.id, t: sim.now }) };
  const read = (id: number, lba: number, sectors = 32) => {
    const r: IoRequest = { id, vm: 0, lba, sectors, isRead: true, issueTime: sim.now };
    disk.submit(r, sink);
  };
  return { sim, disk, done, read };
}

describe("SptfDisk's service", () => {
  const lastCylinderLba = FC_10K_DISK.capacitySectors - 64;
  const msNs = 1e6;

  it("seeks on the √-distance curve t(d) = t1 + (tfull − t1)·√(d/C)", () => {
    const { disk } = oneDisk();
    const C = FC_10K_DISK.cylinders;
    expect(disk.seekNs(0)).toBe(0);
    expect(disk.seekNs(C)).toBeCloseTo(7.5 * msNs, 6);
    expect(disk.seekNs(C / 4)).toBeCloseTo((0.3 + 7.2 * 0.5) * msNs, 6);
  });

  it("a command takes the controller overhead, then the seek, then the wait for its sector from the angle when the seek ends, then the transfer", () => {
    // 10K RPM: a 6 ms revolution, 1000 sectors per track, 6 µs a sector; the head starts on cylinder 0 at angle 0.
    // The platter turns during the 0.75 ms overhead: sector 125 (angle 1/8) is under the head just as it ends,
    // while sector 0 has just passed and needs 7/8 of a revolution.
    const at = (lba: number) => {
      const { sim, done, read } = oneDisk();
      read(1, lba);
      sim.run();
      return done[0].t;
    };
    expect(at(125)).toBeCloseTo((0.75 + 0 + 0.192) * msNs, 3);
    expect(at(0)).toBeCloseTo((0.75 + 5.25 + 0.192) * msNs, 3);
  });

  it("turns at the rpm it is given, slow or fast: the revolution was cut to a 32-bit integer, so below 28 RPM it came out wrong or negative", () => {
    // Sector 0 has just passed when the 0.75 ms overhead ends: it waits the rest of a revolution, then 32 sector times.
    // At 10 RPM that read completed after 1.76 s instead of 6.19 s; at 20 RPM the negative revolution scheduled an
    // event in the past (a core error naming no disk field).
    for (const rpm of [10, 20, 10_000]) {
      const { sim, done, read } = oneDisk({ rpm });
      read(1, 0);
      sim.run();
      const revNs = 60e9 / rpm;
      expect(done[0].t).toBeCloseTo(revNs + (32 * revNs) / FC_10K_DISK.sectorsPerTrack, -1);
    }
  });

  it("charges the media transfer: 224 more sectors at the same place take 224 sector times more", () => {
    const small = oneDisk();
    small.read(1, 0, 32);
    small.sim.run();
    const large = oneDisk();
    large.read(1, 0, 256);
    large.sim.run();
    const sectorNs = 60e9 / FC_10K_DISK.rpm / FC_10K_DISK.sectorsPerTrack;
    expect(large.done[0].t - small.done[0].t).toBeCloseTo(224 * sectorNs, 3);
  });

  it("leaves the head where the last IO ended: a second IO on the far cylinder needs no seek", () => {
    const { sim, done, read } = oneDisk();
    read(1, lastCylinderLba);
    sim.run();
    read(2, lastCylinderLba - 64);
    sim.run();
    // No seek: overhead + at most one revolution + transfer, below the overhead plus a full-stroke seek alone.
    expect(done[1].t - done[0].t).toBeLessThanOrEqual((0.75 + 6) * msNs + 32 * 6000);
  });

  it("reorders only among the oldest sortWindow queued commands: with a window of 1 it is FIFO", () => {
    // A at cylinder 0 keeps the disk busy while B (far cylinder) and C (cylinder 0) queue. SPTF takes C first
    // (no seek, less than a revolution) over B (a near full-stroke seek); a window of 1 must keep arrival order.
    const order = (sortWindow: number) => {
      const { sim, done, read } = oneDisk({ sortWindow });
      read(1, 0);
      read(2, lastCylinderLba);
      read(3, 512);
      sim.run();
      return done.map((d) => d.id);
    };
    expect(order(8)).toEqual([1, 3, 2]);
    expect(order(1)).toEqual([1, 2, 3]);
  });

  it("serves a command that has waited maxCommandAgeMs next, however far: SPTF alone passed over a far read for as long as near ones kept coming", () => {
    // Three reads on cylinder 0 keep the queue busy (each completion brings another at a new angle) for 2 s; a read on
    // the last cylinder needs a full-stroke seek, longer than any near read's wait, so SPTF never picked it until the
    // stream stopped. A drive ages its queued commands; this one serves the oldest once it has waited the bound.
    const farDoneNs = (maxCommandAgeMs: number) => {
      const sim = new Simulation();
      const disk = new SptfDisk(sim, { ...FC_10K_DISK, maxCommandAgeMs });
      let farNs = -1;
      let k = 0;
      const sink: IoSink = {
        complete: (r) => {
          if (r.id === 0) farNs = sim.now;
          else if (sim.now < 2000 * msNs) near();
        },
      };
      const read = (id: number, lba: number) => disk.submit({ id, vm: 0, lba, sectors: 32, isRead: true, issueTime: sim.now }, sink);
      const near = () => read(++k, ((k * 389) % 170) * 32);
      near();
      near();
      near();
      read(0, lastCylinderLba);
      sim.run();
      return farNs;
    };
    expect(FC_10K_DISK.maxCommandAgeMs).toBe(500);
    const far = farDoneNs(FC_10K_DISK.maxCommandAgeMs);
    expect(far).toBeGreaterThanOrEqual(500 * msNs);
    // Taken by the first dispatch after the bound passes: at most one near read's service (overhead, < one
    // revolution, transfer) and then its own (overhead, full-stroke seek, < one revolution, transfer).
    expect(far).toBeLessThanOrEqual((500 + 2 * (0.75 + 6 + 0.2) + 7.5) * msNs);
    // Infinity turns the bound off: the far read waits for the stream to end.
    expect(farDoneNs(Number.POSITIVE_INFINITY)).toBeGreaterThan(2000 * msNs);
  });

  it("ages a command from when it enters the sort window, not from its arrival: a deep queue stays SPTF, not first come first served", () => {
    // 400 random reads queued at once: each waits long behind the window of 8 (the array's queue, not the drive's).
    // Aged from arrival, every head command was past 500 ms after the first 500 ms and the rest went one by one, FCFS.
    const drainNs = (maxCommandAgeMs: number, sortWindow = FC_10K_DISK.sortWindow) => {
      const sim = new Simulation();
      const disk = new SptfDisk(sim, { ...FC_10K_DISK, maxCommandAgeMs, sortWindow });
      let done = 0;
      const sink: IoSink = { complete: () => void done++ };
      for (let id = 0; id < 400; id++) {
        // Scattered over the disk (a multiplicative hash): no stride FCFS could ride.
        const lba = ((Math.imul(id + 1, 0x9e3779b1) >>> 0) % Math.floor(FC_10K_DISK.capacitySectors / 32)) * 32;
        disk.submit({ id, vm: 0, lba, sectors: 32, isRead: true, issueTime: 0 }, sink);
      }
      sim.run();
      expect(done).toBe(400);
      return sim.now;
    };
    const unbounded = drainNs(Number.POSITIVE_INFINITY);
    const fcfs = drainNs(Number.POSITIVE_INFINITY, 1);
    expect(fcfs / unbounded).toBeGreaterThan(1.25); // the window's choice is worth this much here
    expect(drainNs(FC_10K_DISK.maxCommandAgeMs) / unbounded).toBeLessThan(1.05);
  });
});
