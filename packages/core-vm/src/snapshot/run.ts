import type { Machine } from "../board/machine.js";
import { CoreErrors } from "../errors.js";

/** Why `runMachine` returned (see `BootResult.stop`). */
export type MachineStop = "exit" | "budget" | "halt";

/**
 * Runs a machine until the guest exits, the hart halts for good, or it has
 * retired `untilRetired` instructions in all (exact; Infinity = no limit),
 * firing simulation events as they fall due — the loop of `bootElf`, for a
 * machine that was restored or will be snapshotted.
 */
export function runMachine(m: Machine, untilRetired: number): MachineStop {
  if (!(untilRetired >= 0)) throw CoreErrors.machineBadOption("untilRetired", untilRetired, "a number of instructions >= 0 (or Infinity)");
  for (;;) {
    const r = m.run(Math.max(0, untilRetired - m.hart.retired));
    if (r === "event") {
      m.sim.run({ until: m.sim.now });
      continue;
    }
    return r;
  }
}
