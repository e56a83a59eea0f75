import { RngStreams, Simulation } from "@vmlab/core-vm";
import { IometerWorkload, VirtualDisk } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { Raid5Lun } from "./raid5-lun.js";
import { FC_10K_DISK, SptfDisk } from "./sptf-disk.js";

// A workload or a layer over a disk built on another simulation queued its IOs where nothing ran them: the workload
// reported 0 IOPS with IOs piling up (storage's targets refused it; these did not say which simulation they run on).
describe("the qos array's targets say which simulation they run on", () => {
  it("a RAID-5 LUN over a disk of another simulation, and a workload or layer over one, are refused", () => {
    const a = new Simulation();
    const b = new Simulation();
    expect(new SptfDisk(b, FC_10K_DISK).simulation).toBe(b);
    expect(() => new Raid5Lun(a, [new SptfDisk(a), new SptfDisk(b), new SptfDisk(a)])).toThrow(
      "RAID-5 LUN: members[1] runs on another Simulation than this one: build them both with one sim",
    );
    const lun = new Raid5Lun(b, [new SptfDisk(b), new SptfDisk(b), new SptfDisk(b)]);
    expect(lun.simulation).toBe(b);
    expect(() => new VirtualDisk(a, lun, { queueDepth: 32 })).toThrow("virtual disk: its backing target runs on another Simulation");
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 4 });
    expect(() => w.start({ sim: a, target: new SptfDisk(b), rng: new RngStreams(1).get("w"), vm: 0 })).toThrow(
      "workload iometer: its target runs on another Simulation",
    );
  });
});
