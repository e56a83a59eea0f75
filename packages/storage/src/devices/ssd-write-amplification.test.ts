import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Ssd } from "./ssd.js";
import { GENERIC_MLC_SSD } from "./ssd-spec.js";

/** A fresh generic SSD (4 KiB pages: 8 sectors) and a way to write to it, one command at a time. */
function drive() {
  const sim = new Simulation();
  const ssd = new Ssd(sim, GENERIC_MLC_SSD);
  const write = (lba: number, sectors: number) => {
    ssd.submit({ id: 1, vm: 0, lba, sectors, isRead: false, issueTime: sim.now }, { complete: () => {} });
    sim.run();
  };
  return { sim, ssd, write };
}

describe("Ssd.writeAmplification: bytes programmed into flash over bytes the host wrote", () => {
  it("is 1 for whole, aligned pages (no GC yet)", () => {
    const { ssd, write } = drive();
    for (let i = 0; i < 100; i++) write(i * 8, 8);
    expect(ssd.writeAmplification).toBe(1);
  });

  it("is 8 for 512-byte writes on 4 KiB pages: each programs a whole page (it was 1: a sector counted as a page)", () => {
    const { ssd, write } = drive();
    for (let i = 0; i < 100; i++) write(i * 8 + 3, 1);
    expect(ssd.ftl.erases).toBe(0);
    expect(ssd.ftl.hostWrites).toBe(100);
    expect(ssd.writeAmplification).toBe(8);
  });

  it("is 2 for 4 KiB writes that straddle a page boundary: two pages programmed for one page of data (it was 1)", () => {
    const { ssd, write } = drive();
    for (let i = 0; i < 100; i++) write(i * 16 + 1, 8);
    expect(ssd.ftl.hostWrites).toBe(200);
    expect(ssd.writeAmplification).toBe(2);
  });

  it("survives save and restore; a state saved before the host's sectors were recorded restores as whole pages", () => {
    const { ssd, write } = drive();
    for (let i = 0; i < 50; i++) write(i * 8, 1);
    const saved = JSON.parse(JSON.stringify(ssd.save()));
    const copy = new Ssd(new Simulation(), GENERIC_MLC_SSD);
    copy.restore(saved);
    expect(copy.writeAmplification).toBe(8);
    expect(copy.save().hostSectorsWritten).toBe(50);
    const { hostSectorsWritten: _, ...older } = saved;
    const old = new Ssd(new Simulation(), GENERIC_MLC_SSD);
    old.restore(older);
    expect(old.writeAmplification).toBe(1);
  });

  it("restore refuses host sectors that the pages programmed cannot hold (fewer than one per page, more than a page's worth), changing nothing", () => {
    const { ssd, write } = drive();
    for (let i = 0; i < 50; i++) write(i * 8, 2);
    const saved = JSON.parse(JSON.stringify(ssd.save()));
    expect(saved.hostSectorsWritten).toBe(100);
    const fresh = new Ssd(new Simulation(), GENERIC_MLC_SSD);
    const before = fresh.save();
    for (const hostSectorsWritten of [49, 50 * 8 + 1])
      expect(() => fresh.restore({ ...saved, hostSectorsWritten }), String(hostSectorsWritten)).toThrow(
        expect.objectContaining({ code: "VMLAB_STORAGE_BAD_STATE", message: expect.stringMatching(/host sectors/) }),
      );
    expect(fresh.save()).toEqual(before);
  });
});
