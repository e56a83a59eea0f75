/*
 * blkbench: the virtio-blk driver end to end. Reads the disk's label (sector
 * 0, written by the host), asks for the device id, writes a pattern over
 * 1 MiB with 4 KiB requests at queue depth 32, flushes, reads it back and
 * verifies every word, then times 4 KiB random reads (verified too) at
 * queue depths 1, 8 and 32. Out-of-range and unsupported requests must fail
 * with IOERR and UNSUPP. Lines starting with "timing:" depend on the clock
 * (QEMU's mtime follows the host); everything else is deterministic.
 */
#include "virtio_blk.h"

#define BLOCK 4096u
#define SECTORS_PER_BLOCK (BLOCK / 512u)
#define FIRST_BLOCK 1u  /* block 0 holds the label */
#define BLOCKS 256u     /* 1 MiB of pattern */
#define RANDOM_READS 2048u
#define MAX_QD 32u

static struct virtio_blk blk;
static uint32_t buf[MAX_QD][BLOCK / 4] __attribute__((aligned(16)));
static uint32_t block_of[MAX_QD];
static char id[24];

static uint32_t pattern(uint32_t block, uint32_t word) { return (block * 0x9e3779b9u) ^ (word * 0x85ebca6bu) ^ 0x5bd1e995u; }

static void fill(uint32_t *b, uint32_t block) {
  for (uint32_t w = 0; w < BLOCK / 4; w++) b[w] = pattern(block, w);
}

static uint32_t check(const uint32_t *b, uint32_t block) {
  uint32_t bad = 0;
  for (uint32_t w = 0; w < BLOCK / 4; w++) bad += b[w] != pattern(block, w);
  return bad;
}

static uint32_t rng_state = 0x12345678u;
static uint32_t xorshift(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* Writes (or reads and verifies) blocks FIRST_BLOCK.. in order, `qd` in flight. Returns errors. */
static uint32_t sequential(uint32_t type, uint32_t qd) {
  uint32_t next = 0, done = 0, errors = 0;
  for (uint32_t s = 0; s < qd && next < BLOCKS; s++, next++) {
    block_of[s] = FIRST_BLOCK + next;
    if (type == VIRTIO_BLK_T_OUT) fill(buf[s], block_of[s]);
    virtio_blk_submit(&blk, s, type, (uint64_t)block_of[s] * SECTORS_PER_BLOCK, buf[s], BLOCK, 1);
  }
  while (done < BLOCKS) {
    uint32_t s = virtio_blk_complete(&blk);
    done++;
    if (blk.status[s] != VIRTIO_BLK_S_OK) errors++;
    else if (type == VIRTIO_BLK_T_IN) errors += check(buf[s], block_of[s]);
    if (next < BLOCKS) {
      block_of[s] = FIRST_BLOCK + next++;
      if (type == VIRTIO_BLK_T_OUT) fill(buf[s], block_of[s]);
      virtio_blk_submit(&blk, s, type, (uint64_t)block_of[s] * SECTORS_PER_BLOCK, buf[s], BLOCK, 1);
    }
  }
  return errors;
}

/* RANDOM_READS verified 4 KiB reads at queue depth `qd`; prints the rate in guest time. */
static void random_reads(uint32_t qd) {
  uint32_t issued = 0, done = 0, errors = 0, sum = 0;
  uint64_t t0 = vm_mtime();
  for (uint32_t s = 0; s < qd; s++, issued++) {
    block_of[s] = FIRST_BLOCK + xorshift() % BLOCKS;
    virtio_blk_submit(&blk, s, VIRTIO_BLK_T_IN, (uint64_t)block_of[s] * SECTORS_PER_BLOCK, buf[s], BLOCK, 1);
  }
  while (done < RANDOM_READS) {
    uint32_t s = virtio_blk_complete(&blk);
    done++;
    if (blk.status[s] != VIRTIO_BLK_S_OK) errors++;
    else {
      errors += check(buf[s], block_of[s]);
      sum += buf[s][(block_of[s] * 7u) % (BLOCK / 4)];
    }
    if (issued < RANDOM_READS) {
      block_of[s] = FIRST_BLOCK + xorshift() % BLOCKS;
      virtio_blk_submit(&blk, s, VIRTIO_BLK_T_IN, (uint64_t)block_of[s] * SECTORS_PER_BLOCK, buf[s], BLOCK, 1);
      issued++;
    }
  }
  uint64_t ticks = vm_mtime() - t0;
  if (ticks == 0) ticks = 1;
  uint32_t iops = (uint32_t)(((uint64_t)RANDOM_READS * VM_MTIME_HZ) / ticks);
  vm_printf("blkbench: random 4k reads qd=%u: %u reads, %u errors, checksum %08x\n", qd, RANDOM_READS, errors, sum);
  vm_printf("timing: qd=%u ticks=%u iops=%u\n", qd, (uint32_t)ticks, iops);
}

int main(void) {
  int r = virtio_blk_init(&blk);
  if (r != 0) {
    vm_printf("blkbench: no virtio-blk device (%d)\n", r);
    return 1;
  }
  vm_printf("blkbench: virtio-blk at 0x%08x irq %u, %u sectors, queue %u, %u slots\n", blk.dev.base, blk.dev.irq,
            (uint32_t)blk.capacity, blk.q.num, blk.slots);
  uint32_t qd = blk.slots < MAX_QD ? blk.slots : MAX_QD;

  uint8_t st = virtio_blk_sync(&blk, VIRTIO_BLK_T_IN, 0, buf[0], 512);
  char label[33];
  memcpy(label, buf[0], 32);
  label[32] = 0;
  for (int i = 0; i < 32; i++)
    if (label[i] == '\n' || (label[i] != 0 && (label[i] < 32 || label[i] > 126))) label[i] = 0;
  vm_printf("blkbench: label status %u \"%s\"\n", st, label);

  memset(id, 0, sizeof id);
  st = virtio_blk_sync(&blk, VIRTIO_BLK_T_GET_ID, 0, id, 20);
  vm_printf("blkbench: get-id status %u \"%s\"\n", st, id);

  uint32_t werr = sequential(VIRTIO_BLK_T_OUT, qd);
  st = virtio_blk_sync(&blk, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
  vm_printf("blkbench: wrote %u blocks of 4 KiB at qd=%u: %u errors; flush status %u\n", BLOCKS, qd, werr, st);
  memset(buf, 0, sizeof buf);
  uint32_t rerr = sequential(VIRTIO_BLK_T_IN, qd);
  vm_printf("blkbench: read back and verified %u blocks: %u errors\n", BLOCKS, rerr);

  random_reads(1);
  random_reads(8 < qd ? 8 : qd);
  random_reads(qd);

  st = virtio_blk_sync(&blk, VIRTIO_BLK_T_IN, blk.capacity, buf[0], 512);
  vm_printf("blkbench: read past the end: status %u (IOERR = 1)\n", st);
  st = virtio_blk_sync(&blk, 99, 0, buf[0], 512);
  vm_printf("blkbench: unknown request type: status %u (UNSUPP = 2)\n", st);
  vm_printf("blkbench: done\n");
  return werr + rerr == 0 ? 0 : 3;
}
