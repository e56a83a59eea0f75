import { z } from "zod";
import type { MmioDevice } from "../memory/bus.js";
import { MTIME_NS_PER_TICK } from "./virt-map.js";

const MSIP = 0x0;
const MTIMECMP = 0x4000;
const MTIME = 0xbff8;
const TWO32 = 4294967296;

const u32 = z.number().int().min(0).max(0xffff_ffff);
export const ClintStateSchema = z.object({
  version: z.literal(1),
  msip: z.union([z.literal(0), z.literal(1)]),
  mtimecmpLo: u32,
  mtimecmpHi: u32,
});
export type ClintState = z.infer<typeof ClintStateSchema>;

/** What the CLINT needs from the board: the virtual clock and its two interrupt lines' owner. */
export interface ClintWiring {
  /** Virtual time now, in ns. */
  nowNs(): number;
  /** Level of the machine software interrupt (mip.MSIP). */
  setSoftware(level: boolean): void;
  /** `mtimecmp` changed: the board re-evaluates the timer interrupt. */
  timerChanged(): void;
}

/**
 * Core-local interruptor for one hart (SiFive CLINT layout as in QEMU
 * `virt`): `msip` at +0, `mtimecmp` at +0x4000, `mtime` at +0xbff8. `mtime`
 * is virtual time / 100 ns (10 MHz); it is derived from the simulation clock,
 * never stored, so a run is deterministic. Writes to `mtime` are ignored.
 */
export class Clint implements MmioDevice {
  msip = 0;
  /** `mtimecmp` as two 32-bit halves (exact); 0 after reset, as in QEMU. */
  mtimecmpLo = 0;
  mtimecmpHi = 0;

  constructor(private readonly wiring: ClintWiring) {}

  save(): ClintState {
    return { version: 1, msip: this.msip === 0 ? 0 : 1, mtimecmpLo: this.mtimecmpLo, mtimecmpHi: this.mtimecmpHi };
  }

  /** Restores from a state already validated with `ClintStateSchema`. */
  restore(s: ClintState): void {
    this.msip = s.msip;
    this.mtimecmpLo = s.mtimecmpLo;
    this.mtimecmpHi = s.mtimecmpHi;
    this.wiring.setSoftware(this.msip === 1);
    this.wiring.timerChanged();
  }

  /** `mtime` now (ticks). */
  mtime(): number {
    return Math.floor(this.wiring.nowNs() / MTIME_NS_PER_TICK);
  }

  /** Virtual time (ns) at which `mtime >= mtimecmp`; +Infinity if beyond 2^53 ns. */
  timerDeadlineNs(): number {
    const ticks = this.mtimecmpHi * TWO32 + this.mtimecmpLo;
    const ns = ticks * MTIME_NS_PER_TICK;
    return ns > Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : ns;
  }

  read(offset: number, size: number): number {
    if (offset === MSIP) return this.msip;
    if (offset === MTIMECMP) return this.mtimecmpLo;
    if (offset === MTIMECMP + 4) return this.mtimecmpHi;
    const now = this.mtime();
    if (offset === MTIME) return size === 8 ? now : now % TWO32;
    if (offset === MTIME + 4) return Math.floor(now / TWO32);
    return 0;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === MSIP) {
      this.msip = value & 1;
      this.wiring.setSoftware(this.msip === 1);
    } else if (offset === MTIMECMP) {
      this.mtimecmpLo = value >>> 0;
      this.wiring.timerChanged();
    } else if (offset === MTIMECMP + 4) {
      this.mtimecmpHi = value >>> 0;
      this.wiring.timerChanged();
    }
  }
}
