import { BlankIoRequest, type IoRequest } from "../io.js";
import type { IoSink } from "./target.js";

/**
 * A layer's own copy of an IO it forwards downward — like a cloned `bio` in a
 * stacking driver. It carries the same addressing fields, a link to the IO it
 * stands for and that IO's sink, and scratch fields for the layer's
 * bookkeeping, so no layer needs a map from request to state. Taken from and
 * returned to an `IoPool`: nothing is allocated per IO once the pool is warm.
 */
export class StackIo extends BlankIoRequest {
  /** The IO this one stands for (the layer above's request). */
  parent: IoRequest | null = null;
  /** Where `parent` completes to. */
  parentSink: IoSink | null = null;
  /** The layer that owns this copy (event handlers dispatch on it). */
  owner: unknown = null;
  /** Scratch: a timestamp (ns) the owner needs (arrival at the layer, start of service). */
  t0 = 0;
  /** Scratch: a small integer the owner needs (member disk, sub-IO phase, pending children). */
  a = 0;
  /** Scratch: another small integer. */
  b = 0;
  /** Scratch: a link to a parent StackIo (RAID sub-IOs). */
  link: StackIo | null = null;
  /** Scratch: the next sibling in a list (RAID sub-IOs of one stripe). */
  next: StackIo | null = null;
  /** The next free IO while this one sits in its pool's free list (its own field, so a layer's `next` stays its own). */
  nextFree: StackIo | null = null;
}

/** `IoPool.recycle`, kept in a module variable: `give` reads it on every IO. */
let recycling = true;

/**
 * A free list of `StackIo`s owned by one layer. Intrusive (linked through
 * `StackIo.nextFree`): a take or give is a load and a store, with none of an
 * array's length and capacity bookkeeping, on the path every IO crosses about
 * six times.
 */
export class IoPool {
  /**
   * When false, every `take` allocates and `give` drops the object: the
   * naive per-IO allocation that `storage.sim-ios` measures as its baseline.
   */
  static get recycle(): boolean {
    return recycling;
  }
  static set recycle(on: boolean) {
    recycling = on;
  }
  private free: StackIo | null = null;
  /** IOs currently taken (for leak checks in tests). */
  inUse = 0;

  constructor(private readonly owner: unknown) {}

  /** A copy of `parent` (addressing fields) that will complete to `sink`. */
  take(parent: IoRequest, sink: IoSink | null): StackIo {
    const io = this.fresh();
    io.id = parent.id;
    io.vm = parent.vm;
    io.lba = parent.lba;
    io.sectors = parent.sectors;
    io.isRead = parent.isRead;
    io.issueTime = parent.issueTime;
    io.parent = parent;
    io.parentSink = sink;
    io.owner = this.owner;
    io.t0 = 0;
    io.a = 0;
    io.b = 0;
    return io;
  }

  /** A fresh IO not standing for another (a RAID parity read, a destage write). */
  takeBlank(): StackIo {
    const io = this.fresh();
    io.parent = null;
    io.parentSink = null;
    io.owner = this.owner;
    io.t0 = 0;
    io.a = 0;
    io.b = 0;
    return io;
  }

  /**
   * A fresh write of the layer's own, for no submitter (an array's destage, a disk's write-back):
   * [lba, +sectors), issued at `nowNs`, with id and vm -1.
   */
  takeOwnWrite(lba: number, sectors: number, nowNs: number): StackIo {
    const io = this.takeBlank();
    io.id = -1;
    io.vm = -1;
    io.lba = lba;
    io.sectors = sectors;
    io.isRead = false;
    io.issueTime = nowNs;
    return io;
  }

  /**
   * The free list's first IO, or a new one. Its `link` and `next` are already
   * null (`give` cleared them; a new one starts so), so takes need not clear them.
   */
  private fresh(): StackIo {
    this.inUse++;
    const io = this.free;
    // Recycling off (the bench's baseline) allocates every time, even with IOs left from before.
    if (io === null || !recycling) return new StackIo();
    this.free = io.nextFree;
    io.nextFree = null;
    return io;
  }

  /**
   * Gives `io` back and completes the IO it stood for to that IO's sink — given back first, so a sink that
   * submits at once can take it again.
   */
  complete(io: StackIo): void {
    const parent = io.parent as IoRequest;
    const sink = io.parentSink as IoSink;
    this.give(io);
    sink.complete(parent);
  }

  give(io: StackIo): void {
    io.parent = null;
    io.parentSink = null;
    io.link = null;
    io.next = null;
    this.inUse--;
    if (recycling) {
      io.nextFree = this.free;
      this.free = io;
    }
  }
}
