import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { hddRaid5Array } from "./array/hdd-raid5.js";
import { Hdd } from "./devices/hdd.js";
import { Ssd } from "./devices/ssd.js";
import type { BlockTarget } from "./iostack/target.js";
import { VirtualDisk } from "./iostack/virtual-disk.js";

describe("every target takes whole sectors only", () => {
  const targets: [string, (sim: Simulation) => BlockTarget][] = [
    ["hdd", (sim) => new Hdd(sim)],
    ["ssd", (sim) => new Ssd(sim)],
    ["raid group", (sim) => hddRaid5Array(sim, { disks: 3 }).array.raid],
    ["array LUN", (sim) => hddRaid5Array(sim, { disks: 3 }).array.lun(0)],
    ["virtual disk", (sim) => new VirtualDisk(sim, new Hdd(sim), { queueDepth: 4 })],
  ];
  for (const [name, make] of targets)
    it(`${name}: a fractional LBA or length is refused, naming the IO (it was placed at a fractional sector)`, () => {
      const sim = new Simulation();
      const t = make(sim);
      const sink = { complete: () => {} };
      for (const [lba, sectors] of [
        [0.5, 8],
        [0, 1.5],
      ])
        expect(() => t.submit({ id: 0, vm: 0, lba, sectors, isRead: true, issueTime: 0 }, sink)).toThrow(
          new RegExp(`IO \\[${lba}, \\+${sectors}\\) is not whole sectors`),
        );
      // Past the end it still says so.
      expect(() => t.submit({ id: 0, vm: 0, lba: t.capacitySectors, sectors: 8, isRead: true, issueTime: 0 }, sink)).toThrow(/is outside/);
      // No length is no extent: it said "outside" of sector 0.
      for (const sectors of [0, -8, undefined as unknown as number])
        expect(() => t.submit({ id: 0, vm: 0, lba: 0, sectors, isRead: true, issueTime: 0 }, sink), String(sectors)).toThrow(
          new RegExp(`IO \\[0, \\+${sectors}\\) has no length: sectors must be a whole number >= 1`),
        );
      t.submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, sink);
      sim.run();
    });
});
