import type { Clock } from "../clock/clock.js";
import { CoreErrors, checkOptionNames } from "../errors.js";
import type { Simulation } from "../sim/simulation.js";

/** Options of a `Machine`: RAM size, the simulation that drives it, virtual time per instruction and the clock (virtual or live). */
export interface MachineOptions {
  /** RAM size in MiB (default 128, as QEMU `virt`). */
  ramMiB?: number;
  /** The simulation whose clock drives the devices (default: a new one). */
  simulation?: Simulation;
  /**
   * Virtual time per retired instruction, in ns (default 1: a 1 GHz hart at
   * one instruction per cycle — an assumption, see docs/cpu.md).
   */
  nsPerInstruction?: number;
  /**
   * Virtual (default: deterministic) or live (an idle hart waits for the
   * host clock to reach its wake-up time; see `clock/`).
   */
  clock?: Clock;
}

/**
 * A `Machine`'s RAM size (MiB) and virtual time per instruction (`ns`) with their defaults; refuses an unknown
 * option (`VMLAB_MACHINE_BAD_OPTION`), RAM outside 1..1792 MiB (`VMLAB_MACHINE_BAD_RAM`) and a time per instruction that is not an integer >= 1.
 */
export function checkMachineOptions(options: MachineOptions): { ramMiB: number; ns: number } {
  // `devices`: a snapshot's MachineConfig, passed whole by a restore's factory (which attaches them itself).
  checkOptionNames(options, ["ramMiB", "simulation", "nsPerInstruction", "clock", "devices"], CoreErrors.machineBadOption);
  const ramMiB = options.ramMiB ?? 128;
  if (!Number.isInteger(ramMiB) || ramMiB < 1 || ramMiB > 1792) throw CoreErrors.machineBadRam(ramMiB * 1024 * 1024);
  const ns = options.nsPerInstruction ?? 1;
  if (!Number.isInteger(ns) || ns < 1) throw CoreErrors.machineBadOption("nsPerInstruction", ns, "an integer >= 1");
  return { ramMiB, ns };
}
