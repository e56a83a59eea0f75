/** 2^52: up to here every double's ulp is at most 1, so whole numbers are multiples of it. */
const MAX_X = 4_503_599_627_370_496;
/** 2^26: keeps q·m (q the quotient) far below 2^53, where whole numbers are exact. */
const MAX_M = 67_108_864;

/**
 * `x % m`, bit for bit, without the floating-point remainder (a library call in V8) where that is
 * provably the same: x in (0, 2^52] and m a whole number in [1, 2^26]; anything else takes `%`.
 *
 * Why it is exact: let Q = x/m. The rounded quotient lies between ⌊Q⌋ and ⌈Q⌉ (both are
 * representable), so q = ⌊x/m⌋ as computed is the true floor or one more. q·m is a whole number
 * below 2^53, so exact. x and q·m are both multiples of ulp(x) (≤ 1), and x − q·m is smaller than
 * x (or, when q is one too many, tiny), so the subtraction is exact too: it gives the true remainder,
 * or the true remainder − m, to which adding m back is again exact (the true remainder, which `%`
 * returns exactly, is representable). x = 0 takes `%` so that −0 stays −0.
 */
export function exactRemainder(x: number, m: number): number {
  if (!(x > 0 && x <= MAX_X && m >= 1 && m <= MAX_M && m === Math.floor(m))) return x % m;
  const r = x - Math.floor(x / m) * m;
  return r < 0 ? r + m : r;
}
