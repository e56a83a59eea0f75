/* vmlab guest SDK: virtio-net driver (see virtio_net.h). */
#include "virtio_net.h"

#define VIRTIO_NET_F_MAC (1u << 5)
#define QUEUE 16

static uint8_t rx_ring[virtq_bytes(QUEUE)] __attribute__((aligned(16)));
static uint8_t tx_ring[virtq_bytes(QUEUE)] __attribute__((aligned(16)));
static uint8_t rx_buf[VIRTIO_NET_RX_BUFS][VIRTIO_NET_HDR + VIRTIO_NET_FRAME_MAX + 2] __attribute__((aligned(16)));
static uint8_t tx_buf[VIRTIO_NET_HDR + VIRTIO_NET_FRAME_MAX] __attribute__((aligned(16)));

static void post_rx(struct virtio_net *n, uint16_t i, int notify) {
  n->rx.desc[i].addr = (uint32_t)(uintptr_t)rx_buf[i];
  n->rx.desc[i].len = sizeof rx_buf[i];
  n->rx.desc[i].flags = VIRTQ_DESC_F_WRITE;
  n->rx.desc[i].next = 0;
  virtq_push(&n->rx, i, notify);
}

int virtio_net_init(struct virtio_net *n) {
  if (!virtio_find(VIRTIO_ID_NET, 0, &n->dev)) return -1;
  if (virtio_init(&n->dev, VIRTIO_NET_F_MAC) != 0) return -2;
  if (virtq_setup(&n->dev, &n->rx, 0, QUEUE, rx_ring) != 0) return -3;
  if (virtq_setup(&n->dev, &n->tx, 1, QUEUE, tx_ring) != 0) return -4;
  for (int i = 0; i < 6; i++) n->mac[i] = virtio_config8(&n->dev, (uint32_t)i);
  virtio_ready(&n->dev);
  uint16_t bufs = n->rx.num < VIRTIO_NET_RX_BUFS ? n->rx.num : VIRTIO_NET_RX_BUFS;
  for (uint16_t i = 0; i < bufs; i++) post_rx(n, i, 0);
  virtq_kick(&n->rx);
  return 0;
}

void virtio_net_send(struct virtio_net *n, const void *frame, uint32_t len) {
  if (len > VIRTIO_NET_FRAME_MAX) len = VIRTIO_NET_FRAME_MAX;
  memset(tx_buf, 0, VIRTIO_NET_HDR);
  memcpy(tx_buf + VIRTIO_NET_HDR, frame, len);
  n->tx.desc[0].addr = (uint32_t)(uintptr_t)tx_buf;
  n->tx.desc[0].len = VIRTIO_NET_HDR + len;
  n->tx.desc[0].flags = 0;
  n->tx.desc[0].next = 0;
  virtq_push(&n->tx, 0, 1);
  while (virtq_pop_used(&n->tx, 0) < 0) {
  }
}

int virtio_net_recv(struct virtio_net *n, void *frame, uint32_t max) {
  uint32_t len = 0;
  int id = virtq_pop_used(&n->rx, &len);
  if (id < 0) return -1;
  uint32_t flen = len > VIRTIO_NET_HDR ? len - VIRTIO_NET_HDR : 0;
  if (flen > max) flen = max;
  memcpy(frame, rx_buf[id] + VIRTIO_NET_HDR, flen);
  post_rx(n, (uint16_t)id, 1);
  return (int)flen;
}
