import type { Machine } from "../board/machine.js";
import { CoreErrors } from "../errors.js";
import type { MachineStop } from "../snapshot/run.js";
import type { Clock } from "./clock.js";

/** Instructions per slice between clock synchronisations (1 ms of guest time at 1 ns per instruction). */
const SLICE = 1_000_000;

/**
 * Runs a machine under a clock until the guest exits, halts, or has retired
 * `untilRetired` instructions. Under the virtual clock this is exactly
 * `runMachine` (same results, instruction for instruction); under the live
 * clock, between slices the simulation is brought to host time and the guest
 * waits whenever its time is ahead of the host's.
 */
export function runWithClock(m: Machine, clock: Clock, untilRetired: number): MachineStop {
  if (!(untilRetired >= 0)) throw CoreErrors.machineBadOption("untilRetired", untilRetired, "a number of instructions >= 0 (or Infinity)");
  for (;;) {
    clock.sync(m.sim);
    const left = untilRetired - m.hart.retired;
    const r = m.run(clock.mode === "live" ? Math.min(SLICE, Math.max(0, left)) : Math.max(0, left));
    if (r === "event") {
      clock.waitUntil(m.sim.peek());
      m.sim.run({ until: m.sim.now });
      continue;
    }
    if (r === "budget" && m.hart.retired < untilRetired) {
      clock.waitUntil(m.nowNs());
      continue;
    }
    return r;
  }
}
