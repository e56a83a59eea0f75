import type { BlockBackend } from "../block/backend.js";
import { CoreErrors } from "../errors.js";
import { VIRTIO_BLK_ID_BYTES } from "./blk-protocol.js";
import type { InterruptModerator } from "./moderation.js";

/** Options of a `VirtioBlk`: the block backend behind it, its queue depth and size, GET_ID's serial and interrupt moderation. */
export interface VirtioBlkOptions {
  backend: BlockBackend;
  /** Requests in service at once; more wait in the avail ring (default 32). */
  queueDepth?: number;
  /** QueueNumMax (default 256, QEMU's virtio-blk queue-size). */
  queueSize?: number;
  /** What GET_ID returns (QEMU's `serial=`), ASCII, at most 20 bytes (default ""). */
  serial?: string;
  /** Decides per completion whether to interrupt (default: every completion; see `moderation.ts`). */
  interruptModerator?: InterruptModerator;
}

/**
 * A `VirtioBlk`'s queue depth, queue size and GET_ID serial with their defaults; refuses
 * (`VMLAB_VIRTIO_BAD_OPTION`) a size that is not a power of two in 2..32768, a depth past it, and a serial
 * that is not at most 20 printable ASCII characters.
 */
export function checkBlkOptions(options: VirtioBlkOptions): { depth: number; size: number; serial: string } {
  const depth = options.queueDepth ?? 32;
  const size = options.queueSize ?? 256;
  if (!Number.isInteger(size) || size < 2 || size > 32768 || (size & (size - 1)) !== 0)
    throw CoreErrors.virtioBadOption("queueSize", size, "a power of two in 2..32768");
  if (!Number.isInteger(depth) || depth < 1 || depth > size)
    throw CoreErrors.virtioBadOption("queueDepth", depth, `an integer in 1..${size}`);
  const serial = options.serial ?? "";
  if (serial.length > VIRTIO_BLK_ID_BYTES || !/^[\x20-\x7e]*$/.test(serial))
    throw CoreErrors.virtioBadOption("serial", serial, "at most 20 printable ASCII characters");
  return { depth, size, serial };
}
