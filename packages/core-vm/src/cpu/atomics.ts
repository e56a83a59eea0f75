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
