import { afterEach, describe, expect, it, vi } from "vitest";
import { IoPool } from "../iostack/stack-io.js";
import { simIosBenchmark, simulate } from "./sim-ios.js";

/**
 * What `vmlab bench storage.sim-ios` measures and compares (issue #6: "a naive baseline in the same run"; the
 * description: "baseline: the same model with per-IO object allocation (request pools off)"), not how fast:
 * the timing loop is replaced by one call per side, and every testbed the run builds is recorded with whether
 * request pools were on while it was built.
 */
const seen = vi.hoisted(() => ({
  builds: [] as { recycle: boolean; tb: { sim: { executed: number } } }[],
  rounds: [] as { ops: number; recycle: boolean[] }[],
  failAt: -1,
}));

vi.mock("../scenarios/esx-disk-perf-testbed.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../scenarios/esx-disk-perf-testbed.js")>();
  const { IoPool: Pool } = await import("../iostack/stack-io.js");
  return {
    ...actual,
    buildTestbed: (...args: Parameters<typeof actual.buildTestbed>) => {
      const tb = actual.buildTestbed(...args);
      seen.builds.push({ recycle: Pool.recycle, tb });
      return tb;
    },
  };
});

vi.mock("@vmlab/core-vm", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@vmlab/core-vm")>();
  return {
    ...actual,
    // One timed call per side, returning the count it was given: what is timed and what it counts, not the clock.
    bestRate: (fn: () => void, ops: number) => {
      if (seen.rounds.length === seen.failAt) throw new Error("interrupted");
      const from = seen.builds.length;
      fn();
      seen.rounds.push({ ops, recycle: seen.builds.slice(from).map((b) => b.recycle) });
      return ops;
    },
  };
});

afterEach(() => {
  seen.builds.length = 0;
  seen.rounds.length = 0;
  seen.failAt = -1;
  IoPool.recycle = true;
});

describe("vmlab bench storage.sim-ios: what each side runs and counts", () => {
  it("times the model with request pools on, the baseline with them off, both counting the same completed IOs, and leaves pools on", async () => {
    const quick = await simIosBenchmark.run({ quick: true });
    // The quick run simulates 20 s; both sides count the IOs that run completes at the VMs' virtual disks.
    const ios = simulate(20e9);
    expect(seen.rounds).toEqual([
      { ops: ios, recycle: [true] },
      { ops: ios, recycle: [false] },
    ]);
    expect(quick.value).toBe(ios);
    expect(quick.baseline).toEqual({ name: "same model, per-IO allocation", value: ios });
    // A later benchmark or scenario in the same process runs the optimized model again.
    expect(IoPool.recycle).toBe(true);
    // The note's events per IO are the model's own: the last (counting) run's kernel events over its IOs.
    const counting = seen.builds.at(-2);
    expect(counting?.recycle).toBe(true);
    expect(quick.note).toContain(`${((counting?.tb.sim.executed ?? 0) / ios).toFixed(2)} kernel events per host IO`);
  });

  it("turns request pools back on when the baseline's run fails", async () => {
    seen.failAt = 1;
    await expect(Promise.resolve().then(() => simIosBenchmark.run({ quick: true }))).rejects.toThrow("interrupted");
    expect(IoPool.recycle).toBe(true);
  });
});
