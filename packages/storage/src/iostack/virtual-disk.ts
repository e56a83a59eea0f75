import type { Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, misfitText } from "../io.js";
import { refuseUnknownOptions } from "../options-check.js";
import { sharedKind } from "./event-kinds.js";
import { IoRing } from "./io-ring.js";
import { IoPool, type StackIo } from "./stack-io.js";
import {
  type BlockTarget,
  flushRefusal,
  type IoSink,
  isSavable,
  passFlush,
  requireSameSimulation,
  type SavableTarget,
  type VscsiObserver,
} from "./target.js";

/** A `VirtualDisk`'s settings: the guest adapter's queue depth and the region of the datastore it covers. */
export interface VirtualDiskOptions {
  /** The guest adapter's per-disk queue depth (LSI Logic / BusLogic: 32); more IOs wait in the guest. */
  queueDepth: number;
  /** Size of the virtual disk in sectors; default: the backing target's. */
  capacitySectors?: number;
  /** First sector of this virtual disk on the backing target (a VMDK's place on its datastore). */
  offsetSectors?: number;
}

/**
 * One VM's virtual disk at the virtual-SCSI layer: the per-VM queue of the
 * issue path, where vscsiStats attaches (`addObserver`). IOs beyond the guest
 * adapter's queue depth wait in the guest and are not yet visible to the
 * vSCSI layer, as in ESX.
 *
 * A flush (`flush`) takes a slot of the guest adapter's queue like any command (ahead of the IOs waiting
 * in the guest) and is passed to the backing target's `flush`; vscsiStats observers do not see it (it is
 * neither a read nor a write). Every write completed through the disk before the flush was issued had
 * completed at the backing target, so the target's flush covers it.
 */
export class VirtualDisk implements BlockTarget, IoSink {
  readonly capacitySectors: number;
  private readonly offset: number;
  private readonly queueDepth: number;
  private observers: VscsiObserver[] = [];
  private readonly pool: IoPool;
  private waiting: (IoRequest | null)[] = new Array(64).fill(null);
  private waitingSinks: (IoSink | null)[] = new Array(64).fill(null);
  private head = 0;
  private count = 0;
  /** IOs issued to the vSCSI layer and not yet completed (flushes included). */
  inFlight = 0;
  /** Flushes completed. */
  flushes = 0;
  /** Flushes waiting in the guest for a queue slot, oldest first. */
  private readonly flushQueue = new IoRing();
  /** `flushQueue.length`, in a field: the one check a completion makes for flushes. */
  private flushesWaiting = 0;
  private readonly flushSink: IoSink = { complete: (req) => this.flushDone(req as StackIo) };
  private readonly kindFlushDone: number;

  constructor(
    private readonly sim: Simulation,
    private readonly backing: BlockTarget,
    options: VirtualDiskOptions,
  ) {
    requireSameSimulation(sim, backing, "virtual disk", "its backing target");
    refuseUnknownOptions("virtual disk", options, ["queueDepth", "capacitySectors", "offsetSectors"]);
    if (!Number.isInteger(options.queueDepth) || options.queueDepth < 1)
      throw StorageErrors.badConfig("virtual disk", `queue depth must be an integer >= 1, got ${options.queueDepth}`);
    this.queueDepth = options.queueDepth;
    this.offset = options.offsetSectors ?? 0;
    // An offset past the backing target's end gave a disk of negative capacity, and a fractional one IOs at
    // fractional sectors, without a word.
    if (!(Number.isInteger(this.offset) && this.offset >= 0 && this.offset < backing.capacitySectors))
      throw StorageErrors.badConfig(
        "virtual disk",
        `offsetSectors must be a whole number from 0 to ${backing.capacitySectors - 1} (inside the ${backing.capacitySectors}-sector backing target), got ${this.offset}`,
      );
    this.capacitySectors = options.capacitySectors ?? backing.capacitySectors - this.offset;
    if (!(Number.isInteger(this.capacitySectors) && this.capacitySectors >= 1))
      throw StorageErrors.badConfig("virtual disk", `capacitySectors must be a whole number >= 1, got ${this.capacitySectors}`);
    if (this.offset + this.capacitySectors > backing.capacitySectors)
      throw StorageErrors.badConfig(
        "virtual disk",
        `offset ${this.offset} + capacity ${this.capacitySectors} sectors exceed the backing target's ${backing.capacitySectors}`,
      );
    this.pool = new IoPool(this);
    this.kindFlushDone = sharedKind(sim, "storage.vdisk.flushDone", onFlushDone);
  }

  /**
   * The state below this disk (its backing target's: a host adapter, a LUN). A virtual disk holds
   * none of its own once no IO is in it; observers (vscsiStats) save themselves.
   */
  save(): unknown {
    return this.idleBacking("save").save();
  }

  restore(state: unknown): void {
    this.idleBacking("restore").restore(state);
  }

  /** The backing target, once no IO is in this disk and if it can save itself (else the refusal). */
  private idleBacking(op: "save" | "restore"): BlockTarget & SavableTarget {
    const inside = this.inFlight + this.count + this.flushesWaiting;
    if (inside > 0) throw StorageErrors.notQuiescent("virtual disk", inside, op);
    if (!isSavable(this.backing)) throw StorageErrors.notSavable("virtual disk", "its backing target has no saved form");
    return this.backing;
  }

  /** Whether the target below may complete a write before it is on stable media (`BlockTarget.volatileWriteCache`). */
  get volatileWriteCache(): boolean {
    return this.backing.volatileWriteCache === true;
  }

  /** Why a flush through this disk would miss a volatile write cache below (the backing target's answer), or null. */
  flushRefusal(): string | null {
    return flushRefusal(this.backing);
  }

  /**
   * A flush: takes a queue slot (waiting in the guest, ahead of waiting IOs, if none is free) and goes to
   * the backing target's `flush`; completes once every write completed through this disk before it is on
   * stable media. A backing target that takes no flush (nothing volatile) completes it at once. Refused
   * (`VMLAB_STORAGE_BAD_CONFIG`) if a volatile cache below cannot be reached.
   */
  flush(req: IoRequest, sink: IoSink): void {
    const why = flushRefusal(this.backing);
    if (why !== null) throw StorageErrors.badConfig("virtual disk", why);
    const io = this.pool.take(req, sink);
    if (this.inFlight < this.queueDepth) this.issueFlush(io);
    else {
      this.flushQueue.push(io);
      this.flushesWaiting++;
    }
  }

  private issueFlush(io: StackIo): void {
    this.inFlight++;
    if (!passFlush("virtual disk", this.backing, io, this.flushSink)) this.sim.schedule(0, this.kindFlushDone, 0, io);
  }

  /** The oldest flush waiting in the guest takes the slot just freed. */
  private issueWaitingFlush(): void {
    this.flushesWaiting--;
    this.issueFlush(this.flushQueue.shift() as StackIo);
  }

  /** @internal a flush completed below: its slot goes to the next waiting flush or IO. */
  flushDone(io: StackIo): void {
    this.inFlight--;
    this.flushes++;
    if (this.flushesWaiting !== 0) this.issueWaitingFlush();
    else if (this.count > 0) this.issueWaiting();
    this.pool.complete(io);
  }

  /** Attaches a vSCSI-layer observer (vscsiStats). */
  addObserver(observer: VscsiObserver): void {
    this.observers.push(observer);
  }

  removeObserver(observer: VscsiObserver): void {
    this.observers = this.observers.filter((o) => o !== observer);
  }

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, this.capacitySectors))
      throw StorageErrors.badConfig("virtual disk", misfitText(req, "the virtual disk", this.capacitySectors));
    if (this.inFlight < this.queueDepth) this.issue(req, sink);
    else this.wait(req, sink);
  }

  private issue(req: IoRequest, sink: IoSink): void {
    this.inFlight++;
    const obs = this.observers;
    for (let i = 0; i < obs.length; i++) obs[i].onIssue(req, this.sim.now);
    const io = this.pool.take(req, sink);
    io.lba += this.offset;
    this.backing.submit(io, this);
  }

  complete(req: IoRequest): void {
    const io = req as StackIo;
    const parent = io.parent as IoRequest;
    const sink = io.parentSink as IoSink;
    this.pool.give(io);
    this.inFlight--;
    const obs = this.observers;
    for (let i = 0; i < obs.length; i++) obs[i].onComplete(parent, this.sim.now);
    // A flush waiting in the guest takes the freed slot first (the one check a completion makes for flushes).
    if (this.flushesWaiting !== 0) this.issueWaitingFlush();
    else if (this.count > 0) this.issueWaiting();
    sink.complete(parent);
  }

  /** The oldest IO waiting in the guest takes the slot just freed. */
  private issueWaiting(): void {
    const cap = this.waiting.length - 1;
    const next = this.waiting[this.head] as IoRequest;
    const nextSink = this.waitingSinks[this.head] as IoSink;
    this.waiting[this.head] = null;
    this.waitingSinks[this.head] = null;
    this.head = (this.head + 1) & cap;
    this.count--;
    this.issue(next, nextSink);
  }

  private wait(req: IoRequest, sink: IoSink): void {
    if (this.count === this.waiting.length) {
      const n = this.waiting.length;
      const w: (IoRequest | null)[] = new Array(n * 2).fill(null);
      const s: (IoSink | null)[] = new Array(n * 2).fill(null);
      for (let i = 0; i < n; i++) {
        w[i] = this.waiting[(this.head + i) & (n - 1)];
        s[i] = this.waitingSinks[(this.head + i) & (n - 1)];
      }
      this.waiting = w;
      this.waitingSinks = s;
      this.head = 0;
    }
    const i = (this.head + this.count) & (this.waiting.length - 1);
    this.waiting[i] = req;
    this.waitingSinks[i] = sink;
    this.count++;
  }
}

function onFlushDone(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as VirtualDisk).flushDone(io);
}
