/**
 * XXH32 (Yann Collet's xxHash, 32-bit variant), the per-section checksum of
 * the snapshot file. Chosen over a table-driven CRC32C after measuring both
 * in plain JS: XXH32 mixes four 32-bit lanes with `Math.imul` and runs about
 * ten times faster (16 MiB: ~4 ms vs ~45 ms), which matters for the memory
 * section (docs/snapshots.md). A single flipped bit changes exactly one lane,
 * and every step after that is a bijection of the lane, so any one-bit error
 * is always detected.
 */

const PRIME1 = 0x9e3779b1 | 0;
const PRIME2 = 0x85ebca77 | 0;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;
const STRIPE = 16;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

/**
 * Mixes whole 16-byte stripes, read as 32-bit words (little-endian host, as the
 * RAM model assumes), into the four lanes. The lanes live in an Int32Array and
 * the rotation and the primes are local: with the lanes in object fields and the
 * primes in module variables, V8 kept values boxed and hashed 16 MiB in 13–22 ms
 * instead of ~3.5 ms.
 */
function mixWords(w: Int32Array, start: number, end: number, lanes: Int32Array): void {
  // Local copies: the bundler turns module-level consts into vars, which V8 reloads (boxed) on every use.
  const p1 = PRIME1;
  const p2 = PRIME2;
  let v1 = lanes[0];
  let v2 = lanes[1];
  let v3 = lanes[2];
  let v4 = lanes[3];
  for (let k = start; k < end; k += 4) {
    let x = (v1 + Math.imul(w[k], p2)) | 0;
    v1 = Math.imul((x << 13) | (x >>> 19), p1);
    x = (v2 + Math.imul(w[k + 1], p2)) | 0;
    v2 = Math.imul((x << 13) | (x >>> 19), p1);
    x = (v3 + Math.imul(w[k + 2], p2)) | 0;
    v3 = Math.imul((x << 13) | (x >>> 19), p1);
    x = (v4 + Math.imul(w[k + 3], p2)) | 0;
    v4 = Math.imul((x << 13) | (x >>> 19), p1);
  }
  lanes[0] = v1;
  lanes[1] = v2;
  lanes[2] = v3;
  lanes[3] = v4;
}

/**
 * Unaligned input is copied, a block at a time, into an aligned scratch buffer and mixed from there: a section
 * of a snapshot file starts wherever the one before it ended, and reading it a byte at a time made hashing the
 * file's memory pages 40% of an in-process restore.
 */
const SCRATCH = new Uint8Array(64 * 1024);
const SCRATCH_WORDS = new Int32Array(SCRATCH.buffer);

/** Consumes the whole stripes of `b[from, to)` (to - from a multiple of 16). */
function stripes(b: Uint8Array, from: number, to: number, lanes: Int32Array): void {
  const at = b.byteOffset + from;
  if ((at & 3) === 0) {
    const words = new Int32Array(b.buffer, at, (to - from) >>> 2);
    mixWords(words, 0, words.length, lanes);
    return;
  }
  for (let k = from; k < to; k += SCRATCH.length) {
    const n = Math.min(SCRATCH.length, to - k); // a multiple of 16, as SCRATCH.length is
    SCRATCH.set(b.subarray(k, k + n));
    mixWords(SCRATCH_WORDS, 0, n >>> 2, lanes);
  }
}

/**
 * XXH32 of the concatenation of `chunks`, without concatenating them (the
 * snapshot hashes runs of RAM pages in place). Equals `xxhash32` of the joined bytes.
 */
export function xxhash32Chunks(chunks: readonly Uint8Array[], seed = 0): number {
  const lanes = new Int32Array([seed + PRIME1 + PRIME2, seed + PRIME2, seed, seed - PRIME1]);
  const carry = new Uint8Array(STRIPE);
  let carried = 0;
  let total = 0;
  for (const c of chunks) {
    total += c.length;
    let i = 0;
    if (carried > 0) {
      const take = Math.min(STRIPE - carried, c.length);
      carry.set(c.subarray(0, take), carried);
      carried += take;
      i = take;
      if (carried < STRIPE) continue;
      stripes(carry, 0, STRIPE, lanes);
      carried = 0;
    }
    const end = i + ((c.length - i) & ~(STRIPE - 1));
    if (end > i) stripes(c, i, end, lanes);
    // (Most chunks, runs of 4 KiB pages, leave nothing over: no subarray to make.)
    if (end < c.length) carry.set(c.subarray(end), 0);
    carried = c.length - end;
  }
  let h: number;
  if (total >= STRIPE) h = (rotl(lanes[0], 1) + rotl(lanes[1], 7) + rotl(lanes[2], 12) + rotl(lanes[3], 18)) | 0;
  else h = (seed + PRIME5) | 0;
  // The length is mixed in modulo 2^32, as the reference does.
  h = (h + (total >>> 0)) | 0;
  let i = 0;
  for (; i + 4 <= carried; i += 4) h = Math.imul(rotl((h + Math.imul(read32(carry, i), PRIME3)) | 0, 17), PRIME4);
  for (; i < carried; i++) h = Math.imul(rotl((h + Math.imul(carry[i], PRIME5)) | 0, 11), PRIME1);
  h = Math.imul(h ^ (h >>> 15), PRIME2);
  h = Math.imul(h ^ (h >>> 13), PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
}

/** XXH32 of `bytes` with `seed` (default 0), as an unsigned 32-bit number. */
export function xxhash32(bytes: Uint8Array, seed = 0): number {
  return xxhash32Chunks([bytes], seed);
}
