import { isVmlabError, RngStreams, Simulation } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./array/cache-directory.js";
import { RaidGroup } from "./array/raid.js";
import { StorageArray } from "./array/storage-array.js";
import { SMALL } from "./devices/device-state.test-support.js";
import { Hdd } from "./devices/hdd.js";
import { CHEETAH_15K5 } from "./devices/hdd-spec.js";
import { Ssd } from "./devices/ssd.js";
import type { SsdSpec } from "./devices/ssd-spec.js";
import { base64ToInt32, int32ToBase64 } from "./devices/typed-b64.js";
import { HostAdapter } from "./iostack/host-adapter.js";
import { HostCpu } from "./iostack/host-cpu.js";
import type { BlockTarget } from "./iostack/target.js";
import { VirtualDisk } from "./iostack/virtual-disk.js";
import { IometerWorkload } from "./workload/iometer.js";

/**
 * Saved state is untrusted input: a restore either refuses it with a VmlabError and changes nothing, or
 * accepts a state the model can run on — more IO then completes every command with finite, non-negative
 * latencies and leaves the model saveable. Each property runs a model a little, saves it, corrupts the saved
 * state one way (a number made negative, NaN, fractional or huge; a key dropped or added; an array shortened,
 * lengthened or two entries swapped; an entry of a base64 slot array set to another's or to −1) and restores
 * it into a model built the same way.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

interface Model extends BlockTarget {
  save(): unknown;
  restore(state: unknown): void;
}

interface Rig {
  sim: Simulation;
  model: Model;
  /** Extra invariants of the model after IO has drained (throws if broken). */
  check?(): void;
}

/** Every path in a JSON value, containers included. */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) paths(x, [...at, i], out);
  } else if (v !== null && typeof v === "object") for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
  return out;
}

function get(v: Json, p: Path): Json {
  let x: Json = v;
  for (const k of p) x = (x as Record<string | number, Json>)[k];
  return x;
}

function set(v: Json, p: Path, value: Json | undefined): Json {
  if (p.length === 0) return value ?? null;
  const parent = get(v, p.slice(0, -1)) as Record<string | number, Json>;
  const k = p[p.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(k as number, 1);
    else delete parent[k];
  } else parent[k] = value;
  return v;
}

const NUMBER_EDITS = [
  (x: number) => -1 - x,
  () => Number.NaN,
  (x: number) => x + 0.5,
  () => 1e300,
  () => Number.POSITIVE_INFINITY,
  () => 2 ** 31,
  (x: number) => x + 1,
  (x: number) => x - 1,
  () => 0,
  (x: number) => x * 2 + 1,
];

/** One corruption of `state` (a fresh copy), chosen by `pick` (path index) and `how`. */
function mutate(state: Json, pick: number, how: number, other: number): Json {
  const s = structuredClone(state);
  const all = paths(s);
  const p = all[pick % all.length];
  const v = get(s, p);
  if (typeof v === "number") return set(s, p, NUMBER_EDITS[how % NUMBER_EDITS.length](v));
  if (typeof v === "string") {
    // A base64 int32 array: edit one entry (to another entry's value, −1, ±1) — a page in two slots, a broken link.
    const n = Math.floor((Buffer.from(v, "base64").length || 0) / 4);
    const a = n > 0 ? base64ToInt32(v, n) : null;
    if (a !== null && how % 6 < 4) {
      const i = other % n;
      const j = Math.floor(other / n) % n;
      const k = how % 6;
      a[i] = k === 0 ? a[j] : k === 1 ? -1 : k === 2 ? a[i] + 1 : a[i] - 1;
      return set(s, p, int32ToBase64(a));
    }
    if (a !== null && how % 6 === 4) return set(s, p, int32ToBase64(a.subarray(0, n - 1)));
    return set(s, p, how % 2 === 0 ? `${v}x` : "other");
  }
  if (Array.isArray(v)) {
    const k = how % 4;
    if (k === 0) v.pop();
    else if (k === 1) v.push(v.length > 0 ? structuredClone(v[v.length - 1]) : 0);
    else if (v.length >= 2) {
      const i = other % v.length;
      const j = (i + 1 + (Math.floor(other / v.length) % (v.length - 1))) % v.length;
      [v[i], v[j]] = [v[j], v[i]];
    } else v.push(1);
    return s;
  }
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    if (how % 2 === 0 && keys.length > 0) delete v[keys[other % keys.length]];
    else v.extra = 1;
    return s;
  }
  if (v === null) return set(s, p, how % 2 === 0 ? 0 : {});
  return set(s, p, !v);
}

type IoSpec = { ioSizeBytes: number; readPercent: number; randomPercent: number; outstandingIos: number };

const ioSpec = fc.record({
  ioSizeBytes: fc.constantFrom(4096, 8192, 65536),
  readPercent: fc.constantFrom(0, 50, 100),
  randomPercent: fc.constantFrom(0, 50, 100),
  outstandingIos: fc.integer({ min: 1, max: 8 }),
});

/** Runs `spec` for `ns`, stops and drains; checks completions, latencies and that nothing hangs. */
function runIo(rig: Rig, spec: IoSpec, ns: number, seed: number): void {
  const { sim, model } = rig;
  const w = new IometerWorkload(spec);
  w.start({ sim, target: model, rng: new RngStreams(seed).get("w"), vm: 0 });
  sim.run({ until: sim.now + ns, maxEvents: 200_000 });
  w.stop();
  sim.run({ maxEvents: 2_000_000 });
  expect(sim.pending, "events left after the drain: the model hangs").toBe(0);
  expect(w.outstanding).toBe(0);
  expect(w.stats.completed).toBe(w.stats.issued);
  if (w.stats.completed > 0) {
    const sum = w.stats.latencyUs.summary();
    expect(Number.isFinite(sum.max) && sum.min >= 0, `latencies ${JSON.stringify(sum)}`).toBe(true);
    // One IO on an idle-started small model never takes a virtual minute.
    expect(sum.max, "an IO took longer than a minute").toBeLessThan(60e6);
  }
  rig.check?.();
}

function jsonOf(x: unknown): Json {
  return JSON.parse(JSON.stringify(x)) as Json;
}

/**
 * The property: run `build()` with random IO, save; corrupt; restore into a fresh `build()`. A refusal
 * is a VmlabError that changes nothing; an acceptance must run more IO cleanly.
 */
function fuzzRestore(build: () => Rig, runs: number, ioNs: number) {
  fc.assert(
    fc.property(ioSpec, ioSpec, fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 1000 }), (spec1, spec2, pick, how, other, seed) => {
      const a = build();
      runIo(a, spec1, ioNs, seed);
      const saved = jsonOf(a.model.save());
      // The state as saved restores into a model built the same way (the checks below refuse no genuine state),
      // at the same time: restored into an earlier simulation, an SSD frees dies and channels booked past its clock.
      const c = build();
      c.sim.restore(a.sim.save());
      c.model.restore(structuredClone(saved));
      expect(jsonOf(c.model.save())).toEqual(saved);
      const bad = mutate(saved, pick, how, other);
      const b = build();
      b.sim.restore(a.sim.save());
      const before = jsonOf(b.model.save());
      let accepted = true;
      try {
        b.model.restore(bad);
      } catch (e) {
        accepted = false;
        expect(isVmlabError(e), String(e)).toBe(true);
        expect(jsonOf(b.model.save())).toEqual(before);
      }
      if (accepted) {
        runIo(b, spec2, ioNs, seed + 1);
        // Its own state after the IO passes its own checks (counts, links, the cache directory).
        build().model.restore(jsonOf(b.model.save()));
      }
    }),
    { numRuns: runs },
  );
}

function hdd(): Rig {
  const sim = new Simulation();
  return { sim, model: new Hdd(sim) };
}

function array(level: 0 | 1 | 5 | 10, members: number, cacheBytes: number, chunkSectors = 128): Rig {
  const sim = new Simulation();
  const disks = Array.from({ length: members }, (_, i) => new Hdd(sim, undefined, `d${i}`));
  const raid = new RaidGroup(sim, disks, { level, chunkSectors });
  return {
    sim,
    model: new StorageArray(sim, raid, { cacheBytes, destageMaxSectors: level === 5 ? chunkSectors * (members - 1) : 256 }).lun(0),
  };
}

describe("saved-state fuzz: a corrupt state is refused, changing nothing, or runs cleanly", () => {
  it("Hdd", () => fuzzRestore(hdd, 150, 2e7));

  it("Hdd with a write cache", () => {
    fuzzRestore(
      () => {
        const sim = new Simulation();
        return { sim, model: new Hdd(sim, undefined, "hdd", { writeCache: true }) };
      },
      100,
      2e7,
    );
  });

  it("Ssd", () => {
    fuzzRestore(
      () => {
        const sim = new Simulation();
        return { sim, model: new Ssd(sim, SMALL) };
      },
      100,
      2e7,
    );
  });

  it("StorageArray: RAID-5 with a write-back cache", () => fuzzRestore(() => array(5, 4, 2 * 1024 ** 2), 60, 2e7));

  it("StorageArray: RAID-10 with a small cache", () => fuzzRestore(() => array(10, 4, 256 * 1024), 60, 2e7));

  it("StorageArray: RAID-10 over an odd number of members (md's near-2 layout wraps chunks)", () =>
    fuzzRestore(() => array(10, 3, 256 * 1024), 60, 2e7));

  it("VirtualDisk over a HostAdapter (FIFO, one core) over an Hdd", () => {
    fuzzRestore(
      () => {
        const sim = new Simulation();
        const adapter = new HostAdapter(sim, new Hdd(sim), {
          issueQueueDepth: 8,
          cpu: new HostCpu(1),
          issueCostNs: 2000,
          interruptCostNs: 2000,
        });
        return { sim, model: new VirtualDisk(sim, adapter, { queueDepth: 16 }) };
      },
      100,
      2e7,
    );
  });
});

describe("a state as saved is refused by a model built differently, changing nothing", () => {
  const ssd = (spec: SsdSpec) => () => {
    const sim = new Simulation();
    return { sim, model: new Ssd(sim, spec) };
  };
  const builds: [string, () => Rig][] = [
    ["hdd", hdd],
    [
      "hdd, 8 cache segments",
      () => {
        const sim = new Simulation();
        return { sim, model: new Hdd(sim, { ...CHEETAH_15K5, cacheSegments: 8 }) };
      },
    ],
    ["ssd", ssd(SMALL)],
    ["ssd, twice the blocks", ssd({ ...SMALL, blocksPerDie: 128 })],
    ["ssd, 4 channels", ssd({ ...SMALL, channels: 4 })],
    ["ssd, 8 KiB pages", ssd({ ...SMALL, pageBytes: 8192 })],
    ["raid-5 × 4, 2 MiB cache", () => array(5, 4, 2 * 1024 ** 2)],
    ["raid-5 × 4, 4 MiB cache", () => array(5, 4, 4 * 1024 ** 2)],
    ["raid-5 × 5, 2 MiB cache", () => array(5, 5, 2 * 1024 ** 2)],
    ["raid-10 × 4, 2 MiB cache", () => array(10, 4, 2 * 1024 ** 2)],
    ["raid-0 × 4, 2 MiB cache", () => array(0, 4, 2 * 1024 ** 2)],
    ["raid-5 × 4, 2 MiB cache, 64-sector chunks", () => array(5, 4, 2 * 1024 ** 2, 64)],
    ["raid-5 × 4, no cache", () => array(5, 4, 0)],
    ["raid-5 × 4, no cache, 64-sector chunks", () => array(5, 4, 0, 64)],
  ];
  it.each(builds)("from %s", (name, build) => {
    const a = build();
    runIo(a, { ioSizeBytes: 8192, readPercent: 50, randomPercent: 50, outstandingIos: 4 }, 2e7, 1);
    const saved = jsonOf(a.model.save());
    for (const [other, make] of builds) {
      if (other === name) continue;
      const b = make();
      const before = jsonOf(b.model.save());
      let code = "accepted";
      try {
        b.model.restore(saved);
      } catch (e) {
        code = isVmlabError(e) ? e.code : String(e);
      }
      expect(code, `${name} restored into ${other}`).toMatch(/^VMLAB_STORAGE_BAD_STATE$/);
      expect(jsonOf(b.model.save())).toEqual(before);
    }
  });
});

describe("saved-state fuzz: the array's cache directory", () => {
  type Op = [kind: 0 | 1 | 2 | 3 | 4, page: number, pages: number];
  const ops = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 3 })), {
    maxLength: 80,
  }) as fc.Arbitrary<Op[]>;
  /** Reads, fills, writes (if they fit), destage runs and their landing, as the array drives them; all landed at the end. */
  function drive(c: CacheDirectory, list: Op[]): void {
    const out: [number, number][] = [];
    for (const [kind, page, pages] of list) {
      const lba = page * 8;
      if (kind === 0) c.readHit(lba, pages * 8);
      else if (kind === 1) c.insertClean(lba, pages * 8);
      else if (kind === 2) {
        if (c.writeFits(lba, pages * 8)) c.write(lba, pages * 8);
      } else if (kind === 3) {
        if (c.takeDestageRun(4)) out.push([c.runStart, c.runPages]);
      } else {
        const run = out.shift();
        if (run) c.destaged(run[0], run[1]);
      }
    }
    for (const run of out) c.destaged(run[0], run[1]);
  }

  it("a corrupt directory (a page in two slots, a broken link, a wrong count) is refused, changing nothing, or stays consistent", () => {
    fc.assert(
      fc.property(ops, ops, fc.nat(), fc.nat(), fc.nat(), (before, after, pick, how, other) => {
        const a = new CacheDirectory(16, 8, 64);
        drive(a, before);
        const saved = jsonOf(a.save());
        const b = new CacheDirectory(16, 8, 64);
        const blank = jsonOf(b.save());
        try {
          b.restore(mutate(saved, pick, how, other));
        } catch (e) {
          expect(isVmlabError(e), String(e)).toBe(true);
          expect(jsonOf(b.save())).toEqual(blank);
          return;
        }
        drive(b, after);
        // Its own state passes its own checks: LRU list through exactly the clean pages, counts, destage order.
        new CacheDirectory(16, 8, 64).restore(jsonOf(b.save()));
      }),
      { numRuns: 400 },
    );
  });
});
