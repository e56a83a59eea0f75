import type { Clock } from "../clock/clock.js";
import { VirtualClock } from "../clock/clock.js";
import { MIP_MEIP, MIP_MSIP, MIP_MTIP } from "../cpu/constants.js";
import { Hart } from "../cpu/hart.js";
import { applyHartState, saveHart } from "../cpu/hart-state.js";
import { type ElfImage, loadElf } from "../elf/elf.js";
import { CoreErrors } from "../errors.js";
import { Bus } from "../memory/bus.js";
import { Ram } from "../memory/ram.js";
import { Simulation } from "../sim/simulation.js";
import type { VirtioDevice } from "../virtio/device.js";
import { ramDma } from "../virtio/dma.js";
import type { VirtioMmio } from "../virtio/mmio.js";
import { VirtioSlots } from "../virtio/slots.js";
import { Clint } from "./clint.js";
import { checkMachineOptions, type MachineOptions } from "./machine-options.js";
import { checkMachineState, type MachineState } from "./machine-state.js";
import { Plic } from "./plic.js";
import { TestFinisher } from "./test-finisher.js";
import { Uart16550 } from "./uart16550.js";
import { VIRT } from "./virt-map.js";

export type { MachineOptions } from "./machine-options.js";
export { type MachineState, MachineStateSchema } from "./machine-state.js";

/**
 * Why `Machine.run` returned: the finisher ended the run; the budget was
 * used up; a simulation event is due (run the simulation, then call `run`
 * again); or the hart is halted for good (WFI with no wake-up source, or a
 * trap loop that retires nothing).
 */
export type RunStop = "exit" | "budget" | "event" | "halt";

const CONSOLE_INITIAL = 4096;
/** QEMU places the device tree at (end of RAM - its size) rounded down to 2 MiB; its size is a few KiB. */
const FDT_ALIGN = 2 * 1024 * 1024;
const FDT_SIZE_ESTIMATE = 0x2000;
/** Address of QEMU's `fw_dynamic_info` in the `virt` reset ROM, passed in a2. */
const QEMU_FW_DYNAMIC_INFO = 0x1028;

/**
 * A QEMU-`virt`-compatible machine: one RV32IMA hart, RAM at 0x80000000,
 * NS16550A UART, SiFive test finisher, CLINT and PLIC. It runs for an
 * instruction budget and returns; it never owns the event loop. Virtual time
 * is the simulation clock plus `nsPerInstruction` per retired instruction;
 * the machine advances the simulation clock to its own time when it returns,
 * never past the next pending event.
 */
export class Machine {
  readonly sim: Simulation;
  readonly ram: Ram;
  readonly bus = new Bus();
  readonly hart: Hart;
  readonly uart: Uart16550;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly finisher: TestFinisher;
  /** The eight virtio-mmio slots (see `attachVirtio`). */
  readonly virtio: VirtioSlots;
  readonly nsPerInstruction: number;
  readonly clock: Clock;
  /** The finisher's exit code once the guest has exited, else null. */
  exitCode: number | null = null;
  private consoleBytes = new Uint8Array(CONSOLE_INITIAL);
  private consoleLength = 0;
  private timeBaseNs: number;
  private retiredBase = 0;
  /** `run`'s time limit: an idle WFI does not jump the clock past it. */
  private horizonNs = Number.POSITIVE_INFINITY;
  /** In a run with a time limit: instructions' worth of time its WFI waits used up of its budget. */
  private waitedBudget = 0;
  private waitingInWfi = false;
  /**
   * `sim.executed` when the WFI was cut: an event of the guest's own simulation since then ends the wait,
   * as the wake-up a WFI run alone waits for (its next event, interrupt or not) — whether the guest had a
   * CPU when it fired or not.
   */
  private waitEvents = 0;

  constructor(options: MachineOptions = {}) {
    const { ramMiB, ns } = checkMachineOptions(options);
    this.nsPerInstruction = ns;
    this.clock = options.clock ?? new VirtualClock();
    this.sim = options.simulation ?? new Simulation();
    this.timeBaseNs = this.sim.now;
    this.ram = new Ram(VIRT.dram.base, ramMiB * 1024 * 1024);
    const hart = new Hart(this.ram, {
      bus: this.bus,
      mtime: () => this.clint.mtime(),
      waitForInterrupt: () => this.waitForInterrupt(),
    });
    this.hart = hart;
    this.plic = new Plic((level) => hart.setPending(MIP_MEIP, level));
    this.uart = new Uart16550(
      (b) => this.consoleByte(b),
      (level) => this.plic.setSource(VIRT.uart0Irq, level),
    );
    this.clint = new Clint({
      nowNs: () => this.nowNs(),
      setSoftware: (level) => hart.setPending(MIP_MSIP, level),
      timerChanged: () => this.updateTimer(),
    });
    this.finisher = new TestFinisher((code) => {
      this.exitCode = code;
      hart.exitLoop = 1;
    });
    // Access widths as QEMU 7.2 decodes them: byte accesses to the finisher, and byte or
    // halfword accesses to the CLINT and PLIC, are access faults.
    this.bus.map("test-finisher", VIRT.testFinisher.base, VIRT.testFinisher.size, this.finisher, 2);
    this.bus.map("clint", VIRT.clint.base, VIRT.clint.size, this.clint, 4);
    this.bus.map("plic", VIRT.plic.base, VIRT.plic.size, this.plic, 4);
    this.bus.map("uart0", VIRT.uart0.base, VIRT.uart0.size, this.uart);
    const cache = hart.cache;
    const linesPerPage = 1 << 6; // 4 KiB pages of 64-byte code lines (cpu/code-cache.ts)
    this.virtio = new VirtioSlots({
      sim: this.sim,
      // Device writes into translated code drop it, as a CPU store would.
      mem: ramDma(this.ram, (page) => {
        const lines = cache.lines;
        for (let l = page * linesPerPage, end = l + linesPerPage; l < end; l++)
          if (lines[l] !== 0) {
            cache.invalidatePage(page);
            return;
          }
      }),
      nowNs: () => this.nowNs(),
      setIrq: (irq, level) => this.plic.setSource(irq, level),
      ...VIRT.virtio,
    });
    this.bus.map("virtio", VIRT.virtio.base, VIRT.virtio.size * VIRT.virtio.count, this.virtio);
  }

  /**
   * Puts a virtio device in slot `slot` (0..7: window 0x10001000 + 0x1000·slot,
   * PLIC source 1 + slot, as QEMU `virt`). `name` prefixes the device's event
   * kinds; give each machine its own when several share one simulation.
   */
  attachVirtio(slot: number, device: VirtioDevice, name?: string): VirtioMmio {
    return this.virtio.attach(slot, device, name);
  }

  /** Virtual time now, in ns (exact inside a translated block too). */
  nowNs(): number {
    return this.timeBaseNs + (this.hart.instant - this.retiredBase) * this.nsPerInstruction;
  }

  /** Parses and loads an ELF (see `loadElf`), and points the hart at its entry. */
  loadElf(bytes: Uint8Array): ElfImage {
    const image = loadElf(bytes, { ramBase: this.ram.base, ramSize: this.ram.size });
    this.load(image);
    return image;
  }

  /**
   * Loads a parsed image and points the hart at its entry in M mode, with
   * the registers QEMU 7.2's reset vector leaves there: t0 = entry, a0 =
   * mhartid (0), a1 = where QEMU puts the device tree (2 MiB-aligned, just
   * below the end of RAM; vmlab provides no device tree), a2 = QEMU's
   * `fw_dynamic_info` address (0x1028).
   */
  load(image: ElfImage): void {
    for (const s of image.segments) {
      if (!this.ram.contains(s.paddr, s.memsz))
        throw CoreErrors.elfSegmentOutsideRam(-1, s.paddr, s.paddr + s.memsz, this.ram.base, this.ram.base + this.ram.size);
      this.ram.write(s.paddr, s.data);
      this.ram.u8.fill(0, s.paddr - this.ram.base + s.data.length, s.paddr - this.ram.base + s.memsz);
    }
    this.hart.cache.flushAll();
    this.waitingInWfi = false;
    this.hart.pc = image.entry | 0;
    const ramEnd = this.ram.base + this.ram.size;
    const fdt = Math.max(this.ram.base, Math.floor((ramEnd - FDT_SIZE_ESTIMATE) / FDT_ALIGN) * FDT_ALIGN);
    this.hart.x[5] = image.entry | 0;
    this.hart.x[10] = 0;
    this.hart.x[11] = fdt | 0;
    this.hart.x[12] = QEMU_FW_DYNAMIC_INFO;
  }

  /** Saves the hart, devices and clock (not RAM: read `ram.u8` for the memory image). */
  save(): MachineState {
    return {
      version: 1,
      ramBytes: this.ram.size,
      timeNs: this.nowNs(),
      exitCode: this.exitCode,
      hart: saveHart(this.hart),
      uart: this.uart.save(),
      clint: this.clint.save(),
      plic: this.plic.save(),
      ...(this.stillWaiting() ? { waiting: true as const } : {}),
    };
  }

  /**
   * Restores a saved state and, if given, a RAM image of the same size.
   * Everything is validated first: on bad input it throws
   * `VMLAB_SIM_BAD_STATE` and the machine is unchanged. Translated code is
   * dropped; console output collected so far is kept.
   */
  restore(state: unknown, ramImage?: Uint8Array): void {
    const s = checkMachineState(state, this.ram.size, ramImage);
    if (ramImage !== undefined) this.ram.u8.set(ramImage);
    this.exitCode = s.exitCode;
    this.timeBaseNs = s.timeNs;
    this.retiredBase = s.hart.retired;
    this.hart.retired = s.hart.retired;
    this.plic.restore(s.plic);
    this.clint.restore(s.clint);
    this.uart.restore(s.uart);
    applyHartState(this.hart, s.hart);
    this.waitingInWfi = s.waiting === true;
    // Saved waiting only if no event had ended the wait; the simulation is restored first (as snapshots and hosts do).
    this.waitEvents = this.sim.executed;
  }

  /**
   * Whether the hart is idle in a WFI that `run`'s time limit cut short: it
   * waits on (retiring nothing) until an interrupt is pending, then resumes
   * after the WFI, as if the wait had never been cut.
   */
  get waiting(): boolean {
    return this.stillWaiting();
  }

  /** In a cut WFI that no event has ended since (see `waitEvents`). */
  private stillWaiting(): boolean {
    return this.waitingInWfi && this.sim.executed === this.waitEvents;
  }

  /**
   * When a waiting hart can next wake: now if an enabled interrupt is
   * pending, else its timer deadline (if enabled) or its simulation's next
   * event (Infinity if neither). Not waiting: now.
   */
  wakeNs(): number {
    const now = this.nowNs();
    if (!this.stillWaiting()) return now;
    this.updateTimer();
    if ((this.hart.mip & this.hart.mie) !== 0) return now;
    return Math.max(now, this.nextWakeSourceNs());
  }

  /** The earliest of the timer deadline (if its interrupt is enabled) and the simulation's next event; Infinity if neither. */
  private nextWakeSourceNs(): number {
    const timer = (this.hart.mie & MIP_MTIP) !== 0 ? this.clint.timerDeadlineNs() : Number.POSITIVE_INFINITY;
    return Math.min(timer, this.sim.peek());
  }

  /**
   * Waiting in WFI with nothing of its own that can wake it (no pending interrupt, no timer, no event in its
   * simulation): only another machine (a frame) can. A run without a time limit would call this a halt.
   */
  get parked(): boolean {
    return this.waitingInWfi && this.wakeNs() === Number.POSITIVE_INFINITY;
  }

  /** Bytes the guest wrote to the UART so far. */
  console(): Uint8Array {
    return this.consoleBytes.slice(0, this.consoleLength);
  }

  /** Queues console input for the UART's receiver. */
  injectConsoleInput(bytes: Uint8Array): void {
    this.uart.inject(bytes);
  }

  /** Switches dirty-page tracking; translated code is regenerated so that tracking off costs nothing. */
  setDirtyTracking(on: boolean): void {
    this.ram.dirtyPages = on ? new Uint8Array(this.ram.pageCount) : null;
    this.hart.cache.flushAll();
  }

  /** Switches accessed-page tracking (loads, stores and instruction fetch). */
  setAccessTracking(on: boolean): void {
    this.ram.accessedPages = on ? new Uint8Array(this.ram.pageCount) : null;
    this.hart.cache.flushAll();
  }

  private consoleByte(b: number): void {
    if (this.consoleLength === this.consoleBytes.length) {
      const bigger = new Uint8Array(this.consoleBytes.length * 2);
      bigger.set(this.consoleBytes);
      this.consoleBytes = bigger;
    }
    this.consoleBytes[this.consoleLength++] = b;
  }

  /** mip.MTIP follows `mtime >= mtimecmp`. */
  private updateTimer(): void {
    this.hart.setPending(MIP_MTIP, this.nowNs() >= this.clint.timerDeadlineNs());
  }

  /**
   * WFI with nothing pending: jump virtual time to the timer deadline (if enabled) or the next event. With
   * neither, a run without a time limit halts (false); a run with one (a host's slice, a lockstep round)
   * waits at the limit, since another machine may still send something (`parked`).
   */
  private waitForInterrupt(): boolean {
    const now = this.nowNs();
    const wake = this.nextWakeSourceNs();
    // Nothing can wake it and no limit to wait at: halted. With a limit, the wait below stops there, waiting on.
    if (wake === Number.POSITIVE_INFINITY && this.horizonNs === Number.POSITIVE_INFINITY) return false;
    this.waitingInWfi = false;
    if (wake > now) {
      // Never past `run`'s time limit: what other machines send meanwhile (a frame, an
      // interrupt) must find this one at that time, not already at its wake-up time.
      const to = Math.min(wake, Math.max(now, this.horizonNs));
      if (to < wake) {
        this.waitingInWfi = true;
        this.waitEvents = this.sim.executed;
      }
      // Live clock: an idle guest waits for real time (virtual: returns at once).
      this.clock.waitUntil(to);
      const waited = Math.ceil((to - now) / this.nsPerInstruction);
      this.timeBaseNs += waited * this.nsPerInstruction;
      if (this.horizonNs !== Number.POSITIVE_INFINITY) this.waitedBudget += waited;
    }
    return true;
  }

  /** Instructions until virtual time reaches `t` (at least 1). */
  private instructionsUntil(t: number, now: number): number {
    return Math.max(1, Math.ceil((t - now) / this.nsPerInstruction));
  }

  /**
   * Runs the hart for at most `budget` retired instructions (may be
   * Infinity). Returns early when the guest exits, a simulation event falls
   * due, or the hart halts. Timer interrupts are exact: the run is split at
   * the instruction where `mtime` reaches `mtimecmp`. `untilNs` (default
   * Infinity) limits an idle WFI: the clock stops there and the run returns
   * "budget" with the hart still waiting (`waiting`), so a machine run in
   * lockstep with others does not jump past the time they have reached.
   * With a time limit the budget is time, in instructions: a WFI's wait
   * uses it up as the instructions it could have retired meanwhile, so a
   * caller's budget up to a time (a slice's end, a round's) stops there
   * however long the guest waited on the way.
   */
  run(budget: number, untilNs = Number.POSITIVE_INFINITY): RunStop {
    if (!(budget >= 0)) throw CoreErrors.machineBadOption("budget", budget, "a number of instructions >= 0 (or Infinity)");
    if (!(untilNs >= 0)) throw CoreErrors.machineBadOption("untilNs", untilNs, "a virtual time in ns >= 0 (or Infinity)");
    this.horizonNs = untilNs;
    this.waitedBudget = 0;
    const h = this.hart;
    if (this.sim.now > this.nowNs()) {
      this.timeBaseNs = this.sim.now;
      this.retiredBase = h.retired;
    }
    const end = h.retired + budget;
    let stop: RunStop;
    for (;;) {
      if (this.exitCode !== null) {
        stop = "exit";
        break;
      }
      if (h.stuck) {
        stop = "halt";
        break;
      }
      this.updateTimer();
      const now = this.nowNs();
      const nextEvent = this.sim.peek();
      if (nextEvent <= now) {
        stop = "event";
        break;
      }
      // An event since the WFI was cut (fired while the guest was descheduled) ended it, as alone.
      if (this.waitingInWfi && this.sim.executed !== this.waitEvents) this.waitingInWfi = false;
      if (this.waitingInWfi && (h.mip & h.mie) === 0) {
        // Still idle in a cut WFI: wait on, up to this run's time limit.
        if (!this.waitForInterrupt()) {
          h.stuck = true;
          continue;
        }
        if (this.waitingInWfi) {
          stop = "budget";
          break;
        }
        continue;
      }
      this.waitingInWfi = false;
      if (h.retired + this.waitedBudget >= end) {
        stop = "budget";
        break;
      }
      let limit = end - this.waitedBudget;
      if (nextEvent !== Number.POSITIVE_INFINITY) limit = Math.min(limit, h.retired + this.instructionsUntil(nextEvent, now));
      const deadline = this.clint.timerDeadlineNs();
      if (deadline > now && deadline !== Number.POSITIVE_INFINITY)
        limit = Math.min(limit, h.retired + this.instructionsUntil(deadline, now));
      h.exitLoop = 0;
      h.execute(limit);
    }
    const now = this.nowNs();
    if (now > this.sim.now) this.sim.now = Math.min(now, this.sim.peek());
    return stop;
  }
}
