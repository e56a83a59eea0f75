/*
 * rng: reads bytes from virtio-rng (virtio 1.x §5.4) — single buffers of
 * 16, 32 and 64 bytes, then a chain of two buffers — and prints them in
 * hex with facts that hold for any random source (lengths returned, not
 * all zero). The values differ between runs on QEMU (host entropy) and
 * between seeds on vmlab; the structure of the output does not.
 */
#include "virtio.h"

#define QUEUE 8

static uint8_t ring_mem[virtq_bytes(QUEUE)] __attribute__((aligned(16)));
static uint8_t buf[2][64] __attribute__((aligned(16)));
static struct virtio_dev dev;
static struct virtq q;

static uint32_t request(uint32_t n0, uint32_t n1) {
  memset(buf, 0, sizeof buf);
  q.desc[0].addr = (uint32_t)(uintptr_t)buf[0];
  q.desc[0].len = n0;
  q.desc[0].flags = (uint16_t)(VIRTQ_DESC_F_WRITE | (n1 ? VIRTQ_DESC_F_NEXT : 0));
  q.desc[0].next = 1;
  q.desc[1].addr = (uint32_t)(uintptr_t)buf[1];
  q.desc[1].len = n1;
  q.desc[1].flags = VIRTQ_DESC_F_WRITE;
  q.desc[1].next = 0;
  virtq_push(&q, 0, 1);
  uint32_t len = 0;
  while (virtq_pop_used(&q, &len) < 0) virtio_wait(&dev);
  return len;
}

static void dump(const char *what, const uint8_t *b, uint32_t n) {
  uint32_t nonzero = 0;
  vm_printf("rng: %s:", what);
  for (uint32_t i = 0; i < n; i++) {
    vm_printf(" %02x", b[i]);
    nonzero += b[i] != 0;
  }
  vm_printf("\nrng: %s: %u bytes, all zero: %s\n", what, n, nonzero ? "no" : "yes");
}

int main(void) {
  if (!virtio_find(VIRTIO_ID_RNG, 0, &dev)) {
    vm_printf("rng: no virtio-rng device\n");
    return 1;
  }
  if (virtio_init(&dev, 0) != 0 || virtq_setup(&dev, &q, 0, QUEUE, ring_mem) != 0) {
    vm_printf("rng: device setup failed\n");
    return 2;
  }
  virtio_ready(&dev);
  vm_printf("rng: virtio-rng at 0x%08x irq %u, queue %u\n", dev.base, dev.irq, q.num);
  static const uint32_t sizes[] = {16, 32, 64};
  for (int i = 0; i < 3; i++) {
    uint32_t got = request(sizes[i], 0);
    vm_printf("rng: asked %u, got %u\n", sizes[i], got);
    dump(i == 0 ? "16" : i == 1 ? "32" : "64", buf[0], got < sizes[i] ? got : sizes[i]);
  }
  uint32_t got = request(8, 24);
  vm_printf("rng: chain of 8 + 24, got %u\n", got);
  dump("chain 8", buf[0], 8);
  dump("chain 24", buf[1], 24);
  vm_printf("rng: done\n");
  return 0;
}
