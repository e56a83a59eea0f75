import type { BlockBackend, BlockOp } from "../block/backend.js";
import { SECTOR_SIZE } from "../block/backend.js";
import { CoreErrors } from "../errors.js";

/** Partitions one asynchronous target can tell apart: its tags carry the partition's index in their low part. */
const MAX_PARTITIONS = 4096;

/** The partitions of each shared target that listen for completions, by index. */
const listeningPartitions = new WeakMap<BlockBackend, PartitionBackend[]>();

/**
 * A LUN carved out of the host's block adapter: a window [offset,
 * offset+size) of one shared backend. Every VM's requests queue at the same
 * target, as behind one HBA.
 *
 * An asynchronous target (one that returns `BLOCK_PENDING`: storage's disk and
 * array models) has one completion listener, but each partition's device
 * tags its own requests: a partition adds its index to the tag it passes
 * down, and the target's one listener hands each completion to the partition
 * it came from, with the device's own tag.
 */
export class PartitionBackend implements BlockBackend {
  private listener: ((tag: number) => void) | null = null;
  /** This partition's place among the target's listening partitions (set with its listener). */
  private index = 0;

  constructor(
    readonly target: BlockBackend,
    readonly offsetBytes: number,
    readonly sizeBytes: number,
  ) {
    if (!Number.isInteger(offsetBytes) || offsetBytes < 0 || offsetBytes % SECTOR_SIZE !== 0)
      throw CoreErrors.hostBadOption("lun offset", offsetBytes, "a multiple of 512 >= 0");
    if (
      !Number.isInteger(sizeBytes) ||
      sizeBytes < SECTOR_SIZE ||
      sizeBytes % SECTOR_SIZE !== 0 ||
      offsetBytes + sizeBytes > target.sizeBytes
    )
      throw CoreErrors.hostBadOption(
        "lun size",
        sizeBytes,
        `a multiple of 512 that fits the ${target.sizeBytes}-byte target after offset ${offsetBytes}`,
      );
  }

  submit(op: BlockOp, offset: number, length: number, nowNs: number, tag: number): number {
    return this.target.submit(op, this.offsetBytes + offset, length, nowNs, tag * MAX_PARTITIONS + this.index);
  }

  setCompletionListener(listener: (tag: number) => void): void {
    if (this.listener !== null) {
      this.listener = listener;
      return;
    }
    const target = this.target;
    let parts = listeningPartitions.get(target);
    if (parts === undefined) {
      const all: PartitionBackend[] = [];
      parts = all;
      listeningPartitions.set(target, all);
      target.setCompletionListener?.((tag) => {
        const index = tag % MAX_PARTITIONS;
        all[index].completed((tag - index) / MAX_PARTITIONS);
      });
    }
    if (parts.length === MAX_PARTITIONS)
      throw CoreErrors.hostBadOption("lun count", parts.length + 1, `at most ${MAX_PARTITIONS} devices on one asynchronous target`);
    this.index = parts.length;
    parts.push(this);
    this.listener = listener;
  }

  /** The target completed one of this partition's requests. */
  private completed(tag: number): void {
    (this.listener as (tag: number) => void)(tag);
  }

  read(offset: number, dst: Uint8Array): void {
    this.target.read(this.offsetBytes + offset, dst);
  }

  write(offset: number, src: Uint8Array): void {
    this.target.write(this.offsetBytes + offset, src);
  }

  flush(): void {
    this.target.flush();
  }

  /** The target's timing state belongs to the host (save it once there), not to each LUN. */
  save(): unknown {
    return { version: 1 };
  }

  restore(_state: unknown): void {}
}
