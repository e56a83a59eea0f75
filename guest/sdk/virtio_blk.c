/* vmlab guest SDK: virtio-blk driver (see virtio_blk.h). */
#include "virtio_blk.h"

#define VIRTIO_BLK_F_FLUSH (1u << 9)

static uint8_t ring_mem[virtq_bytes(VIRTIO_BLK_QUEUE)] __attribute__((aligned(16)));

int virtio_blk_init(struct virtio_blk *b) {
  if (!virtio_find(VIRTIO_ID_BLOCK, 0, &b->dev)) return -1;
  if (virtio_init(&b->dev, VIRTIO_BLK_F_FLUSH) != 0) return -2;
  if (virtq_setup(&b->dev, &b->q, 0, VIRTIO_BLK_QUEUE, ring_mem) != 0) return -3;
  b->capacity = (uint64_t)virtio_config32(&b->dev, 0) | ((uint64_t)virtio_config32(&b->dev, 4) << 32);
  b->slots = b->q.num / 3u;
  if (b->slots > VIRTIO_BLK_MAX_SLOTS) b->slots = VIRTIO_BLK_MAX_SLOTS;
  b->inflight = 0;
  virtio_ready(&b->dev);
  return 0;
}

void virtio_blk_submit(struct virtio_blk *b, uint32_t slot, uint32_t type, uint64_t sector, void *buf, uint32_t len, int notify) {
  uint16_t d = (uint16_t)(3u * slot);
  volatile struct virtq_desc *desc = b->q.desc;
  b->hdr[slot].type = type;
  b->hdr[slot].reserved = 0;
  b->hdr[slot].sector = sector;
  b->status[slot] = 0xff;
  desc[d].addr = (uint32_t)(uintptr_t)&b->hdr[slot];
  desc[d].len = sizeof b->hdr[slot];
  desc[d].flags = VIRTQ_DESC_F_NEXT;
  uint16_t st = (uint16_t)(d + 1);
  if (len > 0) {
    desc[d].next = (uint16_t)(d + 1);
    desc[d + 1].addr = (uint32_t)(uintptr_t)buf;
    desc[d + 1].len = len;
    desc[d + 1].flags = (uint16_t)(VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE));
    desc[d + 1].next = (uint16_t)(d + 2);
    st = (uint16_t)(d + 2);
  } else {
    desc[d].next = st;
  }
  desc[st].addr = (uint32_t)(uintptr_t)&b->status[slot];
  desc[st].len = 1;
  desc[st].flags = VIRTQ_DESC_F_WRITE;
  desc[st].next = 0;
  b->inflight++;
  virtq_push(&b->q, d, notify);
}

uint32_t virtio_blk_complete(struct virtio_blk *b) {
  int id;
  while ((id = virtq_pop_used(&b->q, 0)) < 0) virtio_wait(&b->dev);
  b->inflight--;
  return (uint32_t)id / 3u;
}

uint8_t virtio_blk_sync(struct virtio_blk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len) {
  virtio_blk_submit(b, 0, type, sector, buf, len, 1);
  uint32_t slot = virtio_blk_complete(b);
  return b->status[slot];
}
