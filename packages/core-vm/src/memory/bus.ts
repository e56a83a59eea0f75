/**
 * Memory-mapped IO: devices see offsets into their own window; the bus finds
 * the device for an address. Only the CPU's slow path comes here — RAM is
 * accessed directly (see `cpu/translate.ts`).
 */
export interface MmioDevice {
  /** Reads `size` bytes (1, 2 or 4) at `offset`; returns the value zero-extended. */
  read(offset: number, size: number): number;
  /** Writes the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: number, value: number): void;
}

interface Region {
  name: string;
  base: number;
  size: number;
  device: MmioDevice;
  /** Narrowest access the device decodes; a narrower one is an access fault. */
  minAccess: number;
}

/** Address → device dispatch over a handful of windows (linear scan: a board has few devices). */
export class Bus {
  private readonly regions: Region[] = [];

  /**
   * Maps `device` at [base, base+size). Windows must not overlap. Accesses
   * narrower than `minAccess` bytes are access faults (QEMU's CLINT and PLIC
   * take only 4-byte accesses, its test finisher 2- and 4-byte ones).
   */
  map(name: string, base: number, size: number, device: MmioDevice, minAccess = 1): void {
    this.regions.push({ name, base: base >>> 0, size, device, minAccess });
  }

  /** Device windows, for inspection. */
  get windows(): readonly { name: string; base: number; size: number }[] {
    return this.regions.map(({ name, base, size }) => ({ name, base, size }));
  }

  private find(addr: number, size: number): Region | null {
    const a = addr >>> 0;
    for (const r of this.regions) if (a >= r.base && a + size <= r.base + r.size) return size >= r.minAccess ? r : null;
    return null;
  }

  /** Reads from a device; -1 if no device decodes the address (an access fault). */
  read(addr: number, size: number): number {
    const r = this.find(addr, size);
    if (r === null) return -1;
    return r.device.read((addr >>> 0) - r.base, size) >>> 0;
  }

  /** Writes to a device; false if no device decodes the address (an access fault). */
  write(addr: number, size: number, value: number): boolean {
    const r = this.find(addr, size);
    if (r === null) return false;
    r.device.write((addr >>> 0) - r.base, size, value);
    return true;
  }
}
