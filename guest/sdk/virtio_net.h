/*
 * vmlab guest SDK: virtio-net driver (virtio 1.x §5.1) over virtio.h: MAC
 * from config space, a receive queue with posted buffers, a transmit queue
 * with one buffer. Polled: no interrupts needed (vmlab's lockstep runner
 * and QEMU both deliver frames to a spinning guest).
 */
#ifndef VMLAB_VIRTIO_NET_H
#define VMLAB_VIRTIO_NET_H

#include "virtio.h"

#define VIRTIO_NET_HDR 12 /* struct virtio_net_hdr with num_buffers (VERSION_1) */
#define VIRTIO_NET_FRAME_MAX 1514
#define VIRTIO_NET_RX_BUFS 16

struct virtio_net {
  struct virtio_dev dev;
  struct virtq rx, tx;
  uint8_t mac[6];
};

/* Finds and initialises the first virtio-net device and posts the receive buffers. 0 = ok. */
int virtio_net_init(struct virtio_net *n);
/* Sends one Ethernet frame (no FCS) and waits until the device took it. */
void virtio_net_send(struct virtio_net *n, const void *frame, uint32_t len);
/* Copies the next received frame into `frame`; returns its length, or -1 if none is waiting. */
int virtio_net_recv(struct virtio_net *n, void *frame, uint32_t max);

#endif
