/*
 * cpubench: vmlab's MIPS benchmark. A CPU-bound mix — integer math,
 * multiply/divide, memory copy, sort, a hash — that prints one checksum per
 * phase and a total. Sized to retire roughly 310 million instructions.
 * Prints nothing timing-dependent, so vmlab and QEMU print the same bytes.
 */
#include "vmlab.h"

#ifndef ROUNDS
#define ROUNDS 18
#endif
#define SORT_N 4096
#define COPY_BYTES (64 * 1024)

static uint32_t sort_buf[SORT_N];
static uint8_t src_buf[COPY_BYTES] __attribute__((aligned(8)));
static uint8_t dst_buf[COPY_BYTES + 8] __attribute__((aligned(8)));

static uint32_t rng_state = 0x2545f491u;
static uint32_t xorshift32(void) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return rng_state = x;
}

/* Integer math: gcd by Euclid (div/rem heavy) and a Collatz walk (shifts, adds). */
static uint32_t phase_math(uint32_t seed) {
  uint32_t acc = seed;
  for (uint32_t i = 1; i < 20000; i++) {
    uint32_t a = xorshift32() | 1, b = (xorshift32() >> 8) | 1;
    while (b) {
      uint32_t t = a % b;
      a = b;
      b = t;
    }
    acc += a;
    uint32_t n = i, steps = 0;
    while (n != 1 && steps < 64) {
      n = (n & 1) ? 3 * n + 1 : n >> 1;
      steps++;
    }
    acc ^= steps << (i & 15);
  }
  return acc;
}

/* Multiply/divide: signed and unsigned, high halves, and the corner values. */
static uint32_t phase_muldiv(uint32_t seed) {
  uint32_t acc = seed;
  for (uint32_t i = 0; i < 60000; i++) {
    int32_t a = (int32_t)xorshift32(), b = (int32_t)(xorshift32() >> (i & 31));
    if ((i & 255) == 0) b = 0;        /* division by zero: defined result */
    if ((i & 255) == 1) a = INT32_MIN, b = -1; /* overflow: defined result */
    int64_t p = (int64_t)a * b;
    uint64_t up = (uint64_t)(uint32_t)a * (uint32_t)b;
    int32_t q, r;
    uint32_t uq, ur;
    __asm__("div %0, %1, %2" : "=r"(q) : "r"(a), "r"(b));
    __asm__("rem %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    __asm__("divu %0, %1, %2" : "=r"(uq) : "r"(a), "r"(b));
    __asm__("remu %0, %1, %2" : "=r"(ur) : "r"(a), "r"(b));
    acc = acc * 31 + (uint32_t)p + (uint32_t)(p >> 32) + (uint32_t)(up >> 32);
    acc ^= (uint32_t)q + (uint32_t)r * 7 + uq * 13 + ur * 17;
  }
  return acc;
}

/* Memory copy at every alignment, then a byte-wise compare. */
static uint32_t phase_copy(uint32_t seed) {
  for (uint32_t i = 0; i < COPY_BYTES; i += 4) *(uint32_t *)(src_buf + i) = xorshift32() ^ seed;
  uint32_t acc = 0;
  for (uint32_t off = 0; off < 4; off++) {
    memcpy(dst_buf + off, src_buf, COPY_BYTES);
    acc += memcmp(dst_buf + off, src_buf, COPY_BYTES) == 0 ? off + 1 : 1000;
    acc = acc * 33 + dst_buf[off + (seed & (COPY_BYTES - 1))];
  }
  return acc;
}

/* Sort: an iterative quicksort with insertion sort for short ranges. */
static void insertion_sort(uint32_t *a, int lo, int hi) {
  for (int i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    int j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void quicksort(uint32_t *a, int n) {
  int stack[128];
  int sp = 0;
  stack[sp++] = 0;
  stack[sp++] = n - 1;
  while (sp) {
    int hi = stack[--sp], lo = stack[--sp];
    while (hi - lo > 16) {
      uint32_t pivot = a[lo + (hi - lo) / 2];
      int i = lo, j = hi;
      while (i <= j) {
        while (a[i] < pivot) i++;
        while (a[j] > pivot) j--;
        if (i <= j) {
          uint32_t t = a[i];
          a[i++] = a[j];
          a[j--] = t;
        }
      }
      /* Recurse into the smaller half later, loop on the larger: bounded stack. */
      if (j - lo < hi - i) {
        stack[sp++] = i;
        stack[sp++] = hi;
        hi = j;
      } else {
        stack[sp++] = lo;
        stack[sp++] = j;
        lo = i;
      }
    }
    insertion_sort(a, lo, hi);
  }
}

static uint32_t phase_sort(uint32_t seed) {
  for (int i = 0; i < SORT_N; i++) sort_buf[i] = xorshift32() ^ seed;
  quicksort(sort_buf, SORT_N);
  uint32_t acc = 0, sorted = 1;
  for (int i = 0; i < SORT_N; i++) {
    if (i && sort_buf[i - 1] > sort_buf[i]) sorted = 0;
    acc = acc * 16777619u ^ sort_buf[i];
  }
  return sorted ? acc : 0xbad;
}

/* Hash: FNV-1a over the copy buffer, byte at a time, then murmur3's finaliser. */
static uint32_t phase_hash(uint32_t seed) {
  uint32_t h = 2166136261u ^ seed;
  for (uint32_t i = 0; i < COPY_BYTES; i++) h = (h ^ dst_buf[i]) * 16777619u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

int main(void) {
  vm_printf("cpubench: %u rounds of math, muldiv, copy, sort, hash\n", ROUNDS);
  uint32_t total = 0;
  uint32_t sums[5] = {0, 0, 0, 0, 0};
  for (uint32_t r = 0; r < ROUNDS; r++) {
    sums[0] += phase_math(total);
    sums[1] += phase_muldiv(sums[0]);
    sums[2] += phase_copy(sums[1]);
    sums[3] += phase_sort(sums[2]);
    sums[4] += phase_hash(sums[3]);
    total = (total << 7 | total >> 25) ^ sums[0] ^ sums[1] ^ sums[2] ^ sums[3] ^ sums[4];
  }
  vm_printf("math    %08x\nmuldiv  %08x\ncopy    %08x\nsort    %08x\nhash    %08x\n", sums[0], sums[1], sums[2],
            sums[3], sums[4]);
  vm_printf("checksum %08x\n", total);
#ifdef PRINT_INSTRET
  /* Sizing aid only (with QEMU's -icount): never in the committed build. */
  vm_printf("instret %llu\n", ((uint64_t)csr_read(minstreth) << 32) | csr_read(minstret));
#endif
  return 0;
}
