/*
 * vicbench: a closed-loop storage micro-benchmark whose completions arrive
 * through a real interrupt handler, for vIC (Ahmad, Gulati & Mashtizadeh,
 * ATC 2011). It keeps `oio` 4 KiB random reads outstanding on the first
 * virtio-blk device. The PLIC external-interrupt handler claims the source,
 * acknowledges the device, reaps every used-ring entry (a coalesced
 * interrupt announces several), time-stamps them and hands them to the main
 * loop. The main loop is the application: for each completed IO it
 * checksums `app_words` words of the data, then issues the next read in the
 * same slot (Iometer-style: the next IO follows the processing of the last).
 * `isr_spin` extra loop iterations in the handler stand for the cost a
 * hypervisor pays per virtual interrupt (exit, injection, EOI), which a
 * guest on bare virtual hardware does not otherwise see.
 *
 * Configuration: one line on the UART, "<oio> <ios> <app_words> <isr_spin>".
 * Output: one line of counts (IOs, interrupts, handler instructions from
 * minstret deltas, latency sums in mtime ticks of 100 ns, elapsed ticks).
 * Interrupt counts depend on device timing, so only vmlab (virtual time)
 * gives repeatable numbers.
 */
#include "virtio_blk.h"

#define BLOCK 4096u
#define SECTORS_PER_BLOCK (BLOCK / 512u)
#define MAX_OIO VIRTIO_BLK_MAX_SLOTS
#define DONE_RING 64u /* > MAX_OIO: never more completions waiting than requests */

#define PLIC_CLAIM_CTX0 (VM_PLIC_BASE + 0x200004u)
#define R_INTERRUPT_STATUS 0x060u
#define R_INTERRUPT_ACK 0x064u

static struct virtio_blk blk;
static uint32_t buf[MAX_OIO][BLOCK / 4] __attribute__((aligned(16)));
static uint32_t submit_tick[MAX_OIO];
static uint32_t blocks; /* disk size in 4 KiB blocks */

/* Completed slots, written by the handler, read by the main loop. */
static volatile uint32_t done_ring[DONE_RING];
static volatile uint32_t done_tail;
static uint32_t done_head;

/* Handler statistics. */
static volatile uint32_t interrupts, empty_interrupts, reaped;
static volatile uint64_t handler_instret, latency_sum;
static volatile uint32_t latency_max;

static uint32_t isr_spin;

static uint32_t rng_state = 0x2545f491u;
static uint32_t xorshift(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* The low word of mtime (10 MHz): differences of a few seconds never wrap. */
static inline uint32_t ticks(void) { return mmio_read32(VM_CLINT_MTIME); }

static void issue(uint32_t slot) {
  uint32_t block = xorshift() % blocks;
  submit_tick[slot] = ticks();
  virtio_blk_submit(&blk, slot, VIRTIO_BLK_T_IN, (uint64_t)block * SECTORS_PER_BLOCK, buf[slot], BLOCK, 1);
}

static void on_trap(struct vm_trap_frame *f) {
  uint32_t i0 = csr_read(minstret);
  if (f->mcause != (MCAUSE_INTERRUPT | 11)) {
    vm_printf("vicbench: unexpected trap mcause=0x%08x mepc=0x%08x\n", f->mcause, f->mepc);
    vm_exit(2);
  }
  interrupts++;
  uint32_t src = mmio_read32(PLIC_CLAIM_CTX0);
  /* Acknowledge before reaping: a completion posted after this raises a new interrupt. */
  uint32_t st = mmio_read32(blk.dev.base + R_INTERRUPT_STATUS);
  if (st) mmio_write32(blk.dev.base + R_INTERRUPT_ACK, st);
  uint32_t now = ticks();
  uint32_t n = 0;
  int id;
  while ((id = virtq_pop_used(&blk.q, 0)) >= 0) {
    uint32_t slot = (uint32_t)id / 3u;
    uint32_t lat = now - submit_tick[slot];
    latency_sum += lat;
    if (lat > latency_max) latency_max = lat;
    blk.inflight--;
    done_ring[done_tail % DONE_RING] = slot;
    done_tail = done_tail + 1;
    n++;
  }
  if (n == 0) empty_interrupts++;
  reaped += n;
  for (uint32_t i = 0; i < isr_spin; i++) __asm__ volatile("");
  if (src) mmio_write32(PLIC_CLAIM_CTX0, src);
  handler_instret += csr_read(minstret) - i0;
}

/* Reads an unsigned decimal from the UART, skipping leading blanks; stops at the first non-digit. */
static uint32_t read_number(int *last) {
  int c;
  do c = vm_getc();
  while (c == ' ' || c == '\t');
  uint32_t v = 0;
  while (c >= '0' && c <= '9') {
    v = v * 10u + (uint32_t)(c - '0');
    c = vm_getc();
  }
  *last = c;
  return v;
}

int main(void) {
  int last = 0;
  uint32_t oio = read_number(&last);
  uint32_t ios = read_number(&last);
  uint32_t app_words = read_number(&last);
  isr_spin = read_number(&last);
  while (last != '\n' && last != '\r') last = vm_getc();

  if (virtio_blk_init(&blk) != 0) {
    vm_printf("vicbench: no virtio-blk device\n");
    return 1;
  }
  uint32_t max = blk.slots < MAX_OIO ? blk.slots : MAX_OIO;
  if (oio < 1 || oio > max || ios < oio || app_words > BLOCK / 4) {
    vm_printf("vicbench: bad config oio=%u (1..%u) ios=%u (>= oio) app_words=%u (<= %u)\n", oio, max, ios, app_words, BLOCK / 4);
    return 2;
  }
  blocks = (uint32_t)(blk.capacity / SECTORS_PER_BLOCK);

  vm_trap_direct(on_trap);
  uint32_t t0 = ticks();
  uint32_t r0 = csr_read(minstret);
  uint32_t issued = 0, processed = 0, sum = 0;
  for (uint32_t s = 0; s < oio; s++, issued++) issue(s);
  csr_set(mstatus, MSTATUS_MIE);
  while (processed < ios) {
    /* Check for work with interrupts masked, so a completion cannot slip in between the check and wfi. */
    csr_clear(mstatus, MSTATUS_MIE);
    if (done_head == done_tail) {
      wfi();
      csr_set(mstatus, MSTATUS_MIE);
      continue;
    }
    uint32_t slot = done_ring[done_head % DONE_RING];
    done_head++;
    csr_set(mstatus, MSTATUS_MIE);
    if (blk.status[slot] != VIRTIO_BLK_S_OK) {
      vm_printf("vicbench: read failed with status %u\n", blk.status[slot]);
      return 3;
    }
    const uint32_t *b = buf[slot];
    for (uint32_t w = 0; w < app_words; w++) sum += b[w] ^ w;
    processed++;
    if (issued < ios) {
      issue(slot);
      issued++;
    }
  }
  csr_clear(mstatus, MSTATUS_MIE);
  uint32_t elapsed = ticks() - t0;
  uint32_t instret = csr_read(minstret) - r0;
  vm_printf(
      "vicbench: oio=%u ios=%u interrupts=%u empty=%u reaped=%u handler_instret=%llu instret=%u latency_sum=%llu "
      "latency_max=%u elapsed=%u checksum=%08x\n",
      oio, processed, interrupts, empty_interrupts, reaped, handler_instret, instret, latency_sum, latency_max, elapsed, sum);
  return 0;
}
