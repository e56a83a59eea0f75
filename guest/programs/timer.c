/*
 * timer: CLINT machine-timer interrupts in direct and vectored mtvec modes,
 * wfi, a machine software interrupt through msip, and a pending-but-masked
 * timer. Prints only counts and causes, never mtime values: on QEMU mtime
 * follows the host clock.
 */
#include "vmlab.h"

#define TICKS 5
#define PERIOD (VM_MTIME_HZ / 1000) /* 1 ms of mtime */

static volatile uint32_t timer_count;
static volatile uint32_t soft_count;
static volatile uint32_t last_cause;
static volatile int32_t last_vector;

static void on_trap(struct vm_trap_frame *f) {
  last_cause = f->mcause;
  last_vector = f->vector;
  if (f->mcause == (MCAUSE_INTERRUPT | 7)) {
    timer_count++;
    if (timer_count >= TICKS) vm_set_mtimecmp(UINT64_MAX); /* stop ticking */
    else vm_set_mtimecmp(vm_mtime() + PERIOD);
  } else if (f->mcause == (MCAUSE_INTERRUPT | 3)) {
    soft_count++;
    mmio_write32(VM_CLINT_MSIP, 0); /* acknowledge */
  } else {
    vm_printf("unexpected trap: mcause=0x%08x mepc=0x%08x\n", f->mcause, f->mepc);
    vm_exit(2);
  }
}

static void run_timer(const char *mode) {
  timer_count = 0;
  uint64_t start = vm_mtime();
  vm_set_mtimecmp(start + PERIOD);
  csr_set(mie, MIE_MTIE);
  csr_set(mstatus, MSTATUS_MIE);
  uint32_t waits = 0;
  while (timer_count < TICKS) {
    wfi();
    waits++;
  }
  csr_clear(mstatus, MSTATUS_MIE);
  csr_clear(mie, MIE_MTIE);
  uint64_t elapsed = vm_mtime() - start;
  vm_printf("%s: %u timer interrupts, mcause=0x%08x, vector=%d\n", mode, timer_count, last_cause, last_vector);
  /* Each interrupt is at least PERIOD after the previous one was armed. */
  vm_printf("%s: mtime advanced by >= %u ticks: %s; woke from wfi at least %u times: %s\n", mode, TICKS * PERIOD,
            elapsed >= (uint64_t)TICKS * PERIOD ? "yes" : "no", TICKS, waits >= TICKS ? "yes" : "no");
}

int main(void) {
  vm_trap_direct(on_trap);
  run_timer("direct");

  vm_trap_vectored(on_trap);
  run_timer("vectored");

  /* Software interrupt: msip raises mip.MSIP, taken as soon as MSIE and MIE allow. */
  csr_set(mie, MIE_MSIE);
  mmio_write32(VM_CLINT_MSIP, 1);
  vm_printf("msip pending before enable: %s\n", (csr_read(mip) & MIP_MSIP) ? "yes" : "no");
  csr_set(mstatus, MSTATUS_MIE);
  __asm__ volatile("nop");
  csr_clear(mstatus, MSTATUS_MIE);
  csr_clear(mie, MIE_MSIE);
  vm_printf("software interrupts: %u, mcause=0x%08x, vector=%d, msip now %u\n", soft_count, last_cause, last_vector,
            mmio_read32(VM_CLINT_MSIP));

  /* A timer that fired while masked stays pending in mip and is not taken. */
  vm_trap_direct(on_trap);
  timer_count = 0;
  vm_set_mtimecmp(vm_mtime());
  uint64_t t0 = vm_mtime();
  while ((csr_read(mip) & MIP_MTIP) == 0 && vm_mtime() - t0 < VM_MTIME_HZ) {
  }
  vm_printf("masked timer: mip.MTIP=%u, interrupts taken=%u\n", (csr_read(mip) & MIP_MTIP) ? 1u : 0u, timer_count);
  vm_set_mtimecmp(UINT64_MAX);
  vm_printf("after mtimecmp reset: mip.MTIP=%u\n", (csr_read(mip) & MIP_MTIP) ? 1u : 0u);
  return 0;
}
