import { Rng, Simulation } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import type { IoSink } from "../iostack/target.js";
import { buildTestbed } from "../scenarios/esx-disk-perf-testbed.js";
import { ArrayDataOracle } from "./data-versions.test-support.js";
import { RaidGroup } from "./raid.js";
import { StorageArray } from "./storage-array.js";
import { reorderingMember } from "./storage-array.test-support.js";

/**
 * Data versions through the array controller: its cache (write-back and write-through), destage, read fills and
 * write ordering over disks that reorder what they hold. These are the oracles of two audits made permanent; each
 * found a defect none of the example tests had: overlapping write-throughs landing out of the order the cache took
 * them (a clean cached copy then differed from the disks), and a dirty page a held write-through turned clean being
 * evicted before that write landed (a read after a completed write returned older data; a flush found it nowhere).
 */

/** How long a member takes per command: shapes under which the disks land newer commands before older ones. */
const LATENCIES: Record<string, (req: IoRequest) => number> = {
  // Small commands slow, large ones quick: a large write-through overtakes a small destage.
  smallSlow: (req) => (req.sectors <= 16 ? 5_000_000 : 1_000_000),
  // Proportional to size: a small destage overtakes a large write-through.
  bySize: (req) => 50_000 + req.sectors * 20_000,
  // Reads quick, writes slow: reads see the disks long before the writes land.
  slowWrites: (req) => (req.isRead ? 10_000 : 20_000_000),
  // Reads slow: writes land under reads out.
  slowReads: (req) => (req.isRead ? 3_000_000 + req.sectors * 50_000 : 400_000),
};

/** Sectors the host uses: a few times the cache, so writes overlap and pages are evicted and read again. */
const REGION = 512;

const configArb = fc.record({
  level: fc.constantFrom(0, 1, 5),
  members: fc.integer({ min: 1, max: 4 }),
  chunkSectors: fc.constantFrom(16, 64),
  pageSectors: fc.constantFrom(8, 16),
  cachePages: fc.integer({ min: 4, max: 24 }),
  writeBack: fc.constantFrom(true, true, false),
  destageOutstanding: fc.integer({ min: 1, max: 4 }),
  // Destage as soon as a page is dirty, or between the default watermarks.
  eager: fc.boolean(),
  latency: fc.constantFrom(...Object.keys(LATENCIES)),
});

type Config = typeof configArb extends fc.Arbitrary<infer C> ? C : never;

const opArb = fc.record({
  // "big": more pages than the whole cache (a write goes through to the disks; a read's fill evicts every clean
  // page); "again": a read of the sectors of the command `back` before (data just written, or just read in).
  kind: fc.constantFrom("read", "write", "write", "big", "bigRead", "again", "again"),
  back: fc.integer({ min: 1, max: 4 }),
  lba: fc.integer({ min: 0, max: REGION - 1 }),
  sectors: fc.integer({ min: 1, max: 40 }),
  extra: fc.integer({ min: 1, max: 64 }),
  // At once (commands out together), a little later, or after an idle gap in which destage runs.
  gapNs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500_000 }), fc.integer({ min: 5_000_000, max: 40_000_000 })),
});

type Op = typeof opArb extends fc.Arbitrary<infer O> ? O : never;

/** Runs `ops` against an array built from `c` under the oracle; returns what went wrong. */
function runOps(c: Config, ops: Op[]): string[] {
  const sim = new Simulation();
  const members = c.level === 5 ? Math.max(3, c.members) : c.level === 1 ? Math.max(2, c.members) : c.members;
  const disks = Array.from({ length: members }, () => reorderingMember(sim, [], LATENCIES[c.latency], () => null));
  const raid = new RaidGroup(sim, disks, { level: c.level as 0 | 1 | 5, chunkSectors: c.chunkSectors });
  const array = new StorageArray(sim, raid, {
    cacheBytes: c.cachePages * c.pageSectors * 512,
    cachePageSectors: c.pageSectors,
    writeBack: c.writeBack,
    destageOutstanding: c.destageOutstanding,
    destageMaxSectors: c.pageSectors * 4,
    ...(c.eager ? { destageHighWater: 0.001, destageLowWater: 0 } : {}),
  });
  const oracle = new ArrayDataOracle(array);
  const lun = array.lun(0);
  let done = 0;
  const sink: IoSink = { complete: () => void done++ };
  const durable: string[] = [];
  const issue = sim.on("test.issue", (_n, o) => {
    // The array answers a flush at once from its battery-backed cache: at any moment, a completed write must be
    // there (in a page that is not clean) or on the disks.
    if (durable.length === 0) durable.push(...oracle.durableProblems(oracle.completedNow(), `t=${sim.now}`));
    lun.submit(o as IoRequest, sink);
  });
  let t = 0;
  const placed: { lba: number; sectors: number }[] = [];
  for (const [i, op] of ops.entries()) {
    t += op.gapNs;
    const big = op.kind === "big" || op.kind === "bigRead";
    const sectors = big ? c.cachePages * c.pageSectors + op.extra : op.sectors;
    const at = op.kind === "again" ? placed[Math.max(0, i - op.back)] : undefined;
    const p = at ?? { lba: Math.max(0, Math.min(op.lba, REGION - sectors)), sectors };
    placed.push(p);
    const isRead = op.kind === "read" || op.kind === "bigRead" || op.kind === "again";
    sim.scheduleAt(t, issue, 0, { id: i + 1, vm: 0, lba: p.lba, sectors: p.sectors, isRead, issueTime: t });
  }
  sim.run();
  if (done !== ops.length) return [`${ops.length - done} commands never completed`];
  return [...oracle.problems, ...durable, ...oracle.idleProblems()];
}

describe("array data versions against an oracle (disks that reorder)", () => {
  it("property: a read never returns data older than a write completed before it, a completed write is always in the battery-backed cache or on the disks, and idle, the newest data is cached dirty or on the disks and clean cache is the disks'", () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { minLength: 10, maxLength: 60 }), (c, ops) => {
        expect(runOps(c, ops).slice(0, 3)).toEqual([]);
      }),
      { numRuns: 100, seed: 2026 },
    );
  });

  it("property: the esx-disk-perf testbed (RAID-5 over Cheetahs): when a guest flush completes, the writes completed before it are in the battery-backed cache or on the disks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        expect(runTestbed(seed).slice(0, 3)).toEqual([]);
      }),
      { numRuns: 30, seed: 2027 },
    );
  });
});

/**
 * Guest workers on the esx-disk-perf testbed's array (its own cache sizes, 1 MiB and less so a 1 MiB write goes
 * through it): closed loops of reads, writes of 512 B to 1 MiB over a small region, and flushes. The flush check
 * is the audit's: a write completed before a guest flush was issued must survive a power loss once it completes.
 */
function runTestbed(seed: number): string[] {
  const g = new Rng(seed);
  const r = (n: number) => g.int(n);
  const pick = <T>(xs: readonly T[]): T => xs[r(xs.length)];
  const workers = 1 + r(3);
  const mode = pick(["native", "vm"] as const);
  const tb = buildTestbed({
    storage: "array",
    mode,
    cpu: { nativeIssueNs: pick([0, 12_000]), nativeInterruptNs: pick([0, 6_000]), virtIssueNs: pick([0, 22_000]), virtInterruptNs: 0 },
    hostCores: 1 + r(2),
    adapterQueueDepth: pick([1, 4, 32]),
    guestQueueDepth: pick([1, 4, 32]),
    arrayDisks: pick([3, 4]),
    arrayCacheMiB: pick([0.25, 0.5, 1]),
    workers,
  });
  const sim = tb.sim;
  const oracle = new ArrayDataOracle(tb.array as StorageArray);
  const problems: string[] = [];
  const region = pick([512, 4096]);
  let id = 1;
  let left = 0;
  for (let w = 0; w < workers; w++) {
    const target = tb.targets[w];
    const qd = pick([1, 2, 8, 32]);
    let ops = 20 + r(100);
    left += ops;
    let out = 0;
    const next = () => {
      while (out < qd && ops > 0) {
        ops--;
        out++;
        const flush = r(8) === 0;
        const sectors = Math.min(region, pick([1, 8, 8, 16, 64, 256, 2048]));
        const lba = tb.regionStart[w] + r(region - sectors + 1);
        const req: IoRequest = { id: id++, vm: w, lba, sectors: flush ? 0 : sectors, isRead: !flush && r(10) < 3, issueTime: sim.now };
        const completed = flush ? oracle.completedNow() : null;
        const sink: IoSink = {
          complete: () => {
            out--;
            left--;
            if (completed !== null) problems.push(...oracle.durableProblems(completed, `t=${sim.now} flush ${req.id} done`));
            next();
          },
        };
        if (flush) (target.flush as (req: IoRequest, sink: IoSink) => void).call(target, req, sink);
        else target.submit(req, sink);
      }
    };
    next();
  }
  sim.run();
  if (left !== 0) problems.push(`${left} guest commands never completed`);
  return [...problems, ...oracle.problems, ...oracle.idleProblems()];
}
