import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { hddRaid5Array } from "./array/hdd-raid5.js";
import { RaidGroup } from "./array/raid.js";
import { Hdd } from "./devices/hdd.js";
import { CHEETAH_15K5 } from "./devices/hdd-spec.js";
import { Ssd } from "./devices/ssd.js";
import { HostAdapter } from "./iostack/host-adapter.js";
import { HostCpu } from "./iostack/host-cpu.js";
import { VirtualDisk } from "./iostack/virtual-disk.js";
import { createTraceReader } from "./trace/open.js";
import { TraceReplayWorkload } from "./trace/replay.js";
import { textSource } from "./trace/source.js";
import { VscsiStatsObserver } from "./vscsistats/observer.js";

/** Options from JavaScript or a config file, which the types do not check. */
const loose = <T>(o: Record<string, unknown>) => o as T;
const refused = (what: string, option: string) =>
  expect.objectContaining({
    code: "VMLAB_STORAGE_BAD_CONFIG",
    message: expect.stringMatching(new RegExp(`^${what}: unknown option "${option}"; the options are `)),
  });

describe("a misspelt option is refused, naming it, not dropped for its default", () => {
  const sim = new Simulation();
  const ssd = () => new Ssd(sim);

  it("each model's constructor, and the builders", () => {
    // Each was taken and ignored: the write cache off, the offset 0, the depth the default, the whole trace replayed.
    expect(() => new Hdd(sim, CHEETAH_15K5, "x", loose({ writecache: true }))).toThrow(refused("hdd x", "writecache"));
    expect(() => new VirtualDisk(sim, ssd(), loose({ queueDepth: 4, offsetSector: 8 }))).toThrow(refused("virtual disk", "offsetSector"));
    const cpu = new HostCpu(1);
    expect(
      () => new HostAdapter(sim, ssd(), loose({ issueQueueDepth: 4, issueQueueDepht: 8, cpu, issueCostNs: 0, interruptCostNs: 0 })),
    ).toThrow(refused("host adapter", "issueQueueDepht"));
    expect(() => new RaidGroup(sim, [ssd(), ssd()], loose({ level: 1, chunkSectors: 128, readbalance: "near" }))).toThrow(
      refused("raid", "readbalance"),
    );
    expect(() => hddRaid5Array(sim, loose({ disks: 4, cacheMiB: 1 }))).toThrow(refused("hddRaid5Array", "cacheMiB"));
    const reader = createTraceReader("msr", textSource("0,h,0,Read,0,4096,10\n"), { name: "t.csv" });
    expect(() => new TraceReplayWorkload(reader, { kind: "closed", depth: 1 }, loose({ maxIO: 1 }))).toThrow(
      refused("trace replay", "maxIO"),
    );
    expect(() => new VscsiStatsObserver(loose({ firstIO: "zero" }))).toThrow(refused("vscsiStats", "firstIO"));
  });

  it('Hdd\'s writeCache must be a boolean: the string "false" turned the write cache on', () => {
    expect(() => new Hdd(sim, CHEETAH_15K5, "x", loose({ writeCache: "false" }))).toThrow(
      expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: 'hdd x: writeCache must be true or false, got "false"' }),
    );
    expect(new Hdd(sim, CHEETAH_15K5, "y", { writeCache: false }).volatileWriteCache).toBe(false);
    expect(new Hdd(sim, CHEETAH_15K5, "z", { writeCache: true }).volatileWriteCache).toBe(true);
  });
});
