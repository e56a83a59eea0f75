import { z } from "zod";
import type { MmioDevice } from "../memory/bus.js";
import { MTIME_NS_PER_TICK } from "./virt-map.js";

const MSIP = 0x0;
const MTIMECMP = 0x4000;
const MTIME = 0xbff8;

const u32 = z.number().int().min(0).max(0xffff_ffff);
const MASK64 = (1n << 64n) - 1n;
const TWO32 = 4294967296;
/** The CLINT's saved registers: `msip`, `mtimecmp` and the offset of `mtime` from virtual ticks (set by a guest's write to `mtime`). */
export const ClintStateSchema = z.object({
  version: z.literal(1),
  msip: z.union([z.literal(0), z.literal(1)]),
  mtimecmpLo: u32,
  mtimecmpHi: u32,
  /**
   * `mtime` minus virtual time in ticks, mod 2^64, as two halves: what guest writes to
   * `mtime` moved it by. Absent in states written before `mtime` was writable: 0.
   */
  mtimeDeltaLo: u32.optional(),
  mtimeDeltaHi: u32.optional(),
});
/** The CLINT's saved state (`ClintStateSchema`). */
export type ClintState = z.infer<typeof ClintStateSchema>;

/** What the CLINT needs from the board: the virtual clock and its two interrupt lines' owner. */
export interface ClintWiring {
  /** Virtual time now, in ns. */
  nowNs(): number;
  /** Level of the machine software interrupt (mip.MSIP). */
  setSoftware(level: boolean): void;
  /** `mtimecmp` or `mtime` changed: the board re-evaluates the timer interrupt. */
  timerChanged(): void;
}

/**
 * Core-local interruptor for one hart (SiFive CLINT layout as in QEMU
 * `virt`): `msip` at +0, `mtimecmp` at +0x4000, `mtime` at +0xbff8. `mtime`
 * is virtual time / 100 ns (10 MHz) plus a delta, mod 2^64; it is derived from
 * the simulation clock, never stored, so a run is deterministic. A write to
 * either half of `mtime` sets the delta so that `mtime` reads the written half
 * from then on (the other half kept), as QEMU 7.2's ACLINT timer does.
 */
export class Clint implements MmioDevice {
  msip = 0;
  /** `mtimecmp` as two 32-bit halves (exact); 0 after reset, as in QEMU. */
  mtimecmpLo = 0;
  mtimecmpHi = 0;
  /** `mtime` − virtual ticks, mod 2^64 (0 until the guest writes `mtime`). */
  mtimeDelta = 0n;
  /** Virtual time (ns) from which MTIP is raised; recomputed when `mtimecmp` or `mtime` is written. */
  private deadlineNs = 0;

  constructor(private readonly wiring: ClintWiring) {}

  save(): ClintState {
    return {
      version: 1,
      msip: this.msip === 0 ? 0 : 1,
      mtimecmpLo: this.mtimecmpLo,
      mtimecmpHi: this.mtimecmpHi,
      mtimeDeltaLo: Number(this.mtimeDelta & 0xffff_ffffn),
      mtimeDeltaHi: Number(this.mtimeDelta >> 32n),
    };
  }

  /** Restores from a state already validated with `ClintStateSchema` (after the board's clock). */
  restore(s: ClintState): void {
    this.msip = s.msip;
    this.mtimecmpLo = s.mtimecmpLo;
    this.mtimecmpHi = s.mtimecmpHi;
    this.mtimeDelta = (BigInt(s.mtimeDeltaHi ?? 0) << 32n) | BigInt(s.mtimeDeltaLo ?? 0);
    this.wiring.setSoftware(this.msip === 1);
    this.timerChanged();
  }

  /** Virtual time in ticks (no delta). */
  private ticks(): number {
    return Math.floor(this.wiring.nowNs() / MTIME_NS_PER_TICK);
  }

  /** `mtime` now: unsigned 64-bit, exact. */
  mtime(): bigint {
    return (BigInt(this.ticks()) + this.mtimeDelta) & MASK64;
  }

  /**
   * Virtual time (ns) at which MTIP is raised: as QEMU 7.2 does, `mtimecmp` is
   * compared with `mtime` when either is written — at or below it, MTIP is
   * raised at once; above, when `mtime` has counted up to it (+Infinity beyond
   * 2^53 ns). Like QEMU's, a raised MTIP stays raised when `mtime` wraps past 2^64.
   */
  timerDeadlineNs(): number {
    return this.deadlineNs;
  }

  private timerChanged(): void {
    const cmp = (BigInt(this.mtimecmpHi) << 32n) | BigInt(this.mtimecmpLo);
    const ticks = this.ticks();
    const now = (BigInt(ticks) + this.mtimeDelta) & MASK64;
    if (cmp <= now) this.deadlineNs = 0;
    else {
      const ns = (BigInt(ticks) + cmp - now) * BigInt(MTIME_NS_PER_TICK);
      this.deadlineNs = ns > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(ns);
    }
    this.wiring.timerChanged();
  }

  read(offset: number, _size: number): number {
    if (offset === MSIP) return this.msip;
    if (offset === MTIMECMP) return this.mtimecmpLo;
    if (offset === MTIMECMP + 4) return this.mtimecmpHi;
    if (offset === MTIME || offset === MTIME + 4) {
      if (this.mtimeDelta === 0n) {
        // Never written (the usual case): plain numbers, exact below 2^53 ticks.
        const t = this.ticks();
        return offset === MTIME ? t % TWO32 : Math.floor(t / TWO32);
      }
      const now = this.mtime();
      return Number(offset === MTIME ? now & 0xffff_ffffn : now >> 32n);
    }
    return 0;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === MSIP) {
      this.msip = value & 1;
      this.wiring.setSoftware(this.msip === 1);
    } else if (offset === MTIMECMP) {
      this.mtimecmpLo = value >>> 0;
      this.timerChanged();
    } else if (offset === MTIMECMP + 4) {
      this.mtimecmpHi = value >>> 0;
      this.timerChanged();
    } else if (offset === MTIME || offset === MTIME + 4) {
      const now = this.mtime();
      const half = BigInt(value >>> 0);
      const next = offset === MTIME ? (now & 0xffff_ffff_0000_0000n) | half : (half << 32n) | (now & 0xffff_ffffn);
      this.mtimeDelta = (next - BigInt(this.ticks())) & MASK64;
      this.timerChanged();
    }
  }
}
