import { RngStreams, Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { expect } from "vitest";
import type { IoRequest } from "../io.js";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { Hdd, type HddOptions } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";

/** Drives, IOs and checks for the tests of the HDD write cache. */
/** An Iometer access specification. */
export type Spec = ConstructorParameters<typeof IometerWorkload>[0];

/** Iometer `spec` against a Cheetah 15K.5 with `options`: IOPS, MB/s and mean latency after 200 ms of warm-up. */
export function measure(spec: Spec, options: HddOptions, durationNs = 1e9) {
  const sim = new Simulation();
  const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", options);
  const w = new IometerWorkload(spec);
  w.start({ sim, target: hdd, rng: new RngStreams(1).get("w"), vm: 0 });
  runMeasured(sim, [w], 200_000_000, durationNs);
  return { iops: w.stats.iops(sim.now), mbps: w.stats.mbPerSec(sim.now), latencyUs: w.stats.latencyUs.mean, hdd };
}

/** ns the Cheetah 15K.5's interface (`busMBps`) needs for `sectors` sectors. */
export const busNs = (sectors: number) => ((sectors * 512) / (CHEETAH_15K5.busMBps * 1e6)) * 1e9;

/** An IO issued at 0. */
export const io = (id: number, lba: number, sectors: number, isRead: boolean): IoRequest => ({
  id,
  vm: 0,
  lba,
  sectors,
  isRead,
  issueTime: 0,
});

/** A drive with its write cache on that buffered a write and served a read of it from the buffer (both completed). */
export function wroteAndReadBack() {
  const sim = new Simulation();
  const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
  const sink = { complete: () => {} };
  hdd.submit(io(0, 5_000_000, 8, false), sink);
  hdd.submit(io(1, 5_000_000, 8, true), sink); // from the buffer
  sim.run();
  return { sim, hdd, sink };
}

/** A sink that records when each command completed, and how many media writes `hdd` had ended when command `watched` did. */
export function completions(sim: Simulation, hdd: Hdd, watched: number) {
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
export function expectRefused(make: () => Hdd, bad: unknown, message: RegExp) {
  const drive = make();
  const before = drive.save();
  expect(thrownCode(() => drive.restore(bad))).toBe("VMLAB_STORAGE_BAD_STATE");
  expect(() => drive.restore(bad)).toThrow(message);
  expect(drive.save()).toEqual(before);
}
