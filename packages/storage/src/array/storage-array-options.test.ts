import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { DEFAULT_ARRAY_OPTIONS } from "./array-options.js";
import { RaidGroup } from "./raid.js";
import { RecordingMember } from "./recording-member.test-support.js";
import { type ArrayOptions, StorageArray } from "./storage-array.js";

function build(options: Partial<ArrayOptions>) {
  const sim = new Simulation();
  const raid = new RaidGroup(sim, [new RecordingMember(sim, 1_000_000, "opt-m0")], { level: 0, chunkSectors: 1024 });
  return { sim, array: new StorageArray(sim, raid, options) };
}

describe("array options", () => {
  it("an option given as undefined takes its default: writeBack: undefined is write-back, not write-through", () => {
    // An options object built from optional settings (`{ writeBack: settings.writeBack }`) has the key with no value;
    // the merge took that undefined over the default, and undefined is falsy: every write went through to the disks.
    const { sim, array } = build({ writeBack: undefined, cacheBytes: 1 << 20 });
    expect(array.options.writeBack).toBe(true);
    array.lun(0).submit({ id: 1, vm: 0, lba: 0, sectors: 16, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    expect(array.writesAbsorbed).toBe(1);
    // Every other option as well, instead of a refusal that says "got undefined" for a value never given.
    const unset = Object.fromEntries(Object.keys(DEFAULT_ARRAY_OPTIONS).map((k) => [k, undefined])) as Partial<ArrayOptions>;
    expect(build(unset).array.options).toEqual(build({}).array.options);
  });
});
