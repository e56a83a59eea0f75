import { CoreErrors, checkOptionNames } from "../errors.js";
import { Machine } from "./machine.js";

/** Options of `bootElf`: RAM size, an instruction budget and the bytes the console gives the guest. */
export interface BootOptions {
  /** RAM size in MiB (default 128). */
  ramMiB?: number;
  /** Stop after this many retired instructions (default: unlimited). */
  maxInstructions?: number;
  /** Bytes the guest can read from the UART. */
  consoleInput?: Uint8Array;
}

/** What `bootElf` returns: the console output, the exit code, why the run stopped, retired instructions and virtual time. */
export interface BootResult {
  /** Every byte the guest wrote to the UART. */
  console: Uint8Array;
  /** From the SiFive test finisher (0x5555 → 0; (code << 16) | 0x3333 → code); null if it never exited. */
  exitCode: number | null;
  /**
   * exit = the finisher ended the run; budget = maxInstructions reached;
   * halt = the hart can never run again (WFI with no wake-up source, or a
   * trap loop that retires nothing).
   */
  stop: "exit" | "budget" | "halt";
  /** Retired instructions, exact. */
  instructions: number;
  virtualTimeNs: number;
}

/**
 * Runs a bare-metal ELF on a fresh `virt` machine, like
 * `qemu-system-riscv32 -machine virt -nographic -bios none -kernel elf`.
 * Deterministic: the same ELF and options give the same result.
 */
export function bootElf(elf: Uint8Array, options: BootOptions = {}): BootResult {
  // As Machine's: a misspelt maxInstructions would otherwise run a guest that never exits forever.
  checkOptionNames(options, ["ramMiB", "maxInstructions", "consoleInput"], CoreErrors.machineBadOption);
  const max = options.maxInstructions ?? Number.POSITIVE_INFINITY;
  if (!(max >= 0)) throw CoreErrors.machineBadOption("maxInstructions", max, "a number of instructions >= 0");
  const m = new Machine({ ramMiB: options.ramMiB });
  m.loadElf(elf);
  if (options.consoleInput) m.injectConsoleInput(options.consoleInput);
  let stop: BootResult["stop"];
  for (;;) {
    const r = m.run(max - m.hart.retired);
    if (r === "event") {
      m.sim.run({ until: m.sim.now });
      continue;
    }
    stop = r;
    break;
  }
  return { console: m.console(), exitCode: m.exitCode, stop, instructions: m.hart.retired, virtualTimeNs: m.nowNs() };
}
