import { describe, expect, it } from "vitest";
import { characterizeTrace } from "../trace/characterize.js";
import { MsrReader } from "../trace/msr.js";
import { msrLine } from "../trace/msr-writer.js";
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

  it("agrees with the streaming collector when the closest of the last 16 IOs is a tie between +d and -d (both count +d)", () => {
    // LBNs 100 and 120, then 110: 10 sectors past one and 10 before the other.
    const text = [100, 120, 110].map((lbn, i) => msrLine(i * 1000, "h", 0, true, lbn * 512, 512, 500)).join("");
    const stats = new VscsiStats();
    characterizeTrace(new MsrReader(bytesSource(new TextEncoder().encode(text)), { name: "t.csv" }), stats);
    const json = toJson(stats);
    const closest = json.histograms[6];
    expect(closest.title).toMatch(/closest of previous 16/);
    // The second IO is 20 past the first; the third's tie counts +10 (the collector's documented rule).
    expect(closest.max).toBe(20);
    expect(closest.min).toBe(10);
    expect(naiveVscsiStats(text)).toEqual(json.histograms.map((h) => h.counts));
  });
});
