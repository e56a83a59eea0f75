import { describe, expect, it, vi } from "vitest";
import { esxRefusal } from "./esx-disk-perf-check.test-support.js";
import * as testbed from "./esx-disk-perf-testbed.js";

// Spied on, so a test can tell whether the config check builds a testbed (drives, array, cache) to ask its capacity.
vi.mock("./esx-disk-perf-testbed.js", async (importOriginal) => {
  const actual = await importOriginal<typeof testbed>();
  return { ...actual, buildTestbed: vi.fn(actual.buildTestbed) };
});

/** MiB of the region `buildTestbed` gives the one worker on `storage`: the most test file a run can use. */
function builtMiB(storage: "local" | "array", arrayDisks: number, arrayCacheMiB: number): number {
  const tb = testbed.buildTestbed({
    storage,
    mode: "native",
    cpu: { nativeIssueNs: 0, nativeInterruptNs: 0, virtIssueNs: 0, virtInterruptNs: 0 },
    hostCores: 1,
    adapterQueueDepth: 32,
    guestQueueDepth: 32,
    arrayDisks,
    arrayCacheMiB,
    workers: 1,
  });
  return Math.floor(tb.regionSectors / 2048);
}

describe("esx-disk-perf's check of testFileMiB", () => {
  it("states the storage's capacity from the capacity rules, without building a testbed (drives, array, cache) to ask", () => {
    const build = vi.mocked(testbed.buildTestbed);
    build.mockClear();
    expect(esxRefusal({ storage: ["local", "array"], arrayDisks: 64, arrayCacheMiB: 65536, arrayCacheWarm: false })).toBe("");
    expect(esxRefusal({ storage: ["array", "local"], testFileMiB: 10_000_000 })).toMatch(/testFileMiB: must be at most the array LUN's/);
    expect(build).not.toHaveBeenCalled();
  });

  it("takes a test file of exactly the built testbed's capacity and refuses one MiB more, locally and on the array for every arrayDisks", () => {
    for (const arrayCacheMiB of [0, 2048])
      for (let arrayDisks = 3; arrayDisks <= 64; arrayDisks += arrayCacheMiB === 0 ? 1 : 61) {
        const base = { arrayDisks, arrayCacheMiB, arrayCacheWarm: false };
        const local = builtMiB("local", arrayDisks, arrayCacheMiB);
        // The array's keys are refused where the grid has no array (`unused-keys.test.ts`): the local disk's capacity is its own.
        expect(esxRefusal({ storage: ["local"], testFileMiB: local }), `local ${arrayDisks}`).toBe("");
        expect(esxRefusal({ storage: ["local"], testFileMiB: local + 1 })).toBe(
          `invalid config for esx-disk-perf: testFileMiB: must be at most the local disk's ${local} MiB, got ${local + 1} (see \`vmlab describe esx-disk-perf\`)`,
        );
        const array = builtMiB("array", arrayDisks, arrayCacheMiB);
        expect(esxRefusal({ ...base, storage: ["array"], testFileMiB: array }), `array ${arrayDisks} ${arrayCacheMiB}`).toBe("");
        expect(esxRefusal({ ...base, storage: ["array"], testFileMiB: array + 1 })).toBe(
          `invalid config for esx-disk-perf: testFileMiB: must be at most the array LUN's ${array} MiB, got ${array + 1} (see \`vmlab describe esx-disk-perf\`)`,
        );
      }
  });
});
