import type { Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest } from "../io.js";
import { IoPool, type StackIo } from "./stack-io.js";
import { type BlockTarget, type IoSink, isSavable, type SavableTarget, type VscsiObserver } from "./target.js";

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
  /** IOs issued to the vSCSI layer and not yet completed. */
  inFlight = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly backing: BlockTarget,
    options: VirtualDiskOptions,
  ) {
    if (!Number.isInteger(options.queueDepth) || options.queueDepth < 1)
      throw StorageErrors.badConfig("virtual disk", `queue depth must be an integer >= 1, got ${options.queueDepth}`);
    this.queueDepth = options.queueDepth;
    this.offset = options.offsetSectors ?? 0;
    this.capacitySectors = options.capacitySectors ?? backing.capacitySectors - this.offset;
    if (this.offset < 0 || this.offset + this.capacitySectors > backing.capacitySectors)
      throw StorageErrors.badConfig("virtual disk", "offset + capacity exceed the backing target's capacity");
    this.pool = new IoPool(this);
  }

  /**
   * The state below this disk (its backing target's: a host adapter, a LUN). A virtual disk holds
   * none of its own once no IO is in it; observers (vscsiStats) save themselves.
   */
  save(): unknown {
    return this.idleBacking().save();
  }

  restore(state: unknown): void {
    this.idleBacking().restore(state);
  }

  /** The backing target, once no IO is in this disk and if it can save itself (else the refusal). */
  private idleBacking(): BlockTarget & SavableTarget {
    if (this.inFlight + this.count > 0) throw StorageErrors.notQuiescent("virtual disk", this.inFlight + this.count);
    if (!isSavable(this.backing)) throw StorageErrors.notSavable("virtual disk", "its backing target has no saved form");
    return this.backing;
  }

  /** Whether the target below may complete a write before it is on stable media (`BlockTarget.volatileWriteCache`). */
  get volatileWriteCache(): boolean {
    return this.backing.volatileWriteCache === true;
  }

  /** Attaches a vSCSI-layer observer (vscsiStats). */
  addObserver(observer: VscsiObserver): void {
    this.observers.push(observer);
  }

  removeObserver(observer: VscsiObserver): void {
    this.observers = this.observers.filter((o) => o !== observer);
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, this.capacitySectors))
      throw StorageErrors.badConfig(
        "virtual disk",
        `IO [${req.lba}, +${req.sectors}) is outside the virtual disk (${this.capacitySectors} sectors)`,
      );
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
    if (this.count > 0) {
      const cap = this.waiting.length - 1;
      const next = this.waiting[this.head] as IoRequest;
      const nextSink = this.waitingSinks[this.head] as IoSink;
      this.waiting[this.head] = null;
      this.waitingSinks[this.head] = null;
      this.head = (this.head + 1) & cap;
      this.count--;
      this.issue(next, nextSink);
    }
    sink.complete(parent);
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
