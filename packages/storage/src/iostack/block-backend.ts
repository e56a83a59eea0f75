import { BLOCK_PENDING, type BlockBackend, type BlockOp, describeIssues, type Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import type { IoRequest } from "../io.js";
import { SECTOR_BYTES } from "../io.js";
import { sharedKind } from "./event-kinds.js";
import { IoPool, type StackIo } from "./stack-io.js";
import { type BlockTarget, flushRefusal, type IoSink, isSavable, requireSameSimulation, restoreInTurn } from "./target.js";

/** Options of `ModelBlockBackend`: the machine's simulation, the timing model (`target`) and the store holding the bytes. */
export interface ModelBlockBackendOptions {
  /** The simulation the target's events run on: the guest machine's own (`machine.sim`). */
  sim: Simulation;
  /** Where the timing comes from: an `Hdd`, an `Ssd`, an array LUN, a `HostAdapter`, ... */
  target: BlockTarget;
  /** Where the bytes live (a core-vm `MemoryBackend` or `FileBackend`); its own latency is ignored. */
  store: BlockBackend;
  /** The target sector the disk's sector 0 maps to (default 0: the outer zone of a disk). */
  firstSector?: number;
}

/** Validates a saved `ModelBlockBackend` (`ModelBlockBackendState`) before `restore` uses it. */
export const ModelBlockBackendStateSchema = z.object({
  version: z.literal(1),
  nextId: z.number().int().nonnegative(),
  store: z.unknown(),
  /** The target's own state when it has one (`Hdd`, `Ssd`, an array LUN's array), else null. */
  target: z.unknown(),
});
/** A `ModelBlockBackend`'s saved state (when idle): its store and its target's state. */
export type ModelBlockBackendState = z.infer<typeof ModelBlockBackendStateSchema>;

/**
 * A core-vm `BlockBackend` whose timing comes from one of this package's
 * event-driven models, so a real guest's virtio-blk disk can sit on a disk
 * or an array LUN. Each read or write becomes an `IoRequest` (lba =
 * firstSector + offset/512, vm 0, ids increasing, issued at the guest's
 * time) submitted to `target`; `submit` returns `BLOCK_PENDING` and the
 * device hears about the completion when the target completes the request,
 * so the model may queue and reorder (SPTF) as it likes. Data lives in
 * `store`, moved by the device at completion. A flush completes at once —
 * an array's cache is battery-backed, a disk with its write cache off writes
 * through — unless a disk with its write cache on is below: then it goes to
 * the target's `flush` and completes once the writes completed before it are
 * on the media (`Hdd.flush`, passed down by a host adapter, a virtual disk
 * and a RAID group); an array LUN over such disks passes no flush and is
 * refused (`flushRefusal`).
 *
 * Snapshots: `save` refuses (`VMLAB_STORAGE_NOT_QUIESCENT`) while IOs are in
 * the model; when idle it saves the store and the target's state if the target
 * can save itself (`Hdd`, `Ssd`: head position, cache; an array LUN: the whole
 * array — cache directory, RAID group, disks — which itself refuses with
 * `VMLAB_STORAGE_NOT_QUIESCENT` while it destages after the guest's writes;
 * a host stack: the adapter, its CPU and scheduler and what is below). A target
 * without a saved form (a host stack whose scheduler has none) refuses
 * (`VMLAB_STORAGE_NOT_SAVABLE`).
 */
export class ModelBlockBackend implements BlockBackend, IoSink {
  readonly sizeBytes: number;
  readonly sim: Simulation;
  readonly target: BlockTarget;
  readonly store: BlockBackend;
  readonly firstSector: number;
  private readonly pool = new IoPool(this);
  private readonly kindSubmit: number;
  private listener: ((tag: number) => void) | null = null;
  private nextId = 0;

  constructor(options: ModelBlockBackendOptions) {
    const { sim, target, store } = options;
    requireSameSimulation(sim, target, "block backend", "its target");
    const first = options.firstSector ?? 0;
    const sectors = store.sizeBytes / SECTOR_BYTES;
    if (!Number.isInteger(first) || first < 0)
      throw StorageErrors.badConfig("model block backend", `firstSector ${first} must be an integer >= 0`);
    if (!Number.isInteger(sectors) || sectors < 1)
      throw StorageErrors.badConfig(
        "model block backend",
        `the store's ${store.sizeBytes} bytes are not a whole number of 512-byte sectors`,
      );
    // A flush completes at once unless the target holds completed writes in a volatile cache: then it
    // must reach them, through every layer down to the disk (an array LUN cannot pass it on).
    const why = flushRefusal(target);
    if (why !== null) throw StorageErrors.badConfig("model block backend", why);
    if (first + sectors > target.capacitySectors)
      throw StorageErrors.badConfig(
        "model block backend",
        `the disk (its store) of ${store.sizeBytes} bytes${first > 0 ? ` from sector ${first}` : ""} does not fit the drive model (its target) of ${target.capacitySectors * SECTOR_BYTES} bytes (${target.capacitySectors} sectors); use a disk of at most ${Math.max(0, target.capacitySectors - first) * SECTOR_BYTES} bytes`,
      );
    this.sim = sim;
    this.target = target;
    this.store = store;
    this.firstSector = first;
    this.sizeBytes = store.sizeBytes;
    this.kindSubmit = sharedKind(sim, "storage.blockBackend.submit", onSubmit);
  }

  /** IOs submitted to the target and not yet completed. */
  get inFlight(): number {
    return this.pool.inUse;
  }

  setCompletionListener(listener: (tag: number) => void): void {
    // One device per backend: a second would take the first's completions (share one through a host's LUN partitions).
    if (this.listener !== null)
      throw StorageErrors.badConfig(
        "model block backend",
        "already attached to a device; give each device its own backend, or use a host's LUNs",
      );
    this.listener = listener;
  }

  submit(op: BlockOp, offset: number, length: number, nowNs: number, tag: number): number {
    const flush = op === "flush";
    // A flush completes at once where every completed write is already stable (see the constructor).
    if ((flush && !this.target.volatileWriteCache) || (!flush && length === 0)) return nowNs;
    if (this.listener === null)
      throw StorageErrors.badConfig("model block backend", "no completion listener; attach the backend to a device (VirtioBlk) first");
    if (!flush) this.checkRange(op, offset, length);
    const io = this.pool.takeBlank();
    io.id = this.nextId++;
    io.vm = 0;
    io.lba = this.firstSector + offset / SECTOR_BYTES;
    io.sectors = length / SECTOR_BYTES;
    io.isRead = op === "read";
    io.issueTime = nowNs;
    io.a = tag;
    io.b = flush ? FLUSH : 0;
    // The machine's clock runs ahead of the simulation's inside a run: start the IO at the
    // guest's time, from an event there, so the model sees it when the guest issued it.
    if (nowNs > this.sim.now) this.sim.scheduleAt(nowNs, this.kindSubmit, 0, io);
    else this.start(io);
    return BLOCK_PENDING;
  }

  /**
   * Refuses a read or write that is not whole 512-byte sectors inside the disk, in the caller's bytes, before an IO is
   * taken: the target refused it in its own sectors ("IO [0.1953125, +1)"), from inside a later `sim.run` when
   * deferred, and the IO taken stayed counted in flight, so every `save` after said an IO was in the model.
   */
  private checkRange(op: BlockOp, offset: number, length: number): void {
    // Plain expressions, no closure: every guest read and write passes here.
    const whole = offset >= 0 && length > 0 && offset % SECTOR_BYTES === 0 && length % SECTOR_BYTES === 0;
    let why: string | null = null;
    if (!(whole && Number.isInteger(offset) && Number.isInteger(length)))
      why = "offset and length must be whole 512-byte sectors, the length at least one";
    else if (offset + length > this.sizeBytes) why = `it ends past the disk's ${this.sizeBytes} bytes`;
    if (why !== null) throw StorageErrors.badConfig("model block backend", `a ${op} of ${length} bytes at byte ${offset}: ${why}`);
  }

  /** @internal submits `io` to the target (now, or from the deferred submission's event). */
  start(io: StackIo): void {
    const target = this.target;
    if (io.b === FLUSH) (target as Required<Pick<BlockTarget, "flush">>).flush(io, this);
    else target.submit(io, this);
  }

  /** The target finished `req` (one of ours): hand its tag to the device. */
  complete(req: IoRequest): void {
    const io = req as StackIo;
    const tag = io.a;
    this.pool.give(io);
    (this.listener as (tag: number) => void)(tag);
  }

  read(offset: number, dst: Uint8Array): void {
    this.store.read(offset, dst);
  }

  write(offset: number, src: Uint8Array): void {
    this.store.write(offset, src);
  }

  flush(): void {
    this.store.flush();
  }

  save(): ModelBlockBackendState {
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent("model block backend", this.pool.inUse);
    // Refuse here, with a clear error, rather than deep in the snapshot encoder.
    if (!isSavable(this.target))
      throw StorageErrors.notSavable(
        "model block backend",
        "its target has no saved form; snapshots work with a disk (Hdd, Ssd), an array LUN or a host adapter as the target",
      );
    return {
      version: 1,
      nextId: this.nextId,
      store: this.store.save(),
      target: this.target.save(),
    };
  }

  /** Restores a saved state; validates it first (and refuses while IOs are in flight). */
  restore(state: unknown): void {
    const p = ModelBlockBackendStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("model block backend", describeIssues(p.error));
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent("model block backend", this.pool.inUse, "restore");
    const s = p.data;
    const own = isSavable(this.target);
    if (own !== (s.target !== null && s.target !== undefined))
      throw StorageErrors.badState(
        "model block backend",
        own ? "it has no target state, this backend's target saves one" : "it has target state, this backend's target saves none",
      );
    // The target first: it validates its state (same drive model, same array) before it changes
    // anything; if the store then refuses, the target goes back to what it was.
    const target = this.target;
    const store = (x: unknown) => this.store.restore(x);
    if (isSavable(target)) restoreInTurn([(x) => target.restore(x), store], [s.target, s.store], [target.save()]);
    else store(s.store);
    this.nextId = s.nextId;
  }
}

/** `StackIo.b` of a flush passed to the target. */
const FLUSH = 1;

function onSubmit(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as ModelBlockBackend).start(io);
}
