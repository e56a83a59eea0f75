import type { BlockBackend, BlockOp } from "../block/backend.js";
import { SECTOR_SIZE } from "../block/backend.js";
import { CoreErrors } from "../errors.js";

/**
 * A LUN carved out of the host's block adapter: a window [offset,
 * offset+size) of one shared backend. Every VM's requests queue at the same
 * target, as behind one HBA.
 */
export class PartitionBackend implements BlockBackend {
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
    return this.target.submit(op, this.offsetBytes + offset, length, nowNs, tag);
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
