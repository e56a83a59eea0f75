import { describe, expect, it } from "vitest";
import { characterizeTrace } from "../trace/characterize.js";
import { MsrReader } from "../trace/msr.js";
import { bytesSource } from "../trace/source.js";
import { VscsiStats } from "../vscsistats/collector.js";
import { toJson } from "../vscsistats/format.js";
import { BENCH_TRACE_IOS, benchMsrTrace } from "./vscsistats-bench.js";
import { naiveVscsiStats } from "./vscsistats-naive.js";

describe("storage.vscsistats benchmark inputs", () => {
  it("the naive baseline computes the same 16 histograms as the streaming collector on the MSR-format trace", () => {
    const text = benchMsrTrace();
    const stats = new VscsiStats();
    const summary = characterizeTrace(new MsrReader(bytesSource(new TextEncoder().encode(text)), { name: "b.csv" }), stats);
    expect(summary.ios).toBe(BENCH_TRACE_IOS);
    expect(summary.timedIos).toBe(BENCH_TRACE_IOS);
    expect(toJson(stats).histograms.map((h) => h.counts)).toEqual(naiveVscsiStats(text));
  });
});
