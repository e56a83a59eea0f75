/*
 * vmlab guest SDK: a minimal virtio-mmio (version 2) driver core with split
 * virtqueues (virtio 1.x §2.7, §4.2). Runs unchanged on vmlab and on QEMU
 * `virt` with `-global virtio-mmio.force-legacy=false`.
 */
#ifndef VMLAB_VIRTIO_H
#define VMLAB_VIRTIO_H

#include "vmlab.h"

#define VIRTIO_MMIO_BASE 0x10001000u
#define VIRTIO_MMIO_STRIDE 0x1000u
#define VIRTIO_MMIO_SLOTS 8
#define VIRTIO_FIRST_IRQ 1 /* slot i drives PLIC source 1 + i */

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

struct virtq {
  uint16_t num;
  uint16_t last_used;
  uint32_t notify; /* QueueNotify address */
  uint16_t index;
  volatile struct virtq_desc *desc;
  volatile uint16_t *avail; /* flags, idx, ring[num], used_event */
  volatile uint32_t *used;  /* flags|idx, then {id, len} pairs */
};

struct virtio_dev {
  uint32_t base; /* window address */
  uint32_t irq;  /* PLIC source */
  uint32_t device_id;
};

/* Finds the `nth` (0-based) version-2 device with `device_id`; 0 if none. */
int virtio_find(uint32_t device_id, int nth, struct virtio_dev *dev);
/* Reset, ACKNOWLEDGE, DRIVER, features (word 0 = `features0` & offered, VERSION_1), FEATURES_OK. 0 = ok. */
int virtio_init(struct virtio_dev *dev, uint32_t features0);
/*
 * Sets up queue `index` with `num` entries (clamped to QueueNumMax) in
 * `mem`, which needs virtq_bytes(num) bytes, 16-byte aligned. 0 = ok.
 */
int virtq_setup(struct virtio_dev *dev, struct virtq *q, uint16_t index, uint16_t num, void *mem);
#define virtq_bytes(num) (16u * (num) + ((6u + 2u * (num) + 15u) & ~15u) + 6u + 8u * (num))
/* Sets DRIVER_OK and enables the device's PLIC source (priority 1) and mie.MEIE for wfi wake-ups. */
void virtio_ready(struct virtio_dev *dev);
/* Offers chain `head` to the device (and notifies when `notify`). */
void virtq_push(struct virtq *q, uint16_t head, int notify);
void virtq_kick(struct virtq *q);
/* Takes one used entry: returns its id, or -1 if none; `len` gets the bytes written. */
int virtq_pop_used(struct virtq *q, uint32_t *len);
/* Sleeps until an interrupt is pending, then acknowledges the device's and the PLIC's. */
void virtio_wait(struct virtio_dev *dev);
uint32_t virtio_config32(struct virtio_dev *dev, uint32_t offset);
uint8_t virtio_config8(struct virtio_dev *dev, uint32_t offset);

#endif
