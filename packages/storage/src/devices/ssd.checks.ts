/**
 * The SSD write-cliff check of docs/esx-disk-perf.md ("Model checks"). ssd.test.ts asserts on what
 * it returns and scripts/doc-tables.ts renders the doc's table from it (through ../model-checks.ts).
 * Test support, not in the package's index.
 */
import { RngStreams, Simulation } from "@vmlab/core-vm";
import { IometerWorkload } from "../workload/iometer.js";
import { Ssd } from "./ssd.js";
import { SMALL_SSD } from "./ssd-spec.js";

/** The drive's counters when the host had written a number of capacities. */
export interface SsdPoint {
  t: number;
  done: number;
  host: number;
  gc: number;
  erases: number;
}

/**
 * Random 4 KiB writes at QD 32 on a fresh SMALL_SSD: IOPS per 500 ms window for 30 s (`iops`), the
 * write amplification over 20–30 s (`lateWa`), then the counters when the host had written 8, 9, 10,
 * 11 and 12 capacities (`a`…`e`).
 */
export function ssdWriteCliff() {
  const sim = new Simulation();
  const ssd = new Ssd(sim, SMALL_SSD);
  // 4 KiB-aligned, as SSDs are benchmarked: each write one flash page.
  const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 32, alignmentBytes: 4096 });
  w.start({ sim, target: ssd, rng: new RngStreams(1).get("w"), vm: 0 });
  const windowNs = 500_000_000;
  const iops: number[] = [];
  let done = 0;
  let host40 = 0;
  let gc40 = 0;
  for (let i = 0; i < 60; i++) {
    if (i === 40) {
      host40 = ssd.ftl.hostWrites;
      gc40 = ssd.ftl.gcCopies;
    }
    sim.run({ until: sim.now + windowNs });
    iops.push((w.stats.completed - done) / (windowNs / 1e9));
    done = w.stats.completed;
  }
  const fresh = iops[0];
  const late = iops.slice(-10).reduce((a, b) => a + b, 0) / 10;
  // Write amplification over 20–30 s: pages programmed per host page.
  const lateWa = (ssd.ftl.hostWrites - host40 + ssd.ftl.gcCopies - gc40) / (ssd.ftl.hostWrites - host40);
  const at30s = { writeAmplification: ssd.writeAmplification, erases: ssd.ftl.erases, hostWrites: ssd.ftl.hostWrites };
  const u = ssd.ftl.logicalPages;
  const over = (capacities: number): SsdPoint => {
    while (ssd.ftl.hostWrites < capacities * u) sim.run({ until: sim.now + 1e8 });
    return { t: sim.now, done: w.stats.completed, host: ssd.ftl.hostWrites, gc: ssd.ftl.gcCopies, erases: ssd.ftl.erases };
  };
  const a = over(8);
  const b = over(9);
  const c = over(10);
  const d = over(11);
  const e = over(12);
  w.stop();
  const waOf = (p: SsdPoint, q: SsdPoint) => (q.host - p.host + q.gc - p.gc) / (q.host - p.host);
  const iopsOf = (p: SsdPoint, q: SsdPoint) => (q.done - p.done) / ((q.t - p.t) / 1e9);
  // Each host page costs its die tPROG plus its share of the copies (tR + tPROG each) and erases: 8 dies
  // busy all the time would run at 8 over that time.
  const s = SMALL_SSD;
  const dieNsPerHostPage =
    ((c.host - b.host) * s.pageProgramNs + (c.gc - b.gc) * (s.pageReadNs + s.pageProgramNs) + (c.erases - b.erases) * s.blockEraseNs) /
    (c.host - b.host);
  return {
    logicalPages: u,
    iops,
    fresh,
    late,
    lateWa,
    at30s,
    points: { a, b, c, d, e },
    waOf,
    iopsOf,
    steadyWa: waOf(b, c),
    steady: iopsOf(b, c),
    dieBound: 8e9 / dieNsPerHostPage,
  };
}
