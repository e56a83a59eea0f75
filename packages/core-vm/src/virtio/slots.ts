import { CoreErrors } from "../errors.js";
import type { MmioDevice } from "../memory/bus.js";
import type { Simulation } from "../sim/simulation.js";
import type { VirtioDevice } from "./device.js";
import type { DmaMemory } from "./dma.js";
import { VirtioMmio } from "./mmio.js";

export interface VirtioSlotsWiring {
  sim: Simulation;
  mem: DmaMemory;
  nowNs: () => number;
  /** Drives PLIC source `irq`. */
  setIrq: (irq: number, level: boolean) => void;
  /** Slot i's window is at `base + size·i` and drives PLIC source `firstIrq + i`. */
  base: number;
  size: number;
  count: number;
  firstIrq: number;
}

/**
 * The board's virtio-mmio windows as one bus region: every slot answers
 * (an empty one as QEMU's: magic, version 2, device id 0), so drivers can
 * probe all of them; `attach` puts a device in a free slot.
 */
export class VirtioSlots implements MmioDevice {
  readonly transports: VirtioMmio[];

  constructor(private readonly wiring: VirtioSlotsWiring) {
    this.transports = Array.from({ length: wiring.count }, (_, i) => this.transport(i, null, `virtio${i}`));
  }

  private transport(slot: number, device: VirtioDevice | null, name: string): VirtioMmio {
    const w = this.wiring;
    return new VirtioMmio(device, {
      name,
      sim: w.sim,
      mem: w.mem,
      // Inside a guest instruction the machine's clock is ahead of the simulation's; in an event handler it may lag it.
      nowNs: () => Math.max(w.nowNs(), w.sim.now),
      setIrq: (level) => w.setIrq(w.firstIrq + slot, level),
    });
  }

  /**
   * Puts `device` in slot `slot` (0..7) and returns its transport. `name`
   * prefixes the device's event kinds (default `virtio<slot>`): give each
   * machine its own prefix when several share one simulation.
   */
  attach(slot: number, device: VirtioDevice, name = `virtio${slot}`): VirtioMmio {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.wiring.count) throw CoreErrors.virtioBadSlot(slot);
    if (this.transports[slot].device !== null) throw CoreErrors.virtioSlotInUse(slot);
    const t = this.transport(slot, device, name);
    this.transports[slot] = t;
    return t;
  }

  /** Guest-physical address of slot `slot`'s window. */
  address(slot: number): number {
    return this.wiring.base + this.wiring.size * slot;
  }

  /** Every slot's transport and device state (empty slots included), for a machine snapshot. */
  save(): unknown[] {
    return this.transports.map((t) => t.save());
  }

  /**
   * Restores every slot from `save()`'s output; the same devices must be
   * attached to the same slots. All or nothing: if one slot's state is
   * invalid, the slots already restored are put back and the error thrown.
   */
  restore(states: unknown): void {
    if (!Array.isArray(states) || states.length !== this.transports.length)
      throw CoreErrors.simBadState("virtio slots", `expected an array of ${this.transports.length} slot states`);
    const before = this.save();
    let i = 0;
    try {
      for (; i < this.transports.length; i++) this.transports[i].restore(states[i]);
    } catch (e) {
      for (let k = 0; k < i; k++) this.transports[k].restore(before[k]);
      throw e;
    }
  }

  read(offset: number, size: number): number {
    const slot = Math.floor(offset / this.wiring.size);
    return this.transports[slot].read(offset - slot * this.wiring.size, size);
  }

  write(offset: number, size: number, value: number): void {
    const slot = Math.floor(offset / this.wiring.size);
    this.transports[slot].write(offset - slot * this.wiring.size, size, value);
  }
}
