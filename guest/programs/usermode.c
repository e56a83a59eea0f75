/*
 * usermode: PMP set up so U mode may use RAM (RWX) and read — not write —
 * the UART page; drop to U mode; syscalls by ecall; U-mode faults (illegal
 * instruction, PMP load/store/fetch access faults, a counter read with
 * mcounteren = 0, ebreak) are handled by M mode, which prints
 * mcause/mtval and skips the instruction.
 */
#include "vmlab.h"

enum { SYS_WRITE = 1, SYS_EXIT = 2, SYS_GETMODE = 3 };

#define PMP_R 0x01u
#define PMP_W 0x02u
#define PMP_X 0x04u
#define PMP_NAPOT 0x18u
/* NAPOT pmpaddr for a naturally aligned power-of-two region. */
#define NAPOT(base, size) (((base) >> 2) | (((size) >> 3) - 1))

static uint8_t user_stack[4096] __attribute__((aligned(16)));
static volatile uint32_t traps_seen;

static const char *cause_name(uint32_t c) {
  switch (c) {
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 5: return "load access fault";
    case 7: return "store/AMO access fault";
    case 8: return "ecall from U-mode";
    default: return "other";
  }
}

static void on_trap(struct vm_trap_frame *f) {
  uint32_t mpp = (f->mstatus & MSTATUS_MPP) >> 11;
  if (f->mcause == 8) {
    uint32_t nr = f->x[17]; /* a7 */
    if (nr == SYS_WRITE) {
      const char *buf = (const char *)(uintptr_t)f->x[10];
      for (uint32_t i = 0; i < f->x[11]; i++) vm_putc(buf[i]);
      f->x[10] = f->x[11];
    } else if (nr == SYS_GETMODE) {
      f->x[10] = mpp;
    } else if (nr == SYS_EXIT) {
      vm_printf("M: user exited with %u after %u faults\n", f->x[10], traps_seen);
      vm_exit(f->x[10]);
    } else {
      f->x[10] = (uint32_t)-1;
    }
    f->mepc += 4;
    return;
  }
  traps_seen++;
  vm_printf("M: trap from %s mode: mcause=%u (%s) mtval=0x%08x\n", mpp == 0 ? "U" : "M", f->mcause,
            cause_name(f->mcause), f->mtval);
  if (f->mcause == 1) {
    f->mepc = f->x[1]; /* a fetch fault: "return" to the caller */
  } else if (f->mcause == 2 || f->mcause == 3 || f->mcause == 5 || f->mcause == 7) {
    f->mepc += 4; /* skip the faulting instruction */
  } else {
    vm_printf("M: cannot handle this trap, stopping\n");
    vm_exit(3);
  }
}

static long sys(long nr, long a0, long a1) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a1 __asm__("a1") = a1;
  register long r_a7 __asm__("a7") = nr;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a7) : "memory");
  return r_a0;
}

static void uputs(const char *s) { sys(SYS_WRITE, (long)s, (long)strlen(s)); }

static void uput_hex(const char *label, uint32_t v) {
  char buf[64];
  size_t n = strlen(label);
  memcpy(buf, label, n);
  for (int i = 7; i >= 0; i--) buf[n++] = "0123456789abcdef"[(v >> (i * 4)) & 0xf];
  buf[n++] = '\n';
  sys(SYS_WRITE, (long)buf, (long)n);
}

static uint32_t misaligned_word[2] = {0x33221100u, 0x77665544u};

__attribute__((noinline)) static void user_main(void) {
  uputs("U: hello from user mode\n");
  uput_hex("U: getmode syscall says MPP=", (uint32_t)sys(SYS_GETMODE, 0, 0));

  uint32_t v = 0x1234;
  /* An M-mode CSR from U mode is an illegal instruction. */
  __asm__ volatile("csrr %0, mstatus" : "+r"(v));
  uput_hex("U: after csrr mstatus the register still holds 0x", v);

  /* The CLINT is outside every PMP region: load access fault. */
  v = 0x5678;
  __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(VM_CLINT_MTIME) : "memory");
  uput_hex("U: after the CLINT load the register still holds 0x", v);

  /* The UART page is read-only for U mode: store access fault. */
  __asm__ volatile("sb %0, 7(%1)" ::"r"(0x41), "r"(VM_UART_BASE) : "memory");
  /* ...but reading its line status register is allowed. */
  uint32_t lsr = *(volatile uint8_t *)(uintptr_t)(VM_UART_BASE + 5);
  uput_hex("U: UART LSR read from U mode = 0x", lsr & 0x60);

  /* mcounteren = 0: the cycle counter is not readable from U mode. */
  v = 0x9abc;
  __asm__ volatile("rdcycle %0" : "+r"(v));
  uput_hex("U: after rdcycle the register still holds 0x", v);

  __asm__ volatile("ebreak");

  /* Jumping into a region without X permission: instruction access fault. */
  void (*no_exec)(void) = (void (*)(void))(uintptr_t)VM_UART_BASE;
  no_exec();
  uputs("U: back from the fetch fault\n");

  /* Misaligned loads inside RAM. */
  const volatile uint8_t *p = (const volatile uint8_t *)misaligned_word;
  uint32_t m;
  __asm__ volatile("lw %0, 1(%1)" : "=r"(m) : "r"(p) : "memory");
  uput_hex("U: misaligned lw = 0x", m);

  sys(SYS_EXIT, 0, 0);
  for (;;) {
  }
}

int main(void) {
  vm_trap_direct(on_trap);
  csr_write(pmpaddr0, NAPOT(0x80000000u, 0x10000000u)); /* 256 MiB of RAM space: RWX */
  csr_write(pmpaddr1, NAPOT(VM_UART_BASE, 0x1000u));    /* UART page: R */
  csr_write(pmpcfg0, ((PMP_NAPOT | PMP_R) << 8) | (PMP_NAPOT | PMP_R | PMP_W | PMP_X));
  csr_write(mcounteren, 0);
  vm_printf("M: pmpcfg0=0x%08x pmpaddr0=0x%08x pmpaddr1=0x%08x\n", csr_read(pmpcfg0), csr_read(pmpaddr0),
            csr_read(pmpaddr1));
  vm_printf("M: entering user mode\n");
  vm_enter_user(user_main, user_stack + sizeof user_stack);
}
