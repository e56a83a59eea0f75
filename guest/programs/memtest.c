/*
 * memtest: writes and verifies patterns over 6 MiB of RAM above the program
 * — address-in-address words, their complement, walking bits with byte and
 * halfword stores read back as words (little-endian composition), and an
 * LFSR stream — and prints each pattern's error count and a checksum.
 */
#include "vmlab.h"

#define REGION_BYTES (6u * 1024 * 1024)
#define WORDS (REGION_BYTES / 4)

extern char _end[];
static volatile uint32_t *region;

static uint32_t lfsr_next(uint32_t x) {
  /* Galois LFSR, taps 32,22,2,1 — full period. */
  return (x >> 1) ^ (-(x & 1u) & 0x80200003u);
}

static void report(const char *name, uint32_t errors, uint32_t sum) {
  vm_printf("%-12s %u words, %u errors, checksum %08x\n", name, WORDS, errors, sum);
}

static uint32_t checksum(void) {
  uint32_t h = 0;
  for (uint32_t i = 0; i < WORDS; i++) h = (h ^ region[i]) * 16777619u;
  return h;
}

static void address_pattern(uint32_t invert) {
  uint32_t errors = 0;
  for (uint32_t i = 0; i < WORDS; i++) region[i] = ((uint32_t)(uintptr_t)&region[i]) ^ invert;
  for (uint32_t i = 0; i < WORDS; i++)
    if (region[i] != (((uint32_t)(uintptr_t)&region[i]) ^ invert)) errors++;
  report(invert ? "~address" : "address", errors, checksum());
}

static void walking_bytes(void) {
  volatile uint8_t *b = (volatile uint8_t *)region;
  uint32_t errors = 0;
  for (uint32_t i = 0; i < REGION_BYTES; i++) b[i] = (uint8_t)(1u << (i & 7)) ^ (uint8_t)(i >> 12);
  for (uint32_t i = 0; i < WORDS; i++) {
    uint32_t expect = 0;
    for (uint32_t k = 0; k < 4; k++) {
      uint32_t at = i * 4 + k;
      expect |= (uint32_t)((uint8_t)(1u << (at & 7)) ^ (uint8_t)(at >> 12)) << (8 * k);
    }
    if (region[i] != expect) errors++;
  }
  report("walk-bytes", errors, checksum());
}

static void halfwords(void) {
  volatile uint16_t *h = (volatile uint16_t *)region;
  uint32_t errors = 0;
  for (uint32_t i = 0; i < WORDS * 2; i++) h[i] = (uint16_t)(i * 0x9e37u);
  for (uint32_t i = 0; i < WORDS; i++) {
    uint32_t expect = (uint32_t)(uint16_t)(2 * i * 0x9e37u) | (uint32_t)(uint16_t)((2 * i + 1) * 0x9e37u) << 16;
    if (region[i] != expect) errors++;
  }
  /* Sign extension of lh / lb on the same data. */
  volatile int16_t *sh = (volatile int16_t *)region;
  volatile int8_t *sb = (volatile int8_t *)region;
  int32_t signed_sum = 0;
  for (uint32_t i = 0; i < 4096; i++) signed_sum += sh[i] + sb[i];
  report("halfwords", errors, checksum() ^ (uint32_t)signed_sum);
}

static void lfsr_pattern(void) {
  uint32_t x = 0xace1u, errors = 0;
  for (uint32_t i = 0; i < WORDS; i++) region[i] = x = lfsr_next(x);
  x = 0xace1u;
  for (uint32_t i = 0; i < WORDS; i++)
    if (region[i] != (x = lfsr_next(x))) errors++;
  report("lfsr", errors, checksum());
}

int main(void) {
  /* Start at the first MiB boundary above the image and stacks. */
  uintptr_t base = ((uintptr_t)_end + 0xfffffu) & ~(uintptr_t)0xfffffu;
  region = (volatile uint32_t *)base;
  vm_printf("memtest: %u KiB at offset 0x%x of RAM\n", REGION_BYTES / 1024, (uint32_t)(base - VM_RAM_BASE));
  address_pattern(0);
  address_pattern(0xffffffffu);
  walking_bytes();
  halfwords();
  lfsr_pattern();
  return 0;
}
