/** Sectors are 512 bytes, as virtio-blk counts them (virtio 1.x §5.2.6). */
export const SECTOR_SIZE = 512;

/**
 * What `BlockBackend.submit` returns when it cannot know the completion time
 * up front (an event-driven disk or array model that reorders requests): the
 * backend will report the completion later through its completion listener.
 */
export const BLOCK_PENDING = -1;

/** What a request does to the backing store. */
export type BlockOp = "read" | "write" | "flush";

/**
 * Where a block device's bytes live and how long each request takes. Small
 * on purpose (rust-vmm's `BlockBackend` shape): the device calls `submit`
 * when a request arrives and schedules its completion as a simulation event
 * at the returned time, so the guest sees queueing; at that event it moves
 * the data with `read`/`write`/`flush`. Offsets and lengths are in bytes,
 * multiples of 512, inside `sizeBytes` (the device checks).
 *
 * Asynchronous backends: `submit` may instead return `BLOCK_PENDING`. The
 * backend must then implement `setCompletionListener`, and later call the
 * listener exactly once with the request's `tag`, from inside an event of the
 * device's own `Simulation`, at the completion's virtual time (`sim.now`);
 * never from inside `submit`. The device schedules its usual completion event
 * at that time, so data movement, status, moderation and the used ring are
 * the same as for a synchronous backend. `nowNs` may be ahead of `sim.now`
 * (a machine's clock runs ahead of the simulation's inside a `run`): a
 * backend that drives an event model should start the request at `nowNs`
 * (e.g. from an event it schedules there), not at `sim.now`. One listener
 * per backend (`PartitionBackend` shares one among a host's LUNs). While requests are pending, `save` must refuse:
 * there is no event in the queue to restore.
 */
export interface BlockBackend {
  readonly sizeBytes: number;
  /**
   * Virtual time (ns, >= nowNs) at which a request submitted at `nowNs`
   * completes, or `BLOCK_PENDING` (see above). `tag` identifies the request
   * to the completion listener; synchronous backends ignore it.
   */
  submit(op: BlockOp, offset: number, length: number, nowNs: number, tag: number): number;
  /** Where an asynchronous backend reports completions (required if `submit` ever returns `BLOCK_PENDING`). */
  setCompletionListener?(listener: (tag: number) => void): void;
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
