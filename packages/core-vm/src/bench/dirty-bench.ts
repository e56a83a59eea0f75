import { readFileSync } from "node:fs";
import { Machine } from "../board/machine.js";
import type { Benchmark, BenchmarkResult } from "../plugin-api.js";
import { runMachine } from "../snapshot/run.js";
import { findGuestElf } from "./cpu-bench.js";

type Tracking = "never" | "on" | "on-then-off";

/**
 * MIPS of a guest per CPU second (user + system time of this process: on a
 * shared machine wall time mostly measures the neighbours) with dirty and
 * accessed-page tracking in one of three settings. Best of `rounds`, each on
 * a fresh machine, translation included.
 */
function mips(elf: Uint8Array, tracking: Tracking, budget: number, rounds: number): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const m = new Machine({ ramMiB: 128 });
    m.loadElf(elf);
    if (tracking !== "never") {
      m.setDirtyTracking(true);
      m.setAccessTracking(true);
    }
    if (tracking === "on-then-off") {
      m.setDirtyTracking(false);
      m.setAccessTracking(false);
    }
    const c0 = process.cpuUsage();
    runMachine(m, budget);
    const c = process.cpuUsage(c0);
    best = Math.max(best, m.hart.retired / ((c.user + c.system) / 1e6) / 1e6);
  }
  return best;
}

export const dirtyTrackingBenchmarks: Benchmark[] = [
  {
    name: "memory.dirty-tracking",
    unit: "MIPS",
    description:
      "memtest with dirty + accessed-page tracking on, in MIPS per CPU second; baseline: tracking never switched on; the note adds tracking switched on then off again (should equal the baseline: the marking code is only generated while tracking is on)",
    run: ({ quick }): BenchmarkResult => {
      const path = findGuestElf("memtest");
      if (path === null) return { value: Number.NaN, baseline: null, note: "skipped: guest/bin/memtest.elf not found" };
      const elf = new Uint8Array(readFileSync(path));
      const budget = quick ? 60_000_000 : Number.POSITIVE_INFINITY;
      const rounds = quick ? 1 : 3;
      // Interleave the settings so that load changes on the machine hit all three alike.
      let never = 0;
      let on = 0;
      let onThenOff = 0;
      for (let r = 0; r < rounds; r++) {
        never = Math.max(never, mips(elf, "never", budget, 1));
        on = Math.max(on, mips(elf, "on", budget, 1));
        onThenOff = Math.max(onThenOff, mips(elf, "on-then-off", budget, 1));
      }
      return {
        value: on,
        baseline: { name: "tracking off (never switched on)", value: never },
        note: `tracking switched on, then off: ${onThenOff.toFixed(1)} MIPS (${((onThenOff / never - 1) * 100).toFixed(1)}% vs never on); on costs ${((1 - on / never) * 100).toFixed(1)}%`,
      };
    },
  },
];
