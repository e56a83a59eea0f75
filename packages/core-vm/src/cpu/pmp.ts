import { PMP_ENTRIES, PRIV_M } from "./constants.js";

/** PMP permission bits in `pmpcfg` (priv. spec §3.7.1) and access kinds. */
export const PMP_R = 1;
export const PMP_W = 2;
export const PMP_X = 4;
const PMP_A_SHIFT = 3;
const PMP_L = 0x80;
const A_OFF = 0;
const A_TOR = 1;
const A_NA4 = 2;

/** PMP state: 16 entries of 8-bit config and 32-bit address (bits 33:2 of the physical address). */
export class Pmp {
  readonly cfg = new Uint8Array(PMP_ENTRIES);
  readonly addr = new Int32Array(PMP_ENTRIES);
  /** Any entry has the L bit: M-mode accesses must be checked too. */
  anyLocked = false;

  /** Whether the entry is locked, including a locked TOR entry above it guarding its address (priv. spec §3.7.1). */
  addrLocked(i: number): boolean {
    if ((this.cfg[i] & PMP_L) !== 0) return true;
    if (i + 1 < PMP_ENTRIES) {
      const next = this.cfg[i + 1];
      return (next & PMP_L) !== 0 && ((next >>> PMP_A_SHIFT) & 3) === A_TOR;
    }
    return false;
  }

  writeCfg(i: number, value: number): void {
    if ((this.cfg[i] & PMP_L) !== 0) return;
    this.cfg[i] = value & 0x9f;
    this.anyLocked = this.cfg.some((c) => (c & PMP_L) !== 0);
  }

  writeAddr(i: number, value: number): void {
    if (!this.addrLocked(i)) this.addr[i] = value;
  }

  /**
   * Whether an access of `size` bytes at `addr` with permission `perm`
   * (PMP_R/W/X) is allowed at privilege `priv`. As QEMU 7.2 and the spec: the
   * lowest-numbered matching entry decides; an access that only partly
   * matches an entry fails; M mode passes unmatched or unlocked entries;
   * U mode fails when no entry matches (including when none is configured).
   */
  check(addr: number, size: number, perm: number, priv: number): boolean {
    const lo = addr >>> 0;
    const hi = lo + size - 1;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const cfg = this.cfg[i];
      const a = (cfg >>> PMP_A_SHIFT) & 3;
      if (a === A_OFF) continue;
      let start: number;
      let end: number; // exclusive, in bytes (may exceed 2^32: pmpaddr holds bits 33:2)
      if (a === A_TOR) {
        start = i === 0 ? 0 : (this.addr[i - 1] >>> 0) * 4;
        end = (this.addr[i] >>> 0) * 4;
      } else if (a === A_NA4) {
        start = (this.addr[i] >>> 0) * 4;
        end = start + 4;
      } else {
        const y = this.addr[i] >>> 0;
        let ones = 0;
        while (ones < 32 && ((y >>> ones) & 1) === 1) ones++;
        const span = 2 ** (ones + 3);
        start = ones === 32 ? 0 : (y - (2 ** ones - 1)) * 4;
        end = start + span;
      }
      const first = lo >= start && lo < end;
      const last = hi >= start && hi < end;
      if (!first && !last) continue;
      if (first !== last) return false;
      if (priv === PRIV_M && (cfg & PMP_L) === 0) return true;
      return (cfg & perm) === perm;
    }
    return priv === PRIV_M;
  }
}
