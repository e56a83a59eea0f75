import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { runCluster } from "../cluster/cluster.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "../cluster/config.js";
import { FC_10K_DISK, SptfDisk, type SptfDiskSpec } from "./sptf-disk.js";

describe("SptfDisk's spec", () => {
  it("refuses every field out of range, naming it (zero sectors per track, a negative overhead or a full stroke faster than one track ran with Infinity or negative times)", () => {
    const bad: [Partial<SptfDiskSpec>, RegExp][] = [
      [{ sectorsPerTrack: 0 }, /disk\.sectorsPerTrack: must be a finite number > 0/],
      [{ trackToTrackMs: -1 }, /disk\.trackToTrackMs: must be a finite number >= 0/],
      [{ commandOverheadMs: Number.NaN }, /disk\.commandOverheadMs/],
      [{ fullStrokeMs: 0.1 }, /disk\.fullStrokeMs: must be >= trackToTrackMs/],
      [{ capacitySectors: 1e6 + 0.5 }, /disk\.capacitySectors: must be an integer/],
    ];
    for (const [edit, message] of bad) expect(() => new SptfDisk(new Simulation(), { ...FC_10K_DISK, ...edit })).toThrow(message);
  });

  it("names the field as a cluster spec writes it", () => {
    const spec: ClusterSpec = {
      hosts: [{ vms: [microVm({ share: 1 })], control: "none", scheduler: "sfq", fixedDepth: 32 }],
      placement: "interleaved",
      control: { ...PARDA_CONTROL },
      array: { model: "qos", disks: 4, disk: { ...FC_10K_DISK, rpm: 0 }, stripeUnitSectors: 128, cacheHitMs: 0.5 },
      events: [],
      durationS: 1,
      sampleS: 1,
      seed: 1,
    };
    expect(() => runCluster(spec)).toThrow(/array\.disk\.rpm: must be a finite number > 0/);
  });
});
