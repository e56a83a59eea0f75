/**
 * The QEMU `virt` board's memory map (hw/riscv/virt.c), the subset vmlab
 * implements. Guests built for `qemu-system-riscv32 -machine virt -bios none`
 * run unchanged.
 */
export const VIRT = {
  testFinisher: { base: 0x0010_0000, size: 0x1000 },
  clint: { base: 0x0200_0000, size: 0x1_0000 },
  plic: { base: 0x0c00_0000, size: 0x60_0000 },
  uart0: { base: 0x1000_0000, size: 0x100 },
  dram: { base: 0x8000_0000 },
  /** Eight virtio-mmio windows of 0x1000 bytes; slot i is at base + 0x1000·i and drives PLIC source firstIrq + i. */
  virtio: { base: 0x1000_1000, size: 0x1000, count: 8, firstIrq: 1 },
  /** PLIC source of UART0. */
  uart0Irq: 10,
} as const;

/** `mtime` frequency of QEMU's `virt` CLINT: 10 MHz, one tick per 100 ns of virtual time. */
export const MTIME_NS_PER_TICK = 100;
