/*
 * netping: two VMs on one Ethernet exchange N packets over virtio-net. The
 * VM whose MAC ends in :01 pings (52:54:00:00:00:02), the other echoes:
 * each ping carries a sequence number and a pattern, each reply the same
 * sequence number with the pattern transformed, and frame sizes vary from
 * the minimum to 1,400 bytes. Both sides check every payload. Lines
 * starting with "timing:" depend on the clock; the rest is deterministic.
 */
#include "virtio_net.h"

#define PINGS 32u
#define ETHERTYPE 0x88b5u /* IEEE local experimental */
#define MAGIC_PING 0x474e4950u
#define MAGIC_PONG 0x474e4f50u
#define TIMEOUT_TICKS (5u * VM_MTIME_HZ)
/* A ping unanswered this long is sent again: a frame that reaches the peer before its
 * driver is up is dropped (as on a real NIC), and nothing else would ever resend it. */
#define RESEND_TICKS (VM_MTIME_HZ / 10u)

static struct virtio_net net;
static uint8_t frame[VIRTIO_NET_FRAME_MAX];
static uint8_t reply[VIRTIO_NET_FRAME_MAX];
static const uint8_t peer_of_pinger[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};

static uint32_t rd32(const uint8_t *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24); }
static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static uint8_t pattern(uint32_t seq, uint32_t i) { return (uint8_t)(seq * 31u + i * 7u + (i >> 8)); }
static uint32_t payload_len(uint32_t seq) { return 46u + (seq * 373u) % 1355u; } /* 46 .. 1400 */

/* Builds a frame to `dst` with the given magic, sequence number and (transformed) pattern. */
static uint32_t build(uint8_t *f, const uint8_t *dst, uint32_t magic, uint32_t seq, uint8_t xor) {
  memcpy(f, dst, 6);
  memcpy(f + 6, net.mac, 6);
  f[12] = (uint8_t)(ETHERTYPE >> 8);
  f[13] = (uint8_t)ETHERTYPE;
  uint32_t n = payload_len(seq);
  wr32(f + 14, magic);
  wr32(f + 18, seq);
  for (uint32_t i = 8; i < n; i++) f[14 + i] = pattern(seq, i) ^ xor;
  return 14 + n;
}

/* Whether `f` (length `len`) is a well-formed frame of this protocol with `magic`, and its pattern checks out. */
static int valid(const uint8_t *f, int len, uint32_t magic, uint8_t xor, uint32_t *seq) {
  if (len < 22 || f[12] != (uint8_t)(ETHERTYPE >> 8) || f[13] != (uint8_t)ETHERTYPE) return 0;
  if (rd32(f + 14) != magic) return 0;
  *seq = rd32(f + 18);
  if ((uint32_t)len != 14 + payload_len(*seq)) return 0;
  for (uint32_t i = 8; i < payload_len(*seq); i++)
    if (f[14 + i] != (uint8_t)(pattern(*seq, i) ^ xor)) return 0;
  return 1;
}

static int ping(void) {
  uint32_t ok = 0, bad = 0, lost = 0, bytes = 0, resent = 0;
  uint64_t t0 = vm_mtime();
  for (uint32_t seq = 0; seq < PINGS; seq++) {
    uint32_t len = build(frame, peer_of_pinger, MAGIC_PING, seq, 0);
    virtio_net_send(&net, frame, len);
    uint64_t start = vm_mtime(), sent = start;
    for (;;) {
      int n = virtio_net_recv(&net, reply, sizeof reply);
      if (n >= 0) {
        uint32_t got;
        int ours = valid(reply, n, MAGIC_PONG, 0x5a, &got) && memcmp(reply + 6, peer_of_pinger, 6) == 0;
        if (ours && got == seq) {
          ok++;
          bytes += (uint32_t)n;
          break;
        }
        if (!ours || got > seq) bad++; /* a late reply to an earlier, resent ping is neither */
        continue;
      }
      uint64_t now = vm_mtime();
      if (now - start > TIMEOUT_TICKS) {
        lost++;
        break;
      }
      if (now - sent > RESEND_TICKS) {
        virtio_net_send(&net, frame, len);
        sent = now;
        resent++;
      }
    }
  }
  uint64_t ticks = vm_mtime() - t0;
  vm_printf("netping: sent %u pings, %u replies ok, %u bad, %u lost, %u reply bytes\n", PINGS, ok, bad, lost, bytes);
  vm_printf("timing: ticks=%u per-ping=%u resent=%u\n", (uint32_t)ticks, (uint32_t)(ticks / PINGS), resent);
  return ok == PINGS ? 0 : 4;
}

static int pong(void) {
  uint32_t echoed = 0, bad = 0;
  while (echoed < PINGS) {
    int n = virtio_net_recv(&net, frame, sizeof frame);
    if (n < 0) continue;
    uint32_t seq;
    if (!valid(frame, n, MAGIC_PING, 0, &seq) || seq > echoed) {
      bad++;
      continue;
    }
    uint32_t len = build(reply, frame + 6, MAGIC_PONG, seq, 0x5a);
    virtio_net_send(&net, reply, len);
    /* A resent ping (its reply was slow or lost) is answered again but counted once. */
    if (seq == echoed) echoed++;
  }
  vm_printf("netping: echoed %u pings, %u bad frames\n", echoed, bad);
  return bad == 0 ? 0 : 5;
}

int main(void) {
  int r = virtio_net_init(&net);
  if (r != 0) {
    vm_printf("netping: no virtio-net device (%d)\n", r);
    return 1;
  }
  int pinger = net.mac[5] == 0x01;
  vm_printf("netping: virtio-net at 0x%08x irq %u, mac %02x:%02x:%02x:%02x:%02x:%02x, role %s\n", net.dev.base, net.dev.irq,
            net.mac[0], net.mac[1], net.mac[2], net.mac[3], net.mac[4], net.mac[5], pinger ? "ping" : "pong");
  r = pinger ? ping() : pong();
  vm_printf("netping: done\n");
  return r;
}
