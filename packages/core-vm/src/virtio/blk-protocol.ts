import { z } from "zod";

/**
 * virtio-blk's wire protocol (virtio 1.x §5.2): request types, status
 * codes, feature bits, and the device's saved state.
 */

/** Request types and status codes (virtio 1.x §5.2.6). */
export const VIRTIO_BLK_T_IN = 0;
/** `VIRTIO_BLK_T_OUT`: a write (virtio 1.x §5.2.6). */
export const VIRTIO_BLK_T_OUT = 1;
/** `VIRTIO_BLK_T_FLUSH`: a flush of the device's write cache (virtio 1.x §5.2.6). */
export const VIRTIO_BLK_T_FLUSH = 4;
/** `VIRTIO_BLK_T_GET_ID`: the device ID string (virtio 1.x §5.2.6). */
export const VIRTIO_BLK_T_GET_ID = 8;
/** Status `VIRTIO_BLK_S_OK`: success (virtio 1.x §5.2.6). */
export const VIRTIO_BLK_S_OK = 0;
/** Status `VIRTIO_BLK_S_IOERR`: device or driver error (virtio 1.x §5.2.6). */
export const VIRTIO_BLK_S_IOERR = 1;
/** Status `VIRTIO_BLK_S_UNSUPP`: request unsupported by device (virtio 1.x §5.2.6). */
export const VIRTIO_BLK_S_UNSUPP = 2;
/** Feature bits offered: SEG_MAX (2), BLK_SIZE (6), FLUSH (9). */
export const F_SEG_MAX = 1 << 2;
export const F_BLK_SIZE = 1 << 6;
export const F_FLUSH = 1 << 9;
/** GET_ID returns at most 20 bytes (VIRTIO_BLK_ID_BYTES). */
export const VIRTIO_BLK_ID_BYTES = 20;
/** Descriptors per request: header + data segments + status. seg_max = this - 2. */
export const MAX_CHAIN = 128;
/**
 * Entries of a request once framed (header, data, status): a chain of
 * MAX_CHAIN descriptors gains at most two, when the header shares its
 * buffer with data and the status shares its buffer with data.
 */
export const MAX_FRAMED = MAX_CHAIN + 2;

const u32 = z.number().int().min(0).max(0xffff_ffff);
const InflightSchema = z.object({
  slot: z.number().int().min(0),
  head: z.number().int().min(0).max(0xffff),
  type: u32,
  status: z.number().int().min(0).max(255),
  offset: z.number().int().min(0),
  submittedNs: z.number().int().min(0),
  addr: z.array(u32).min(2).max(MAX_FRAMED),
  len: z.array(u32).min(2).max(MAX_FRAMED),
});
/** A virtio-blk device's saved state: its queue depth, size, requests in service, counters and interrupt moderator. */
export const VirtioBlkStateSchema = z.object({
  version: z.literal(1),
  epoch: z.number().int().min(0),
  queueDepth: z.number().int().min(1),
  sizeBytes: z.number().int().positive(),
  inflight: z.array(InflightSchema),
  /** Free service slots, in the order they will be taken (last first). */
  free: z.array(z.number().int().min(0)),
  backend: z.unknown(),
  metrics: z.object({
    reads: z.number().int().min(0),
    writes: z.number().int().min(0),
    flushes: z.number().int().min(0),
    bytesRead: z.number().int().min(0),
    bytesWritten: z.number().int().min(0),
    errors: z.number().int().min(0),
  }),
  /** The interrupt moderator's state, present only when it has one (see `moderation.ts`). */
  moderator: z.unknown().optional(),
});
/** A virtio-blk device's saved state (`VirtioBlkStateSchema`). */
export type VirtioBlkState = z.infer<typeof VirtioBlkStateSchema>;
