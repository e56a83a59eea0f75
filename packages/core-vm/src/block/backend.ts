/** Sectors are 512 bytes, as virtio-blk counts them (virtio 1.x §5.2.6). */
export const SECTOR_SIZE = 512;

/** What a request does to the backing store. */
export type BlockOp = "read" | "write" | "flush";

/**
 * Where a block device's bytes live and how long each request takes. Small
 * on purpose (rust-vmm's `BlockBackend` shape): the device calls `submit`
 * when a request arrives and schedules its completion as a simulation event
 * at the returned time, so the guest sees queueing; at that event it moves
 * the data with `read`/`write`/`flush`. Offsets and lengths are in bytes,
 * multiples of 512, inside `sizeBytes` (the device checks).
 */
export interface BlockBackend {
  readonly sizeBytes: number;
  /** Virtual time (ns, >= nowNs) at which a request submitted at `nowNs` completes. */
  submit(op: BlockOp, offset: number, length: number, nowNs: number): number;
  /** Copies `dst.length` bytes at `offset` into `dst`. */
  read(offset: number, dst: Uint8Array): void;
  /** Stores `src` at `offset`. */
  write(offset: number, src: Uint8Array): void;
  /** Makes completed writes durable. */
  flush(): void;
  /** Backend timing state (queue position) for snapshots; data lives in the store itself. */
  save(): unknown;
  restore(state: unknown): void;
}
