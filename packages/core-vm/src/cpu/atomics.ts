import { CAUSE_LOAD_ACCESS, CAUSE_MISALIGNED_LOAD, CAUSE_STORE_ACCESS } from "./constants.js";
import { pmpAllows, ramStore } from "./data-access.js";
import type { Hart } from "./hart.js";
import { PMP_R, PMP_W } from "./pmp.js";

/**
 * The value an RV32A AMO writes back (unpriv. spec §8.4), from the old
 * memory word and rs2, by the instruction's funct5. The decoder only lets
 * the nine AMO funct5 values through (LR/SC are handled by the hart).
 */
export function amoResult(funct5: number, old: number, src: number): number {
  switch (funct5) {
    case 0x01: // AMOSWAP
      return src;
    case 0x00: // AMOADD
      return (old + src) | 0;
    case 0x04: // AMOXOR
      return old ^ src;
    case 0x0c: // AMOAND
      return old & src;
    case 0x08: // AMOOR
      return old | src;
    case 0x10: // AMOMIN
      return Math.min(old, src);
    case 0x14: // AMOMAX
      return Math.max(old, src);
    case 0x18: // AMOMINU
      return old >>> 0 < src >>> 0 ? old : src;
    default: // AMOMAXU (0x1c)
      return old >>> 0 > src >>> 0 ? old : src;
  }
}

/**
 * An atomic on a device, as QEMU 7.2 runs it with one hart: a 4-byte read (no device →
 * load access fault), then for an AMO or SC a 4-byte write (refused → store/AMO access
 * fault). LR reserves the address and value read; SC compares with that value and
 * writes the new value if equal, else writes back what it read (QEMU's non-atomic
 * compare-and-swap). Ends the block like any MMIO access. PMP was checked by the caller.
 */
export function deviceAmo(h: Hart, f5: number, a: number, src: number, pc: number, nk: number): number {
  const bus = h.host.bus;
  h.inBlock = nk;
  const read = bus.read(a, 4);
  if (read < 0) {
    h.inBlock = 0;
    h.trap(CAUSE_LOAD_ACCESS, a, pc, nk);
    return 0;
  }
  const old = read | 0;
  let result = old;
  let ok = true;
  if (f5 === 0x02) {
    h.reservation = a;
    h.reservedValue = old;
  } else if (f5 === 0x03) {
    const match = old === h.reservedValue;
    ok = bus.write(a, 4, match ? src : old);
    result = match ? 0 : 1;
  } else {
    ok = bus.write(a, 4, amoResult(f5, old, src));
  }
  h.inBlock = 0;
  if (!ok) {
    h.trap(CAUSE_STORE_ACCESS, a, pc, nk);
    return 0;
  }
  h.brk = 2;
  h.exitLoop = 1;
  return result;
}

/**
 * LR.W, SC.W and the AMOs (RV32A). Misaligned: load-address-misaligned (as QEMU 7.2
 * reports it for both); no device at the address → load access fault (QEMU 7.2 again).
 * SC follows QEMU 7.2: it fails without touching memory when the address differs from
 * the reservation, and succeeds iff memory still holds the LR value. On a device
 * (CLINT, PLIC, …) they are a read then a write, as QEMU 7.2 runs them.
 */
export function executeAmo(h: Hart, insn: number, a: number, src: number, pc: number, nk: number): number {
  const f5 = insn >>> 27;
  const o = a ^ -2147483648;
  if (f5 === 0x03) {
    // SC.W
    if (a !== h.reservation) {
      h.reservation = -1;
      return 1;
    }
    h.reservation = -1;
    if (!pmpAllows(h, a, 4, PMP_W)) {
      h.trap(CAUSE_STORE_ACCESS, a, pc, nk);
      return 0;
    }
    if (o >>> 0 >= h.ram.size) return deviceAmo(h, f5, a, src, pc, nk);
    if (h.ram.i32[o >> 2] !== h.reservedValue) return 1;
    ramStore(h, o, 4, src);
    return 0;
  }
  const isLr = f5 === 0x02;
  if ((a & 3) !== 0) {
    // QEMU 7.2 reports misaligned LR and AMOs alike as load-address-misaligned.
    h.trap(CAUSE_MISALIGNED_LOAD, a, pc, nk);
    return 0;
  }
  // QEMU 7.2 checks an atomic's read access first, then its write access:
  // no read permission or no memory → load access fault; read-only → store/AMO access fault.
  if (!pmpAllows(h, a, 4, PMP_R)) {
    h.trap(CAUSE_LOAD_ACCESS, a, pc, nk);
    return 0;
  }
  if (o >>> 0 >= h.ram.size) {
    if (isLr || pmpAllows(h, a, 4, PMP_W)) return deviceAmo(h, f5, a, src, pc, nk);
    // Read-only to PMP: QEMU reads the device, then faults on the write.
    h.inBlock = nk;
    const read = h.host.bus.read(a, 4);
    h.inBlock = 0;
    h.trap(read < 0 ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS, a, pc, nk);
    return 0;
  }
  if (!isLr && !pmpAllows(h, a, 4, PMP_W)) {
    h.trap(CAUSE_STORE_ACCESS, a, pc, nk);
    return 0;
  }
  const old = h.ram.i32[o >> 2];
  if (isLr) {
    h.reservation = a;
    h.reservedValue = old;
    if (h.ram.accessedPages !== null) h.ram.accessedPages[o >>> 12] = 1;
    return old;
  }
  const v = amoResult(f5, old, src);
  ramStore(h, o, 4, v);
  return old;
}
