import type { Machine } from "../board/machine.js";
import { VIRT } from "../board/virt-map.js";
import { CoreErrors } from "../errors.js";
import type { VirtioDevice } from "./device.js";
import type { VirtioMmio } from "./mmio.js";

/**
 * Attaches devices in the slots QEMU `virt` gives them when they appear in
 * this order on its command line: the first `-device` lands in the highest
 * slot (7, 0x10008000, IRQ 8), the next in 6, and so on. A guest that prints
 * its devices' addresses then prints the same on both. `name` prefixes the
 * devices' event kinds (`<name>.slot<i>`), for machines sharing a simulation.
 */
export function attachInQemuOrder(machine: Machine, devices: readonly VirtioDevice[], name = "virtio"): VirtioMmio[] {
  if (devices.length > VIRT.virtio.count)
    throw CoreErrors.virtioBadOption("devices", devices.length, `at most ${VIRT.virtio.count} virtio devices (the virt board's slots)`);
  return devices.map((d, i) => {
    const slot = VIRT.virtio.count - 1 - i;
    return machine.attachVirtio(slot, d, `${name}.slot${slot}`);
  });
}
