/**
 * The high halves of 32×32→64-bit products (RV32M MULH, MULHSU, MULHU),
 * computed exactly with 16-bit limbs: doubles cannot hold a 64-bit product
 * and BigInt would allocate.
 */

/** MULHU: high 32 bits of unsigned(a) × unsigned(b), as an int32. */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** MULH: high 32 bits of signed(a) × signed(b). */
export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** MULHSU: high 32 bits of signed(a) × unsigned(b). */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}
