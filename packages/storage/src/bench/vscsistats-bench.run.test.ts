import { afterEach, describe, expect, it, vi } from "vitest";
import { BENCH_TRACE_IOS, vscsistatsBenchmarks } from "./vscsistats-bench.js";

/**
 * What `vmlab bench storage.vscsistats` measures and compares (issue #6: "IOs/s parsed and characterized from
 * the MSR-format trace ... with a naive baseline in the same run"), not how fast: the timing loop is replaced by
 * one call per side, and the streaming characterizer and the naive baseline are counted as they run.
 */
const seen = vi.hoisted(() => ({
  ours: 0,
  naive: 0,
  rounds: [] as { ops: number; ours: number; naive: number }[],
  /** Makes the baseline's histograms disagree with ours (one more IO in the first bucket). */
  skewNaive: false,
}));

vi.mock("../trace/characterize.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../trace/characterize.js")>();
  return {
    ...actual,
    characterizeTrace: (...args: Parameters<typeof actual.characterizeTrace>) => {
      seen.ours++;
      return actual.characterizeTrace(...args);
    },
  };
});

vi.mock("./vscsistats-naive.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./vscsistats-naive.js")>();
  return {
    naiveVscsiStats: (text: string) => {
      seen.naive++;
      const counts = actual.naiveVscsiStats(text);
      if (seen.skewNaive) counts[0][0]++;
      return counts;
    },
  };
});

vi.mock("@vmlab/core-vm", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@vmlab/core-vm")>();
  return {
    ...actual,
    bestRate: (fn: () => void, ops: number) => {
      const ours = seen.ours;
      const naive = seen.naive;
      fn();
      seen.rounds.push({ ops, ours: seen.ours - ours, naive: seen.naive - naive });
      return ops;
    },
  };
});

afterEach(() => {
  seen.ours = 0;
  seen.naive = 0;
  seen.rounds.length = 0;
  seen.skewNaive = false;
});

const [bench] = vscsistatsBenchmarks;

describe("vmlab bench storage.vscsistats: what each side runs and counts", () => {
  it("times our streaming characterizer against the naive baseline, both counting the trace's IOs once", async () => {
    const r = await bench.run({ quick: true });
    expect(seen.rounds).toEqual([
      { ops: BENCH_TRACE_IOS, ours: 1, naive: 0 },
      { ops: BENCH_TRACE_IOS, ours: 0, naive: 1 },
    ]);
    expect(r.value).toBe(BENCH_TRACE_IOS);
    expect(r.baseline).toEqual({ name: "split + regex + linear search", value: BENCH_TRACE_IOS });
    // Both computed the same 16 histograms: the comparison is of equal work.
    expect(r.note).toBe(`${BENCH_TRACE_IOS} IOs per round, best of 3; target >= 1e6 IOs/s`);
  });

  it("says so in its note when the baseline's histograms differ from ours (the ratio would compare unequal work)", async () => {
    seen.skewNaive = true;
    const r = await bench.run({ quick: true });
    expect(r.note).toMatch(/WARNING: baseline histograms differ/);
  });
});
