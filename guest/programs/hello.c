/* hello: the smallest guest — console output, printf formatting, exit 0. */
#include "vmlab.h"

int main(void) {
  vm_printf("Hello from a vmlab guest!\n");
  vm_printf("hart %u running in machine mode\n", csr_read(mhartid));
  /* Exercise the formatter so a console difference shows up here first. */
  vm_printf("[%d] [%5d] [%-5d|] [%05d] [%u]\n", -42, 42, 42, -42, 4000000000u);
  vm_printf("[%x] [%08X] [%s] [%c] [%%]\n", 0xdeadbeefu, 0xcafeu, "str", 'z');
  vm_printf("[%lld] [%llu] [%llx]\n", -1234567890123LL, 18446744073709551615ULL, 0x123456789abcdefULL);
  return 0;
}
