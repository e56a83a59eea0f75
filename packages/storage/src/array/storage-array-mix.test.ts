import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { RaidGroup, type RaidLevel } from "./raid.js";
import { StorageArray } from "./storage-array.js";

/** xorshift32: a small deterministic generator for the mixes. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

let kinds = 0;

/** A member that answers each IO after a random 0–3 ms, any number at once: it reorders everything it holds. */
function reorderingMember(sim: Simulation, r: () => number): BlockTarget {
  const kind = sim.on(`mix.${kinds++}`, (_n, o) => {
    const [req, sink] = o as [IoRequest, IoSink];
    sink.complete(req);
  });
  return {
    capacitySectors: 100_000,
    submit(req, sink) {
      sim.schedule(Math.floor(r() * 3_000_000) + 1, kind, 0, [req, sink]);
    },
  };
}

describe("array controller under random mixes", () => {
  it("every IO completes once and the array ends idle: small caches, partial pages, stalls, write-throughs, destage fills, busy stripes", () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const sim = new Simulation();
      const level = ([0, 5, 5, 1, 10] as RaidLevel[])[seed % 5];
      const hdds = seed % 7 === 0;
      const members = Array.from({ length: level === 1 ? 2 : 4 }, (_, i) =>
        hdds ? new Hdd(sim, undefined, `m${i}`) : reorderingMember(sim, r),
      );
      const raid = new RaidGroup(sim, members, { level, chunkSectors: [8, 16, 32][seed % 3] });
      const page = [4, 8, 16, 32][seed % 4];
      const pages = 4 + Math.floor(r() * 12);
      const array = new StorageArray(sim, raid, {
        cacheBytes: pages * page * 512,
        cachePageSectors: page,
        writeBack: seed % 11 !== 0,
        destageHighWater: 0.3 + r() * 0.6,
        destageLowWater: 0.1,
        destageOutstanding: 1 + Math.floor(r() * 4),
        arrayQueueDepth: 1 + Math.floor(r() * 16),
        luns: 1 + (seed % 2),
        destageMaxSectors: page * (1 + Math.floor(r() * 4)),
      });
      const lunSectors = array.lun(0).capacitySectors;
      const region = Math.min(lunSectors, 20 * page * pages);
      const completions = new Map<number, number>();
      let issued = 0;
      for (let burst = 0; burst < 30; burst++) {
        for (let i = 0; i < 20; i++) {
          const id = issued++;
          // One write in ten spans more pages than the whole cache: it goes through.
          const sectors = r() < 0.1 ? page * pages + Math.floor(r() * page * 4) : 1 + Math.floor(r() * page * 3);
          const lba = Math.floor(r() * (region - sectors));
          const lun = array.options.luns > 1 && r() < 0.5 ? 1 : 0;
          const isRead = r() < 0.4;
          array
            .lun(lun)
            .submit(
              { id, vm: 0, lba, sectors, isRead, issueTime: sim.now },
              { complete: () => completions.set(id, (completions.get(id) ?? 0) + 1) },
            );
        }
        sim.run({ until: sim.now + Math.floor(r() * 2_000_000) });
      }
      sim.run();
      const notOnce = [...completions.values()].filter((n) => n !== 1).length;
      if (completions.size !== issued || notOnce > 0 || !array.idle)
        failures.push(`seed ${seed}: ${issued} issued, ${completions.size} completed, ${notOnce} not once, idle ${array.idle}`);
      else if (hdds) {
        const state = JSON.parse(JSON.stringify(array.save()));
        array.restore(state);
        expect(array.save()).toEqual(state);
      }
    }
    expect(failures).toEqual([]);
  });
});
