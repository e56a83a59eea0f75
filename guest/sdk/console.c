/*
 * UART console and a small printf. Debian's picolibc has no rv32ima
 * multilib (only rv32im, rv32ia, rv32imac, ...), so the SDK carries its own
 * formatter: %c %s %d %i %u %x %X %p %%, flags '-' and '0', a width, and
 * the length modifiers l and ll.
 */
#include "vmlab.h"

#define UART_THR 0 /* transmit holding register */
#define UART_RBR 0 /* receive buffer register */
#define UART_LSR 5 /* line status register */
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static volatile uint8_t *const uart = (volatile uint8_t *)(uintptr_t)VM_UART_BASE;

void vm_putc(char c) {
  while ((uart[UART_LSR] & LSR_THRE) == 0) {
  }
  uart[UART_THR] = (uint8_t)c;
}

void vm_puts(const char *s) {
  while (*s) vm_putc(*s++);
}

int vm_getc(void) {
  while ((uart[UART_LSR] & LSR_DR) == 0) {
  }
  return uart[UART_RBR];
}

static int emit_padded(const char *s, int len, int width, int left, char pad) {
  int n = 0;
  if (!left)
    for (; len + n < width; n++) vm_putc(pad);
  for (int i = 0; i < len; i++) vm_putc(s[i]);
  n += len;
  if (left)
    for (; n < width; n++) vm_putc(' ');
  return n;
}

static int emit_number(uint64_t v, int negative, unsigned base, int upper, int width, int left, char pad) {
  char buf[24];
  int i = sizeof buf;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    buf[--i] = digits[v % base];
    v /= base;
  } while (v);
  if (negative) {
    if (pad == '0' && !left) {
      /* Sign goes before the zero padding: "-0042". */
      vm_putc('-');
      return 1 + emit_padded(buf + i, (int)sizeof buf - i, width - 1, 0, '0');
    }
    buf[--i] = '-';
  }
  return emit_padded(buf + i, (int)sizeof buf - i, width, left, pad);
}

int vm_vprintf(const char *fmt, va_list ap) {
  int n = 0;
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      vm_putc(*fmt);
      n++;
      continue;
    }
    fmt++;
    int left = 0;
    char pad = ' ';
    for (;; fmt++) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') pad = '0';
      else break;
    }
    int width = 0;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    int longs = 0;
    while (*fmt == 'l') {
      longs++;
      fmt++;
    }
    switch (*fmt) {
      case 'c': {
        char c = (char)va_arg(ap, int);
        n += emit_padded(&c, 1, width, left, ' ');
        break;
      }
      case 's': {
        const char *s = va_arg(ap, const char *);
        if (!s) s = "(null)";
        n += emit_padded(s, (int)strlen(s), width, left, ' ');
        break;
      }
      case 'd':
      case 'i': {
        int64_t v = longs >= 2 ? va_arg(ap, int64_t) : longs == 1 ? va_arg(ap, long) : va_arg(ap, int);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        n += emit_number(mag, v < 0, 10, 0, width, left, pad);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uint64_t v = longs >= 2 ? va_arg(ap, uint64_t) : longs == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
        n += emit_number(v, 0, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, left, pad);
        break;
      }
      case 'p': {
        vm_puts("0x");
        n += 2 + emit_number((uintptr_t)va_arg(ap, void *), 0, 16, 0, 8, 0, '0');
        break;
      }
      case '%':
        vm_putc('%');
        n++;
        break;
      case '\0':
        return n;
      default:
        /* Unknown conversion: print it verbatim so the mistake is visible. */
        vm_putc('%');
        vm_putc(*fmt);
        n += 2;
    }
  }
  return n;
}

int vm_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vm_vprintf(fmt, ap);
  va_end(ap);
  return n;
}
