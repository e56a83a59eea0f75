/**
 * The HDD model checks of docs/esx-disk-perf.md ("Model checks"): each function is one check's
 * set-up and measurement. hdd.test.ts asserts on what they return and scripts/doc-tables.ts renders
 * the doc's table from the same functions (through ../model-checks.ts). Test support, not in the
 * package's index.
 */
import { RngStreams, Simulation } from "@vmlab/core-vm";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import type { SeekCurve } from "./seek-curve.js";

export type IometerSpec = ConstructorParameters<typeof IometerWorkload>[0];

/** One Iometer worker on one Cheetah 15K.5 (or `hddSpec`) for `durationNs` after a 200 ms warm-up. */
export function measureHdd(spec: IometerSpec, durationNs: number, seed = 1, hddSpec = CHEETAH_15K5) {
  const sim = new Simulation();
  const hdd = new Hdd(sim, hddSpec);
  const w = new IometerWorkload(spec);
  w.start({ sim, target: hdd, rng: new RngStreams(seed).get("w"), vm: 0 });
  runMeasured(sim, [w], 200_000_000, durationNs);
  return { iops: w.stats.iops(sim.now), mbps: w.stats.mbPerSec(sim.now), latency: w.stats.latencyUs, hdd };
}

/** Random 4 KiB reads (4 KiB-aligned, as drives are benchmarked) at QD 1 for 3 s: the mean service time, and the spec's seek + latency + transfer. */
export function hddServiceTime() {
  const r = measureHdd({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 1, alignmentBytes: 4096 }, 3e9);
  // 3.5 ms + 2.0 ms (half a revolution at 15,000 RPM) + 4 KiB at the ~99 MB/s mid-disk rate.
  const specMs = 3.5 + 2.0 + (4096 / 99e6) * 1e3;
  return { meanMs: r.latency.mean / 1000, specMs };
}

/** Sequential 64 KiB reads at QD 1 for 1 s from the start of the disk (outer zone) and 4,000,000 sectors before its end (inner). */
export function hddSequential() {
  const outer = measureHdd({ ioSizeBytes: 65536, readPercent: 100, randomPercent: 0, outstandingIos: 1 }, 1e9);
  const innerStart = CHEETAH_15K5.capacitySectors - 4_000_000;
  const inner = measureHdd({ ioSizeBytes: 65536, readPercent: 100, randomPercent: 0, outstandingIos: 1, startSector: innerStart }, 1e9);
  return { outer, inner };
}

/** Random 4 KiB read IOPS (4 KiB-aligned) for 3 s at each queue depth. */
export function hddQdScaling(depths: readonly number[]): number[] {
  return depths.map(
    (qd) => measureHdd({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: qd, alignmentBytes: 4096 }, 3e9).iops,
  );
}

/** The read seek curve a Cheetah 15K.5 fits to its figures over its cylinders (94,704). */
export function cheetahSeekCurve(): { curve: SeekCurve; cylinders: number } {
  const hdd = new Hdd(new Simulation(), CHEETAH_15K5);
  return { curve: hdd.readSeek, cylinders: hdd.geometry.cylinders };
}
