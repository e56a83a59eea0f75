/**
 * The RAID model check of docs/esx-disk-perf.md ("Model checks"): random 4 KiB IO, QD 16, on a group
 * of four Cheetah 15K.5 drives. raid.test.ts asserts on what it returns and scripts/doc-tables.ts
 * renders the doc's table from it (through ../model-checks.ts). Test support, not in the package's index.
 */
import { RngStreams, Simulation } from "@vmlab/core-vm";
import { Hdd } from "../devices/hdd.js";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { RaidGroup, type RaidLevel } from "./raid.js";

/** Random 4 KiB-aligned IOs (all writes, or all reads with `readPercent` 100), 16 outstanding, for 2 s after 200 ms, on 4 drives with 64 KiB chunks. */
export function raidRandomIops(level: RaidLevel, readPercent = 0) {
  const sim = new Simulation();
  const disks = Array.from({ length: 4 }, (_, i) => new Hdd(sim, undefined, `d${i}`));
  const raid = new RaidGroup(sim, disks, { level, chunkSectors: 128 });
  // Aligned, so each IO is one chunk's: the small-write penalty's four member IOs, not a write split over two chunks.
  const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent, randomPercent: 100, outstandingIos: 16, alignmentBytes: 4096 });
  w.start({ sim, target: raid, rng: new RngStreams(3).get("w"), vm: 0 });
  runMeasured(sim, [w], 2e8, 2e9);
  return { iops: w.stats.iops(sim.now), raid };
}

/** The levels the doc's table compares. */
export const RAID_LEVELS_CHECKED: readonly RaidLevel[] = [0, 5, 10];
