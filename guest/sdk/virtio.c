/* vmlab guest SDK: virtio-mmio version 2 driver core (see virtio.h). */
#include "virtio.h"

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LOW 0x080
#define R_QUEUE_DESC_HIGH 0x084
#define R_QUEUE_DRIVER_LOW 0x090
#define R_QUEUE_DRIVER_HIGH 0x094
#define R_QUEUE_DEVICE_LOW 0x0a0
#define R_QUEUE_DEVICE_HIGH 0x0a4
#define R_CONFIG 0x100

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

#define PLIC_PRIORITY(src) (VM_PLIC_BASE + 4u * (src))
#define PLIC_ENABLE_CTX0 (VM_PLIC_BASE + 0x2000u)
#define PLIC_THRESHOLD_CTX0 (VM_PLIC_BASE + 0x200000u)
#define PLIC_CLAIM_CTX0 (VM_PLIC_BASE + 0x200004u)

static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
static inline uint32_t rd(struct virtio_dev *d, uint32_t r) { return mmio_read32(d->base + r); }
static inline void wr(struct virtio_dev *d, uint32_t r, uint32_t v) { mmio_write32(d->base + r, v); }

int virtio_find(uint32_t device_id, int nth, struct virtio_dev *dev) {
  for (int i = 0; i < VIRTIO_MMIO_SLOTS; i++) {
    uint32_t base = VIRTIO_MMIO_BASE + VIRTIO_MMIO_STRIDE * (uint32_t)i;
    if (mmio_read32(base + R_MAGIC) != 0x74726976u || mmio_read32(base + R_VERSION) != 2) continue;
    if (mmio_read32(base + R_DEVICE_ID) != device_id) continue;
    if (nth-- > 0) continue;
    dev->base = base;
    dev->irq = VIRTIO_FIRST_IRQ + (uint32_t)i;
    dev->device_id = device_id;
    return 1;
  }
  return 0;
}

int virtio_init(struct virtio_dev *d, uint32_t features0) {
  wr(d, R_STATUS, 0);
  wr(d, R_STATUS, S_ACKNOWLEDGE);
  wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
  wr(d, R_DEVICE_FEATURES_SEL, 0);
  uint32_t offered0 = rd(d, R_DEVICE_FEATURES);
  wr(d, R_DEVICE_FEATURES_SEL, 1);
  uint32_t offered1 = rd(d, R_DEVICE_FEATURES);
  if (!(offered1 & 1)) return -1; /* no VIRTIO_F_VERSION_1 */
  wr(d, R_DRIVER_FEATURES_SEL, 0);
  wr(d, R_DRIVER_FEATURES, offered0 & features0);
  wr(d, R_DRIVER_FEATURES_SEL, 1);
  wr(d, R_DRIVER_FEATURES, 1);
  wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
  if (!(rd(d, R_STATUS) & S_FEATURES_OK)) return -2;
  return 0;
}

int virtq_setup(struct virtio_dev *d, struct virtq *q, uint16_t index, uint16_t num, void *mem) {
  wr(d, R_QUEUE_SEL, index);
  if (rd(d, R_QUEUE_READY)) return -1;
  uint32_t max = rd(d, R_QUEUE_NUM_MAX);
  if (max == 0) return -2;
  if (num > max) num = (uint16_t)max;
  uint8_t *p = (uint8_t *)mem;
  uint32_t avail_off = 16u * num;
  uint32_t used_off = avail_off + ((6u + 2u * num + 15u) & ~15u);
  memset(p, 0, virtq_bytes(num));
  q->num = num;
  q->last_used = 0;
  q->index = index;
  q->notify = d->base + R_QUEUE_NOTIFY;
  q->desc = (volatile struct virtq_desc *)p;
  q->avail = (volatile uint16_t *)(p + avail_off);
  q->used = (volatile uint32_t *)(p + used_off);
  wr(d, R_QUEUE_NUM, num);
  wr(d, R_QUEUE_DESC_LOW, (uint32_t)(uintptr_t)q->desc);
  wr(d, R_QUEUE_DESC_HIGH, 0);
  wr(d, R_QUEUE_DRIVER_LOW, (uint32_t)(uintptr_t)q->avail);
  wr(d, R_QUEUE_DRIVER_HIGH, 0);
  wr(d, R_QUEUE_DEVICE_LOW, (uint32_t)(uintptr_t)q->used);
  wr(d, R_QUEUE_DEVICE_HIGH, 0);
  wr(d, R_QUEUE_READY, 1);
  return rd(d, R_QUEUE_READY) == 1 ? 0 : -3;
}

void virtio_ready(struct virtio_dev *d) {
  wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
  mmio_write32(PLIC_PRIORITY(d->irq), 1);
  mmio_write32(PLIC_ENABLE_CTX0, mmio_read32(PLIC_ENABLE_CTX0) | (1u << d->irq));
  mmio_write32(PLIC_THRESHOLD_CTX0, 0);
  /* mstatus.MIE stays clear: interrupts only wake wfi, no trap is taken. */
  csr_set(mie, MIE_MEIE);
}

void virtq_push(struct virtq *q, uint16_t head, int notify) {
  uint16_t idx = q->avail[1];
  q->avail[2 + (idx % q->num)] = head;
  fence();
  q->avail[1] = (uint16_t)(idx + 1);
  fence();
  if (notify) virtq_kick(q);
}

void virtq_kick(struct virtq *q) { mmio_write32(q->notify, q->index); }

int virtq_pop_used(struct virtq *q, uint32_t *len) {
  uint16_t idx = (uint16_t)(q->used[0] >> 16);
  if (idx == q->last_used) return -1;
  fence();
  uint32_t slot = q->last_used % q->num;
  uint32_t id = q->used[1 + 2 * slot];
  if (len) *len = q->used[2 + 2 * slot];
  q->last_used++;
  return (int)id;
}

void virtio_wait(struct virtio_dev *d) {
  wfi();
  uint32_t src = mmio_read32(PLIC_CLAIM_CTX0);
  uint32_t st = rd(d, R_INTERRUPT_STATUS);
  if (st) wr(d, R_INTERRUPT_ACK, st);
  if (src) mmio_write32(PLIC_CLAIM_CTX0, src);
}

uint32_t virtio_config32(struct virtio_dev *d, uint32_t offset) { return rd(d, R_CONFIG + offset); }
uint8_t virtio_config8(struct virtio_dev *d, uint32_t offset) { return *(volatile uint8_t *)(uintptr_t)(d->base + R_CONFIG + offset); }
