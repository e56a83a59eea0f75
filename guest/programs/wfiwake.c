/*
 * wfiwake: WFI in M mode after a U-mode round trip. Each case arms the
 * CLINT timer 100 ms ahead with mie.MTIE set and mstatus.MIE clear, drops
 * to U mode (mret with MPP = U), and U mode ecalls straight back. Then M
 * mode executes WFI:
 *   handler  - inside the ecall handler (MIE = 0, as trap entry left it);
 *   mie-off  - back in M-mode code through mret with MPIE = 0 (MIE = 0);
 *   mie-on   - back in M-mode code through mret with MPIE = 1 (MIE = 1),
 *              so the timer interrupt is taken;
 *   tw       - as mie-off with mstatus.TW = 1 (TW traps WFI only below M).
 * The privileged spec (WFI) says the hart resumes when an interrupt is
 * pending and enabled in mie, whatever mstatus.MIE; every case must wake.
 * A last case, in-u, shows why a deadline must be far enough out on QEMU:
 * U mode spins past it, and the timer interrupt is taken in U mode even
 * with mstatus.MIE = 0 (M-mode interrupts are always enabled below M). A
 * handler that then disarms the timer leaves nothing to wake a later WFI:
 * with a deadline a few microseconds out, QEMU (mtime on the host clock)
 * reaches it during the round trip and such a WFI never returns, while
 * vmlab (mtime on retired instructions) is still short of it.
 * Prints only flags, never mtime values: on QEMU mtime follows the host clock.
 */
#include "vmlab.h"

#define PMP_R 0x01u
#define PMP_W 0x02u
#define PMP_X 0x04u
#define PMP_NAPOT 0x18u
#define NAPOT(base, size) (((base) >> 2) | (((size) >> 3) - 1))
#define MSTATUS_TW (1u << 21)
#define DELAY (VM_MTIME_HZ / 10) /* 100 ms of mtime: U mode is long back in M mode by then, even on a busy host */

enum { CASE_HANDLER, CASE_MIE_OFF, CASE_MIE_ON, CASE_TW, CASE_IN_U, CASES };
static const char *const case_name[CASES] = {"handler", "mie-off", "mie-on", "tw", "in-u"};

static uint8_t user_stack[4096] __attribute__((aligned(16)));
static volatile uint32_t which;
static volatile uint32_t timer_irqs;
static volatile uint64_t deadline;
static volatile uint32_t irq_mstatus; /* mstatus when the last timer interrupt was taken */

static void arm_timer(void) {
  /* in-u waits for the interrupt, so a short deadline keeps its spin short on vmlab (1 ns an instruction). */
  deadline = vm_mtime() + (which == CASE_IN_U ? VM_MTIME_HZ / 1000 : DELAY);
  vm_set_mtimecmp(deadline);
  csr_set(mie, MIE_MTIE);
}

/* After the wait: was the wake-up the timer's (pending or taken, deadline passed)? */
static void report(const char *where) {
  uint32_t pending = (csr_read(mip) & MIP_MTIP) ? 1u : 0u;
  uint32_t past = vm_mtime() >= deadline;
  vm_printf("%s: %s woke; mip.MTIP=%u, timer interrupts taken=%u, deadline passed: %s\n", case_name[which], where,
            pending, timer_irqs, past ? "yes" : "no");
  vm_set_mtimecmp(UINT64_MAX);
  csr_clear(mie, MIE_MTIE);
}

__attribute__((noreturn)) static void start_case(void);

/* M-mode code the ecall handler returns to (mret with MPP = M). */
__attribute__((noinline, noreturn)) static void m_after_ecall(void) {
  uint32_t s = csr_read(mstatus);
  vm_printf("%s: back in M mode, mstatus.MIE=%u MPIE=%u MPP=%u TW=%u\n", case_name[which], (s & MSTATUS_MIE) ? 1u : 0u,
            (s & MSTATUS_MPIE) ? 1u : 0u, (s & MSTATUS_MPP) >> 11, (s & MSTATUS_TW) ? 1u : 0u);
  wfi();
  csr_clear(mstatus, MSTATUS_MIE | MSTATUS_TW);
  report("wfi in M-mode code");
  which++;
  start_case();
}

static void on_trap(struct vm_trap_frame *f) {
  if (f->mcause == (MCAUSE_INTERRUPT | 7)) {
    timer_irqs++;
    irq_mstatus = f->mstatus;
    vm_set_mtimecmp(UINT64_MAX);
    return;
  }
  if (f->mcause != 8) {
    vm_printf("unexpected trap: mcause=0x%08x mepc=0x%08x\n", f->mcause, f->mepc);
    vm_exit(2);
  }
  uint32_t s = csr_read(mstatus);
  vm_printf("%s: ecall from U, mstatus.MIE=%u MPIE=%u MPP=%u\n", case_name[which], (s & MSTATUS_MIE) ? 1u : 0u,
            (s & MSTATUS_MPIE) ? 1u : 0u, (s & MSTATUS_MPP) >> 11);
  if (which == CASE_IN_U) {
    uint32_t from = irq_mstatus;
    vm_printf("%s: timer interrupt taken while in U mode: %s (MPP=%u), with mstatus.MIE=%u there\n", case_name[which],
              (from & MSTATUS_MPP) == 0 ? "yes" : "no", (from & MSTATUS_MPP) >> 11, (from & MSTATUS_MPIE) ? 1u : 0u);
    vm_printf("all cases woke\n");
    vm_exit(0);
  }
  if (which == CASE_HANDLER) {
    wfi();
    report("wfi in the ecall handler");
    which++;
    f->mepc += 4; /* back to U mode, which ecalls again for the next case */
    arm_timer();
    return;
  }
  /* Return to M-mode code, with MIE after mret taken from MPIE. */
  f->mepc = (uint32_t)(uintptr_t)m_after_ecall;
  f->mstatus = (f->mstatus & ~(MSTATUS_MPIE | MSTATUS_TW)) | MSTATUS_MPP;
  if (which == CASE_MIE_ON) f->mstatus |= MSTATUS_MPIE;
  if (which == CASE_TW) f->mstatus |= MSTATUS_TW;
}

__attribute__((noinline)) static void user_main(void) {
  if (which == CASE_IN_U) {
    uint32_t seen = timer_irqs;
    while (timer_irqs == seen) {
    }
  }
  for (;;) __asm__ volatile("ecall" ::: "memory");
}

__attribute__((noreturn)) static void start_case(void) {
  /* MIE = 0 now and, through MPIE = 0, in U mode too. */
  csr_clear(mstatus, MSTATUS_MIE | MSTATUS_MPIE);
  arm_timer();
  vm_enter_user(user_main, user_stack + sizeof user_stack);
}

int main(void) {
  vm_trap_direct(on_trap);
  csr_write(pmpaddr0, NAPOT(0x80000000u, 0x10000000u)); /* RAM space: RWX for U mode */
  csr_write(pmpcfg0, PMP_NAPOT | PMP_R | PMP_W | PMP_X);
  start_case();
}
