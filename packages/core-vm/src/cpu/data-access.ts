/**
 * The hart's slow-path data accesses (`Hart.ld`, `Hart.st` and the atomics): the privilege they use, the PMP check,
 * the fault value of an access that is not all in RAM, and a RAM store with page tracking and code invalidation.
 */
import { MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, PRIV_M, PRIV_U } from "./constants.js";
import type { Hart } from "./hart.js";
import { PAGE_MIXED } from "./pmp.js";

/**
 * `mtval` for a load or store that is not all in RAM: its address, or for a misaligned access
 * that starts in RAM and runs past its end, the address of the part that faulted — RAM's end
 * (priv. spec §3.1.16), as QEMU 7.2 reports it.
 */
export function accessFaultValue(h: Hart, a: number): number {
  return (a ^ -2147483648) >>> 0 < h.ram.size ? (h.ram.base + h.ram.size) | 0 : a;
}

/** The privilege loads and stores use: MPP when mstatus.MPRV is set in M mode (priv. spec §3.1.6.3). */
export function dataPriv(h: Hart): number {
  if (h.priv === PRIV_M && (h.mstatus & MSTATUS_MPRV) !== 0) return (h.mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT;
  return h.priv;
}

/**
 * PMP check for a data access. M mode without locked entries passes,
 * except that a misaligned access straddling an entry's boundary fails in
 * every mode (a partial match, QEMU 7.2 and priv. spec §3.7.1.3). Aligned
 * accesses cannot straddle a 4-byte-granular entry.
 */
export function pmpAllows(h: Hart, a: number, size: number, perm: number): boolean {
  const priv = dataPriv(h);
  const aligned = (a & (size - 1)) === 0;
  if (priv === PRIV_M && !h.pmp.anyLocked && aligned) return true;
  if (priv === PRIV_U && aligned && (a ^ -2147483648) >>> 0 < h.ram.size) {
    const e = h.pmp.userPage(a);
    if ((e & PAGE_MIXED) === 0) return (e & perm) === perm;
  }
  return h.pmp.check(a, size, perm, priv);
}

/** A store to RAM at offset `o`: marks the page dirty and accessed, and invalidates translated code on it. */
export function ramStore(h: Hart, o: number, size: number, value: number): void {
  const ram = h.ram;
  if (size === 4) ram.i32[o >>> 2] = value;
  else if (size === 2) ram.u16[o >>> 1] = value;
  else ram.u8[o] = value;
  if (ram.dirtyPages !== null) ram.dirtyPages[o >>> 12] = 1;
  if (ram.accessedPages !== null) ram.accessedPages[o >>> 12] = 1;
  if (h.cache.lines[o >>> 6] !== 0) h.codeWrite(o);
}
