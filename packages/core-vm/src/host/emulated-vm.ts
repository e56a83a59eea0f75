import type { Machine } from "../board/machine.js";
import type { Simulation } from "../sim/simulation.js";
import type { HostedVm } from "./hosted-vm.js";

/** An emulated guest (a `Machine` running real RV32 code) as a hosted VM. */
export class EmulatedVm implements HostedVm {
  private ended: "exit" | "halt" | null = null;

  /**
   * How the guest ended: "exit" (test finisher) or "halt" (can never run again: nothing on any host can wake it).
   * A machine restored from a state saved after its guest exited, or with its hart stuck, has ended too: it is not
   * run again (this flag is not saved; the machine's exit code and the hart's `stuck` are).
   */
  get stop(): "exit" | "halt" | null {
    const m = this.machine;
    return this.ended ?? (m.exitCode !== null ? "exit" : m.hart.stuck ? "halt" : null);
  }
  private set stop(how: "exit" | "halt") {
    this.ended = how;
  }

  constructor(
    readonly name: string,
    readonly machine: Machine,
  ) {}

  get sim(): Simulation {
    return this.machine.sim;
  }

  /** One instruction: it runs only whole instructions within a slice. */
  get minRunNs(): number {
    return this.machine.nsPerInstruction;
  }

  get done(): boolean {
    return this.stop !== null;
  }

  /** In WFI with no timer, interrupt or event of its own: a frame from another VM may still wake it. */
  get parked(): boolean {
    return this.stop === null && this.machine.parked;
  }

  settle(): void {
    if (this.parked) this.stop = "halt";
  }

  wantsCpu(endNs: number): boolean {
    // A guest idle in WFI needs no CPU before it can wake: an interrupt pending (a frame
    // from another VM, a device completion) or its timer or next event within the slice.
    return this.stop === null && this.readyFromNs() < endNs;
  }

  /** Idle in WFI: its wake-up time (a pending interrupt: now); else its clock. */
  readyFromNs(): number {
    const m = this.machine;
    return m.waiting ? m.wakeNs() : m.nowNs();
  }

  /** Returns the time the guest executed: its retired instructions at `nsPerInstruction` (WFI waits are idle). */
  runOn(endNs: number): number {
    const m = this.machine;
    const retired = m.hart.retired;
    while (this.stop === null) {
      // A descheduled guest's clock moved on with its simulation: it resumes from there. Only whole
      // instructions that end by `endNs`: one that would end past it waits for the next slice.
      const left = Math.floor((endNs - Math.max(m.nowNs(), m.sim.now)) / m.nsPerInstruction);
      if (left <= 0) break;
      // The time limit keeps an idle WFI from jumping the guest's clock past the slice:
      // what other VMs send it in this slice must find it here, and wake it.
      const r = m.run(left, endNs);
      if (r === "event") m.sim.run({ until: Math.min(endNs, Math.max(m.sim.now, m.nowNs())) });
      else if (r === "exit") this.stop = "exit";
      else if (r === "halt") {
        // Stuck for good (a bounded run parks a WFI instead: see `parked`).
        this.stop = "halt";
        break;
      }
    }
    this.idleTo(endNs);
    return (m.hart.retired - retired) * m.nsPerInstruction;
  }

  /**
   * Runs the guest from `fromNs` until it waits in WFI with nothing pending, exits, or reaches `endNs`;
   * returns the time it executed and where its clock stopped. It waits in the WFI (`machine.waiting`)
   * for the host to run it again.
   */
  runUntilIdle(fromNs: number, endNs: number): { usedNs: number; stopNs: number } {
    const m = this.machine;
    const retired = m.hart.retired;
    // Descheduled until now (runnable, or woken before it got the CPU): its events fire meanwhile and it resumes at
    // `fromNs`. Given the CPU as it wakes, its WFI ends as on a machine of its own: at its next event.
    if (!m.waiting || m.wakeNs() < fromNs) this.idleTo(fromNs);
    let horizon = fromNs;
    while (this.stop === null) {
      // A guest given the CPU as its WFI ends (at `fromNs`, past its clock) waits to then first: the
      // wait uses up its budget (a run with a time limit), so it stops at `endNs`. Only whole instructions
      // that end by `endNs` (as `runOn`): the CPU is not its past the slice's end.
      const now = Math.max(m.nowNs(), m.sim.now);
      const left = Math.floor((endNs - now) / m.nsPerInstruction);
      if (left <= 0) break;
      // A WFI with nothing pending waits no longer than the time limit (after the first run: no time at
      // all) and the run returns, the hart still waiting — the guest gives its CPU back (ESX deschedules
      // a halted vCPU).
      const r = m.run(left, horizon);
      horizon = 0;
      if (r === "event") m.sim.run({ until: Math.min(endNs, Math.max(m.sim.now, m.nowNs())) });
      else if (r === "exit") this.stop = "exit";
      else if (r === "halt") this.stop = "halt";
      else if (m.waiting) break;
    }
    // Left no room for an instruction before `endNs`, it gives the CPU back where it got it.
    return { usedNs: (m.hart.retired - retired) * m.nsPerInstruction, stopNs: Math.max(m.nowNs(), m.sim.now, fromNs) };
  }

  idleTo(endNs: number): void {
    if (this.machine.sim.now < endNs) this.machine.sim.run({ until: endNs });
  }
}
