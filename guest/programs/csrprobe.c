/*
 * csrprobe: CSRs and CLINT registers whose values a guest can set and read
 * back, compared with QEMU 7.2 — the 64-bit counters' high halves, menvcfg,
 * the programmable counters (mhpmcounter3..18, mhpmevent3..31; counters 19..31
 * are illegal) and a writable CLINT mtime with the timer interrupt following
 * it. It prints only what does not depend on the host clock (QEMU's mcycle,
 * minstret and mtime follow it).
 */
#include "vmlab.h"

static volatile uint32_t traps, last_cause;
static uint8_t user_stack[1024] __attribute__((aligned(16)));
static volatile uint32_t user_value, saved_sp, resume_pc;

static void on_trap(struct vm_trap_frame *f) {
  traps++;
  last_cause = f->mcause;
  if (f->mcause == 8) { /* ecall from U mode: back to M mode where main left */
    f->mstatus |= MSTATUS_MPP;
    f->mepc = resume_pc;
    f->x[2] = saved_sp;
    return;
  }
  f->mepc += 4;
}

/* U mode: reads hpmcounter3 (mcounteren and scounteren bit 3 set), then hpmcounter4 (not allowed), then ecall. */
__asm__(
    ".section .text.user_body\n"
    "user_body:\n"
    "  csrr t0, hpmcounter3\n"
    "  la t1, user_value\n"
    "  sw t0, 0(t1)\n"
    "  csrr t0, hpmcounter4\n"
    "  ecall\n"
    ".previous\n");

#define CSRW(n, v) __asm__ volatile("csrw " #n ", %0" ::"r"(v))
#define CSRR(n)                                    \
  ({                                               \
    uint32_t v_ = 0;                               \
    __asm__ volatile("csrr %0, " #n : "+r"(v_));   \
    v_;                                            \
  })
#define BEGIN() (traps = 0, last_cause = 0)
#define SHOW(name, value) vm_printf("%s = %x (traps %u, cause %u)\n", name, value, traps, last_cause)
#define WRITE_READ(name, n, v) \
  do {                         \
    BEGIN();                   \
    CSRW(n, v);                \
    uint32_t r_ = CSRR(n);     \
    SHOW(name, r_);            \
  } while (0)
#define READ(name, n)      \
  do {                     \
    BEGIN();               \
    uint32_t r_ = CSRR(n); \
    SHOW(name, r_);        \
  } while (0)

static uint32_t mtip(void) { return (csr_read(mip) & MIP_MTIP) != 0; }

int main(void) {
  vm_trap_direct(on_trap);

  vm_puts("counters\n");
  WRITE_READ("mcycleh", mcycleh, 0xffffffffu);
  WRITE_READ("minstreth", minstreth, 0x12345678u);
  READ("instreth", instreth);
  READ("cycleh", cycleh);
  CSRW(mcycleh, 0u);
  CSRW(minstreth, 0u);

  vm_puts("menvcfg\n");
  READ("menvcfg", 0x30a);
  READ("menvcfgh", 0x31a);
  WRITE_READ("menvcfg", 0x30a, 0xffffffffu);
  WRITE_READ("menvcfgh", 0x31a, 0xffffffffu);
  WRITE_READ("menvcfg", 0x30a, 0x20u);
  WRITE_READ("menvcfgh", 0x31a, 0x40000000u);

  vm_puts("programmable counters\n");
  WRITE_READ("mhpmcounter3", mhpmcounter3, 0x55u);
  WRITE_READ("mhpmcounter3h", mhpmcounter3h, 0x66u);
  READ("hpmcounter3", hpmcounter3);
  READ("hpmcounter3h", hpmcounter3h);
  WRITE_READ("mhpmcounter18", mhpmcounter18, 0xffffffffu);
  WRITE_READ("mhpmcounter18h", mhpmcounter18h, 0x80000001u);
  READ("hpmcounter18h", hpmcounter18h);
  READ("mhpmcounter19", mhpmcounter19);
  READ("mhpmcounter19h", mhpmcounter19h);
  READ("mhpmcounter31", mhpmcounter31);
  READ("hpmcounter19", hpmcounter19);
  READ("hpmcounter31h", hpmcounter31h);
  WRITE_READ("mhpmevent3", mhpmevent3, 0x55u);
  WRITE_READ("mhpmevent18", mhpmevent18, 0xfffffff0u);
  WRITE_READ("mhpmevent19", mhpmevent19, 0x1234u);
  WRITE_READ("mhpmevent31", mhpmevent31, 0x55u);
  READ("mhpmevent3h", 0x723);

  vm_puts("mtime\n");
  mmio_write32(VM_CLINT_MTIME + 4, 0x10u);
  vm_printf("mtime hi after writing 0x10: %x, timeh %x\n", mmio_read32(VM_CLINT_MTIME + 4), csr_read(timeh));
  mmio_write32(VM_CLINT_MTIME, 0x100u);
  vm_printf("after writing lo = 0x100: hi %x, lo below 0x100000: %u\n", mmio_read32(VM_CLINT_MTIME + 4),
            mmio_read32(VM_CLINT_MTIME) < 0x100000u);
  mmio_write32(VM_CLINT_MTIME + 4, 7u);
  mmio_write32(VM_CLINT_MTIMECMP + 4, 6u);
  mmio_write32(VM_CLINT_MTIMECMP, 0u);
  vm_printf("mtimecmp hi 6, mtime hi 7: MTIP %u\n", mtip());
  mmio_write32(VM_CLINT_MTIMECMP + 4, 8u);
  vm_printf("mtimecmp hi 8: MTIP %u\n", mtip());
  mmio_write32(VM_CLINT_MTIME + 4, 9u);
  vm_printf("mtime hi 9: MTIP %u\n", mtip());
  mmio_write32(VM_CLINT_MTIME + 4, 0u);
  vm_printf("mtime hi 0: MTIP %u\n", mtip());
  {
    uint32_t lo = mmio_read32(VM_CLINT_MTIME);
    mmio_write32(VM_CLINT_MTIMECMP + 4, 0u);
    mmio_write32(VM_CLINT_MTIMECMP, lo + 1000u);
    csr_write(mie, MIE_MTIE);
    wfi();
    vm_printf("wfi woke with MTIP %u\n", mtip());
    csr_write(mie, 0u);
  }
  mmio_write32(VM_CLINT_MTIMECMP + 4, 0xffffffffu);
  mmio_write32(VM_CLINT_MTIME, 0xffffff00u);
  mmio_write32(VM_CLINT_MTIME + 4, 0xffffffffu);
  vm_printf("mtime near 2^64: hi %x, MTIP %u\n", mmio_read32(VM_CLINT_MTIME + 4), mtip());
  for (volatile uint32_t i = 0; i < 20000u; i++) {
  }
  vm_printf("after it wrapped: hi %x, timeh %x\n", mmio_read32(VM_CLINT_MTIME + 4), csr_read(timeh));
  mmio_write32(VM_CLINT_MTIMECMP, 0xffffffffu);

  /* Last: on QEMU 7.2 a WFI after this U-mode round trip never wakes (not investigated). */
  vm_puts("U mode\n");
  BEGIN();
  csr_write(mcounteren, 8u);
  csr_write(0x106, 8u); /* scounteren */
  csr_write(pmpaddr0, 0xffffffffu);
  csr_write(pmpcfg0, 0x1fu); /* NAPOT over everything, RWX: U mode may run */
  __asm__ volatile(
      "la t0, 1f\n sw t0, %0\n sw sp, %1\n"
      "la a0, user_body\n mv a1, %2\n j vm_enter_user\n"
      "1:\n"
      : "=m"(resume_pc), "=m"(saved_sp)
      : "r"(user_stack + sizeof user_stack)
      : "t0", "t1", "a0", "a1", "memory");
  vm_printf("U mode: hpmcounter3 = %x, then traps %u (last cause %u)\n", user_value, traps, last_cause);
  csr_write(mcounteren, 0u);
  return 0;
}
