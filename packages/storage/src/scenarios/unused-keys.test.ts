import { describe, expect, it } from "vitest";
import { esxRefusal } from "./esx-disk-perf-check.test-support.js";
import { checkError } from "./vscsistats-characterize-user-trace.test-support.js";

const see = (id: string) => ` (see \`vmlab describe ${id}\`)`;

// A key the config does not use ran, gave the numbers of the run without it and said nothing: a user who changed one
// parameter to compare read the identical numbers as a finding.
describe("a key set where the config does not use it is refused, naming what it is for", () => {
  it("esx-disk-perf: the array's keys on a grid of the local disk, the local disk's write cache on a grid of the array", () => {
    expect(esxRefusal({ storage: ["local"], arrayDisks: 16 })).toBe(
      `invalid config for esx-disk-perf: arrayDisks: is for the array (storage=array); this grid's storage is local, got 16${see("esx-disk-perf")}`,
    );
    expect(esxRefusal({ storage: ["local"], arrayCacheMiB: 512 })).toMatch(
      /^invalid config for esx-disk-perf: arrayCacheMiB: is for the array/,
    );
    expect(esxRefusal({ storage: ["local"], arrayCacheWarm: false })).toMatch(/: arrayCacheWarm: is for the array .*, got false/);
    expect(esxRefusal({ storage: ["array"], localDiskWriteCache: true })).toBe(
      `invalid config for esx-disk-perf: localDiskWriteCache: is for the local disk (storage=local; array members run with it off); this grid's storage is array, got true${see("esx-disk-perf")}`,
    );
    // Used, or at the default (a config written out whole sets every key): taken.
    expect(esxRefusal({ storage: ["local", "array"], arrayDisks: 16, localDiskWriteCache: true })).toBe("");
    expect(esxRefusal({ storage: ["local"], arrayDisks: 8, arrayCacheMiB: 2048, arrayCacheWarm: true })).toBe("");
    expect(esxRefusal({ storage: ["array"], localDiskWriteCache: false })).toBe("");
  });

  it("vscsistats-characterize: traceDepth with a timed replay, traceSpeed with a closed one, traceSkipBad with the shipped trace", () => {
    expect(checkError({ traceDepth: 16 })?.message).toBe(
      `invalid config for vscsistats-characterize: traceDepth: is for traceReplay=closed (the IOs its closed loop keeps outstanding); the trace is replayed as recorded (traceReplay=timed), got 16${see("vscsistats-characterize")}`,
    );
    expect(checkError({ traceReplay: "closed", traceSpeed: 10 })?.message).toBe(
      `invalid config for vscsistats-characterize: traceSpeed: is for traceReplay=timed (a speed-up over the recorded times); the trace is replayed closed loop at traceDepth 8, got 10${see("vscsistats-characterize")}`,
    );
    expect(checkError({ traceSkipBad: true })?.message).toBe(
      `invalid config for vscsistats-characterize: traceSkipBad: is for traceFile (your trace's malformed lines); the shipped trace has none, got true${see("vscsistats-characterize")}`,
    );
    expect(checkError({ traceReplay: "closed", traceDepth: 16 })).toBeUndefined();
    expect(checkError({ traceSpeed: 10, traceDepth: 8 })).toBeUndefined();
  });
});
