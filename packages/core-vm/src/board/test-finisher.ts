import type { MmioDevice } from "../memory/bus.js";

/** SiFive test finisher status codes (QEMU hw/misc/sifive_test.c). */
const FINISHER_FAIL = 0x3333;
const FINISHER_PASS = 0x5555;

/**
 * SiFive test finisher: a 32-bit write of 0x5555 ends the run with exit code
 * 0; `(code << 16) | 0x3333` ends it with `code`. Other values are ignored
 * (QEMU's 0x7777 "reset" is not modelled). Reads return 0.
 */
export class TestFinisher implements MmioDevice {
  constructor(private readonly onExit: (code: number) => void) {}

  read(): number {
    return 0;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset !== 0) return;
    const status = value & 0xffff;
    if (status === FINISHER_PASS) this.onExit(0);
    else if (status === FINISHER_FAIL) this.onExit((value >>> 16) & 0xffff);
  }
}
