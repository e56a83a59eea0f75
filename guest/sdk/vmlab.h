/*
 * vmlab guest SDK: the board's addresses, CSR access, console, exit and
 * traps. Runs unchanged on vmlab and on
 * `qemu-system-riscv32 -machine virt -bios none -kernel`.
 */
#ifndef VMLAB_GUEST_H
#define VMLAB_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* QEMU virt memory map (hw/riscv/virt.c), which vmlab's board copies. */
#define VM_TEST_BASE 0x00100000u  /* SiFive test finisher */
#define VM_CLINT_BASE 0x02000000u /* msip at +0, mtimecmp at +0x4000, mtime at +0xbff8 */
#define VM_PLIC_BASE 0x0c000000u
#define VM_UART_BASE 0x10000000u  /* NS16550A */
#define VM_RAM_BASE 0x80000000u

#define VM_CLINT_MSIP (VM_CLINT_BASE + 0x0000u)
#define VM_CLINT_MTIMECMP (VM_CLINT_BASE + 0x4000u)
#define VM_CLINT_MTIME (VM_CLINT_BASE + 0xbff8u)
/* mtime ticks at 10 MHz on both boards (100 ns a tick). */
#define VM_MTIME_HZ 10000000u

#define MSTATUS_MIE (1u << 3)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_MPP (3u << 11)
#define MIE_MSIE (1u << 3)
#define MIE_MTIE (1u << 7)
#define MIE_MEIE (1u << 11)
#define MIP_MSIP (1u << 3)
#define MIP_MTIP (1u << 7)
#define MCAUSE_INTERRUPT 0x80000000u

#define csr_read(csr)                                   \
  ({                                                    \
    uint32_t v_;                                        \
    __asm__ volatile("csrr %0, " #csr : "=r"(v_));      \
    v_;                                                 \
  })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val))
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"rK"(val))
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"(val))

static inline void mmio_write32(uint32_t addr, uint32_t v) { *(volatile uint32_t *)(uintptr_t)addr = v; }
static inline uint32_t mmio_read32(uint32_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }
static inline void wfi(void) { __asm__ volatile("wfi"); }

/* Console (UART0, polled). */
void vm_putc(char c);
void vm_puts(const char *s);
int vm_getc(void); /* blocks until a byte arrives */
/* No format attribute: on riscv32-elf uint32_t is `long`, and %x/%u print 32 bits either way. */
int vm_printf(const char *fmt, ...);
int vm_vprintf(const char *fmt, va_list ap);

/* Ends the run through the test finisher: 0 = pass, else the exit code. */
void vm_exit(uint32_t code) __attribute__((noreturn));

/* Memory helpers (no libc: the toolchain has no rv32ima picolibc). */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Timer helpers over the CLINT. */
uint64_t vm_mtime(void);
void vm_set_mtimecmp(uint64_t when);

/*
 * Traps. The assembly entry saves every register into a frame on the trap
 * stack and calls the handler; whatever the handler leaves in the frame
 * (registers, mepc, mstatus) is restored by mret.
 */
struct vm_trap_frame {
  uint32_t x[32]; /* x[0] unused; x[2] is the interrupted sp */
  uint32_t mepc;
  uint32_t mcause;
  uint32_t mtval;
  uint32_t mstatus;
  int32_t vector; /* mtvec vector index in vectored mode, -1 in direct mode */
};
typedef void (*vm_trap_handler)(struct vm_trap_frame *frame);

/* Installs `handler` with mtvec in direct mode. */
void vm_trap_direct(vm_trap_handler handler);
/* Installs `handler` with mtvec in vectored mode (vector table in trap.S). */
void vm_trap_vectored(vm_trap_handler handler);

/* Drops to U mode at `entry` with stack `sp` (mret with mstatus.MPP = U). */
void vm_enter_user(void (*entry)(void), void *sp) __attribute__((noreturn));

#endif
