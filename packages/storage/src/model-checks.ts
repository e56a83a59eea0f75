/**
 * The storage models' checks that docs/esx-disk-perf.md's "Model checks" table shows, measured by the
 * same functions the unit tests assert on (devices/hdd.checks.ts, array/raid.checks.ts,
 * devices/ssd.checks.ts, devices/ftl.checks.ts), as a results.json-like object: scripts/doc-tables.ts
 * renders the table from it (`<!-- doc-table: model-checks`, CONTRIBUTING.md). Not in the package's index.
 * About 2 s: the SSD write cliff (~1 s) and the FTL's write amplification (~0.4 s) dominate.
 */
import { RAID_LEVELS_CHECKED, raidRandomIops } from "./array/raid.checks.js";
import { ftlWriteAmplification } from "./devices/ftl.checks.js";
import { cheetahSeekCurve, hddQdScaling, hddSequential, hddServiceTime } from "./devices/hdd.checks.js";
import { ssdWriteCliff } from "./devices/ssd.checks.js";

type Value = string | number | boolean | null;

export interface ModelCheckResults {
  metrics: Record<string, Value>;
  tables: { name: string; rows: Record<string, Value>[] }[];
}

export function storageModelChecks(): ModelCheckResults {
  const service = hddServiceTime();
  const seq = hddSequential();
  const depths = [1, 4, 16, 32, 64];
  const qd = hddQdScaling(depths);
  const { curve, cylinders } = cheetahSeekCurve();
  const raid = RAID_LEVELS_CHECKED.map((level) => ({
    level,
    write_iops: raidRandomIops(level).iops,
    read_iops: raidRandomIops(level, 100).iops,
  }));
  const ssd = ssdWriteCliff();
  const ftl = ftlWriteAmplification([0.1, 0.15, 0.2, 0.3]);
  return {
    metrics: {
      "hdd.service_ms": service.meanMs,
      "hdd.service_spec_ms": service.specMs,
      "hdd.seq_outer_mbps": seq.outer.mbps,
      "hdd.seq_inner_mbps": seq.inner.mbps,
      "seek.track_to_track_ms": curve.timeNs(1) / 1e6,
      "seek.full_stroke_ms": curve.timeNs(cylinders - 1) / 1e6,
      "seek.average_ms": curve.averageMs(),
      "ssd.fresh_iops": ssd.fresh,
      "ssd.late_iops": ssd.late,
      "ssd.late_wa": ssd.lateWa,
      "ssd.capacities_at_30s": ssd.at30s.hostWrites / ssd.logicalPages,
      "ssd.steady_iops": ssd.steady,
      "ssd.steady_wa": ssd.steadyWa,
      "ssd.die_bound_iops": ssd.dieBound,
    },
    tables: [
      { name: "hdd-qd", rows: depths.map((d, i) => ({ qd: d, iops: qd[i] })) },
      { name: "raid", rows: raid },
      { name: "ftl-wa", rows: ftl.map((r) => ({ op: r.op, measured: r.measured, limit: r.limit })) },
    ],
  };
}
