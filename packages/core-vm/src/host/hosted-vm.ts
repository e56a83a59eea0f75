import type { Simulation } from "../sim/simulation.js";

/**
 * A VM as a `Host` schedules it: one vCPU and its own simulation (devices,
 * timers, in-flight requests). Emulated guests and workload models both
 * implement it, so one host runs them side by side.
 */
export interface HostedVm {
  readonly name: string;
  readonly sim: Simulation;
  /** The least vCPU time it can run at once, ns (a guest: one instruction); a host's slice must hold it. Absent: 1. */
  readonly minRunNs?: number;
  /** Retired for good (the guest exited, the workload finished). */
  readonly done: boolean;
  /**
   * Not done, but nothing of its own can wake it (a guest in WFI with no timer and no event in its
   * simulation): only another VM can, by sending it something. Absent: never.
   */
  readonly parked?: boolean;
  /** Called when every VM on every host is done or parked: nothing can wake this parked VM any more. */
  settle?(): void;
  /** Whether the vCPU has work for a physical CPU in the slice ending at `endNs` (not done, not idle until later). */
  wantsCpu(endNs: number): boolean;
  /**
   * When the vCPU has work from (a guest in WFI: its wake-up time; a workload waiting for its IOs: the next
   * completion): a VM that wants a CPU is ready (%RDY) from then until it gets one or the slice ends, and
   * a CPU given back partway through a slice goes to it only from then. Absent: from the slice's start.
   */
  readyFromNs?(): number;
  /**
   * Runs the vCPU on a physical CPU up to virtual time `endNs`, firing the VM's events as they fall due.
   * Returns the vCPU time it used, ns: what it executed, not the time it spent idle (a guest in WFI, a
   * workload waiting for its IOs) or done — the host's `runNs` (ESX's %RUN) adds it up.
   */
  runOn(endNs: number): number;
  /**
   * Runs the vCPU on a physical CPU it is given at `fromNs` (the VM is ready by then: `readyFromNs`) until
   * it stops wanting the CPU — it idles (a guest in WFI with nothing pending, a workload waiting for its IOs)
   * or is done — or until `endNs`, whichever comes first, and leaves its clock where it stopped. Returns the
   * vCPU time it used (as `runOn`) and that time. The host then gives the CPU to another ready VM, and this
   * one a CPU again once it is ready. Absent: the host calls `idleTo(fromNs)` and `runOn`, and the VM keeps
   * the CPU to the slice's end.
   */
  runUntilIdle?(fromNs: number, endNs: number): { usedNs: number; stopNs: number };
  /**
   * Advances the VM to `endNs` without its vCPU (descheduled or idle): its
   * events still fire — devices complete, timers and interrupts become
   * pending — and are seen when the vCPU next runs.
   */
  idleTo(endNs: number): void;
}
