import type { Machine } from "../board/machine.js";
import { CoreErrors } from "../errors.js";

/** Options of `runLockstep`: the quantum between synchronisations and the virtual time to stop at. */
export interface LockstepOptions {
  /**
   * How far the machines advance between synchronisations, ns. Must not
   * exceed the smallest link latency between them (conservative parallel
   * simulation: nothing sent in one quantum can arrive in it).
   */
  quantumNs: number;
  /** Stop when every machine reaches this virtual time (default: run until all exit). */
  untilNs?: number;
}

/** Why `runLockstep` stopped: every guest exited, a machine halted or all wait with nothing to wake them, or `untilNs` came. */
export type LockstepStop = "exit" | "halt" | "time";

/**
 * Runs several machines, each with its own simulation, side by side in
 * virtual time: every round each machine runs (with its due events) up to
 * the round's end, in the order given — deterministic. It runs only whole
 * instructions that end by the round's end (as a host's slice does). A stopgap driver for
 * guests that talk over a `VirtualSwitch`, until `Host` schedules VMs. A
 * guest idle in WFI waits at the round's end (it does not jump to its timer),
 * and one waiting with nothing of its own to wake it (`Machine.parked`) waits
 * for another machine's frame; once every machine still running is parked,
 * nothing can wake any of them and the run stops with "halt".
 */
export function runLockstep(machines: readonly Machine[], options: LockstepOptions): LockstepStop {
  const q = options.quantumNs;
  if (!Number.isInteger(q) || q < 1) throw CoreErrors.netBadOption("quantumNs", q, "an integer number of ns >= 1");
  const until = options.untilNs ?? Number.POSITIVE_INFINITY;
  const done = machines.map(() => false);
  let t = Math.max(...machines.map((m) => m.nowNs()));
  let halted = false;
  while (done.some((d) => !d)) {
    // Everyone left waits in WFI for a frame from another machine, and no frame is on its way (it would
    // be an event in its receiver's simulation): nothing can wake any of them.
    if (machines.every((m, i) => done[i] || m.parked)) return "halt";
    if (t >= until) return "time";
    t = Math.min(t + q, until);
    machines.forEach((m, i) => {
      if (done[i]) return;
      for (;;) {
        // Only whole instructions that end by `t` (as a host's slice): one that would end past it waits for the
        // next round, so no machine's clock passes the round's end. A machine whose simulation is ahead of its
        // clock resumes from there (`run` rebases it).
        const left = Math.floor((t - Math.max(m.nowNs(), m.sim.now)) / m.nsPerInstruction);
        if (left <= 0 && m.sim.peek() > t) break;
        // The round's end also bounds an idle WFI: a waiting guest stays at t, where frames sent to it arrive.
        const r = left <= 0 ? "event" : m.run(left, t);
        if (r === "event") {
          m.sim.run({ until: Math.min(t, Math.max(m.sim.now, m.nowNs())) });
          if (left <= 0) break;
          continue;
        }
        if (r === "exit" || r === "halt") {
          done[i] = true;
          if (r === "halt") halted = true;
        }
        if (r !== "budget") break;
      }
    });
  }
  return halted ? "halt" : "exit";
}
