import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { RaidGroup } from "./raid.js";
import { StorageArray } from "./storage-array.js";

let members = 0;

/** A member disk taking 1 ms per command, any number at once. */
function slowMember(sim: Simulation): BlockTarget {
  const kind = sim.on(`watermarks.${members++}`, (_n, o) => {
    const [req, sink] = o as [IoRequest, IoSink];
    sink.complete(req);
  });
  return {
    capacitySectors: 10_000_000,
    submit: (req, sink) => sim.schedule(1_000_000, kind, 0, [req, sink]),
  };
}

/**
 * RAID-0 over one slow member (a destage run is one member write); 64 cache pages of 16 sectors, watermarks 50%
 * (32 pages) and 25% (16 pages), 32 destage writes at once. Pages 10 apart: each its own destage run.
 */
function build() {
  const sim = new Simulation();
  const raid = new RaidGroup(sim, [slowMember(sim)], { level: 0, chunkSectors: 1024 });
  const array = new StorageArray(sim, raid, { cacheBytes: 64 * 16 * 512, destageOutstanding: 32 });
  const write = (page: number) =>
    array.lun(0).submit({ id: page, vm: 0, lba: page * 160, sectors: 16, isRead: false, issueTime: sim.now }, { complete: () => {} });
  return { sim, array, cache: array.cache as NonNullable<typeof array.cache>, write };
}

describe("array destage watermarks count the data not yet on disk", () => {
  it("pages out for destage count toward the high watermark: writes past it while runs are out start more destage", () => {
    const { sim, array, cache, write } = build();
    // 33 pages dirty: above the high watermark, so 17 one-page runs go out, leaving 16 dirty (the low watermark).
    for (let k = 0; k < 33; k++) write(k);
    sim.run({ until: 900_000 });
    expect([array.destageWrites, cache.dirty, 33 - cache.clean]).toEqual([0, 16, 33]); // every page written is cached
    // 16 more pages while those 17 are out: 49 pages not on disk, 17 above the high watermark.
    for (let k = 33; k < 49; k++) write(k);
    sim.run();
    // Each write past the high watermark started a run, so destage ends at the low watermark. Counting only the
    // pages not out for destage, it stayed off until the 17 landed and left 32 dirty, at the high watermark.
    expect([array.destageWrites, cache.dirty, 49 - cache.clean]).toEqual([33, 16, 16]);
  });

  it("pages rewritten while out for destage count as dirty: destage does not stop above the low watermark", () => {
    const { sim, array, cache, write } = build();
    for (let k = 0; k < 33; k++) write(k);
    sim.run({ until: 900_000 });
    // Pages 0–7 (out for destage) are written again: they stay dirty when their runs land.
    for (let k = 0; k < 8; k++) write(k);
    sim.run();
    // Destage made up for them with 8 more runs; not counting them, it stopped with 24 pages left dirty.
    expect([array.destageWrites, cache.dirty]).toEqual([25, 16]);
    expect(array.idle).toBe(true);
  });
});
