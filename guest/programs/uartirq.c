/*
 * uartirq: console input through the UART's receive interrupt, routed by the
 * PLIC (source 10 on the virt board) to machine external interrupts: enable
 * the source, claim and complete it, read the bytes in the handler, wfi
 * until a whole line is in. Prints the line and facts that do not depend on
 * when the bytes arrive (QEMU delivers stdin at host speed).
 */
#include "vmlab.h"

#define UART_IRQ 10
#define PLIC_PRIORITY(src) (VM_PLIC_BASE + 4u * (src))
#define PLIC_ENABLE_CTX0 (VM_PLIC_BASE + 0x2000u) /* hart 0, M mode */
#define PLIC_THRESHOLD_CTX0 (VM_PLIC_BASE + 0x200000u)
#define PLIC_CLAIM_CTX0 (VM_PLIC_BASE + 0x200004u)

#define UART_IER 1
#define IER_RDA 0x01 /* received data available */
#define UART_LSR 5
#define LSR_DR 0x01

static volatile uint8_t *const uart = (volatile uint8_t *)(uintptr_t)VM_UART_BASE;
static volatile char line[128];
static volatile uint32_t len, done, interrupts, wrong_source;

static void on_trap(struct vm_trap_frame *f) {
  if (f->mcause != (MCAUSE_INTERRUPT | 11)) {
    vm_printf("unexpected trap: mcause=0x%08x mepc=0x%08x\n", f->mcause, f->mepc);
    vm_exit(2);
  }
  interrupts++;
  uint32_t src = mmio_read32(PLIC_CLAIM_CTX0);
  if (src != UART_IRQ) wrong_source++;
  while (uart[UART_LSR] & LSR_DR) {
    char c = (char)uart[0];
    if (c == '\n' || c == '\r') done = 1;
    else if (!done && len < sizeof line - 1) line[len++] = c;
  }
  mmio_write32(PLIC_CLAIM_CTX0, src); /* complete */
}

int main(void) {
  vm_trap_direct(on_trap);
  mmio_write32(PLIC_PRIORITY(UART_IRQ), 1);
  mmio_write32(PLIC_ENABLE_CTX0, 1u << UART_IRQ);
  mmio_write32(PLIC_THRESHOLD_CTX0, 0);
  vm_printf("uartirq: PLIC source %u priority %u, enabled 0x%08x\n", UART_IRQ, mmio_read32(PLIC_PRIORITY(UART_IRQ)),
            mmio_read32(PLIC_ENABLE_CTX0));
  uart[UART_IER] = IER_RDA;
  csr_set(mie, MIE_MEIE);
  csr_set(mstatus, MSTATUS_MIE);
  while (!done) wfi();
  csr_clear(mstatus, MSTATUS_MIE);
  uart[UART_IER] = 0;
  line[len] = 0;
  vm_printf("uartirq: got \"%s\" (%u bytes) through at least one interrupt: %s; all from source %u: %s\n", (const char *)line,
            len, interrupts >= 1 ? "yes" : "no", UART_IRQ, wrong_source == 0 ? "yes" : "no");
  vm_printf("uartirq: nothing pending after the last complete: %s\n", mmio_read32(VM_PLIC_BASE + 0x1000u) == 0 ? "yes" : "no");
  return 0;
}
