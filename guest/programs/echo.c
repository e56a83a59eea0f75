/*
 * echo: reads one line from the UART (injected console input), prints it
 * back upper-cased and exits with the line's length as the exit code — a
 * check of UART receive and of non-zero finisher exit codes.
 */
#include "vmlab.h"

int main(void) {
  vm_printf("echo: type a line\n");
  char line[128];
  uint32_t n = 0;
  for (;;) {
    int c = vm_getc();
    if (c == '\n' || c == '\r' || n == sizeof line - 1) break;
    line[n++] = (char)c;
  }
  line[n] = 0;
  for (uint32_t i = 0; i < n; i++)
    if (line[i] >= 'a' && line[i] <= 'z') line[i] = (char)(line[i] - 'a' + 'A');
  vm_printf("echo: %s (%u bytes)\n", line, n);
  return n;
}
