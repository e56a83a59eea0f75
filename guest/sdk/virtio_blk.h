/*
 * vmlab guest SDK: virtio-blk driver (virtio 1.x §5.2) over virtio.h. Each
 * request slot owns three descriptors (header, data, status), so up to
 * queue size / 3 requests can be in flight.
 */
#ifndef VMLAB_VIRTIO_BLK_H
#define VMLAB_VIRTIO_BLK_H

#include "virtio.h"

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_QUEUE 128
#define VIRTIO_BLK_MAX_SLOTS (VIRTIO_BLK_QUEUE / 3)

struct virtio_blk_req_hdr {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

struct virtio_blk {
  struct virtio_dev dev;
  struct virtq q;
  uint64_t capacity; /* sectors */
  uint32_t slots;    /* requests that can be in flight */
  uint32_t inflight;
  struct virtio_blk_req_hdr hdr[VIRTIO_BLK_MAX_SLOTS];
  volatile uint8_t status[VIRTIO_BLK_MAX_SLOTS];
};

/* Finds and initialises the first virtio-blk device. 0 = ok. */
int virtio_blk_init(struct virtio_blk *b);
/* Starts a request in slot `slot` (< b->slots, free). `len` may be 0 (flush). */
void virtio_blk_submit(struct virtio_blk *b, uint32_t slot, uint32_t type, uint64_t sector, void *buf, uint32_t len, int notify);
/* Waits for a completion; returns its slot (its status is b->status[slot]). */
uint32_t virtio_blk_complete(struct virtio_blk *b);
/* One request, waited for; returns its status. */
uint8_t virtio_blk_sync(struct virtio_blk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len);

#endif
