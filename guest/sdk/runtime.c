/* vmlab guest runtime: exit, traps, timer, and the few libc routines we need. */
#include "vmlab.h"

vm_trap_handler vm_trap_handler_ptr;

extern char vm_trap_entry_direct[];
extern char vm_trap_vector_table[];

void vm_exit(uint32_t code) {
  /* SiFive test finisher: 0x5555 = pass; (code << 16) | 0x3333 = fail(code). */
  mmio_write32(VM_TEST_BASE, code == 0 ? 0x5555u : ((code << 16) | 0x3333u));
  for (;;) wfi();
}

/* Unexpected traps end the run with a message rather than looping. */
void vm_default_trap(struct vm_trap_frame *f) {
  vm_printf("unexpected trap: mcause=0x%08x mepc=0x%08x mtval=0x%08x\n", f->mcause, f->mepc, f->mtval);
  vm_exit(99);
}

void vm_trap_direct(vm_trap_handler handler) {
  vm_trap_handler_ptr = handler;
  csr_write(mtvec, (uint32_t)(uintptr_t)vm_trap_entry_direct);
}

void vm_trap_vectored(vm_trap_handler handler) {
  vm_trap_handler_ptr = handler;
  csr_write(mtvec, (uint32_t)(uintptr_t)vm_trap_vector_table | 1u);
}

uint64_t vm_mtime(void) {
  /* Read high, low, high again so a carry between the halves is not missed. */
  uint32_t hi, lo;
  do {
    hi = mmio_read32(VM_CLINT_MTIME + 4);
    lo = mmio_read32(VM_CLINT_MTIME);
  } while (hi != mmio_read32(VM_CLINT_MTIME + 4));
  return ((uint64_t)hi << 32) | lo;
}

void vm_set_mtimecmp(uint64_t when) {
  /* The privileged spec's sequence for RV32: never a transient earlier value. */
  mmio_write32(VM_CLINT_MTIMECMP + 4, 0xffffffffu);
  mmio_write32(VM_CLINT_MTIMECMP, (uint32_t)when);
  mmio_write32(VM_CLINT_MTIMECMP + 4, (uint32_t)(when >> 32));
}

void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
    for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t *)d = *(const uint32_t *)s;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
