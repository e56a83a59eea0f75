import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import { RaidGroup } from "./raid.js";

describe("RAID group snapshots over disks with their write cache on", () => {
  it("a save refused for data in the members' write caches reports every member's dirty sectors, not the first's", () => {
    const sim = new Simulation();
    const disks = [0, 1].map((i) => new Hdd(sim, CHEETAH_15K5, `m${i}`, { writeCache: true }));
    const raid = new RaidGroup(sim, disks, { level: 1, chunkSectors: 128 });
    let done = 0;
    const w = (id: number, lba: number, sectors: number) =>
      raid.submit({ id, vm: 0, lba, sectors, isRead: false, issueTime: sim.now }, { complete: () => done++ });
    w(0, 400_000_000, 64);
    w(1, 200_000_000, 32);
    while (done < 2) sim.run({ until: sim.now + 10_000 });
    const dirty = disks.map((d) => d.dirtySectors);
    expect(dirty).toEqual([96, 96]);
    let err: unknown;
    try {
      raid.save();
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ inFlight: 0, dirtySectors: 192 });
    expect(String(err)).toMatch(/raid group: its write cache holds 192 sectors not yet on the media/);
    // Written back, it saves.
    sim.run();
    expect(raid.save().members).toHaveLength(2);
  });
});

describe("RAID group saved state", () => {
  const disks = (sim: Simulation, tag: string) => [0, 1, 2, 3].map((i) => new Hdd(sim, CHEETAH_15K5, `${tag}${i}`));
  function used(chunk: number) {
    const sim = new Simulation();
    const raid = new RaidGroup(sim, disks(sim, "a"), { level: 5, chunkSectors: chunk });
    for (let id = 0; id < 8; id++)
      raid.submit({ id, vm: 0, lba: id * 1000, sectors: 8, isRead: id % 2 === 0, issueTime: 0 }, { complete: () => {} });
    sim.run();
    return JSON.parse(JSON.stringify(raid.save()));
  }

  it("records the chunk size and refuses a state from a group with another, naming both and changing nothing", () => {
    const saved = used(128);
    expect(saved.chunkSectors).toBe(128);
    const sim = new Simulation();
    const other = new RaidGroup(sim, disks(sim, "b"), { level: 5, chunkSectors: 64 });
    const before = JSON.stringify(other.save());
    let err: unknown;
    try {
      other.restore(saved);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(String(err)).toMatch(/128-sector chunks, this one has 64-sector chunks/);
    expect(JSON.stringify(other.save())).toBe(before);
    // The same chunk size restores it.
    const same = new RaidGroup(sim, disks(sim, "c"), { level: 5, chunkSectors: 128 });
    same.restore(saved);
    expect(JSON.parse(JSON.stringify(same.save()))).toEqual(saved);
  });

  it("a RAID-1 state restores into a mirror of any chunk size: a mirror maps every LBA to the same sector of each copy", () => {
    const sim = new Simulation();
    const a = new RaidGroup(sim, disks(sim, "m"), { level: 1, chunkSectors: 128 });
    for (let id = 0; id < 4; id++) a.submit({ id, vm: 0, lba: id * 1000, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    sim.run();
    const saved = JSON.parse(JSON.stringify(a.save()));
    const b = new RaidGroup(sim, disks(sim, "n"), { level: 1, chunkSectors: 64 });
    b.restore(saved);
    expect(b.memberReads).toBe(4);
    expect(b.save().readBalance).toEqual(saved.readBalance);
  });

  it("a state saved before the chunk size was recorded still restores (unchecked, as before)", () => {
    const { chunkSectors: _, ...old } = used(128);
    const sim = new Simulation();
    const g = new RaidGroup(sim, disks(sim, "d"), { level: 5, chunkSectors: 128 });
    g.restore(old);
    expect(g.memberReads).toBe(old.memberReads);
    expect(g.save().chunkSectors).toBe(128);
  });
});
