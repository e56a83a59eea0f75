import type { Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import type { IoRequest } from "../io.js";

/**
 * The small consumer interfaces every storage model shares, so they compose:
 * VM workload → virtual disk (vSCSI) → host adapter → array LUN → member disks.
 * A device, the array and the host stack are all `BlockTarget`s; the layer
 * above is the `IoSink` that hears about completions.
 */

/** Whoever submitted an IO and wants to hear when it completes. */
export interface IoSink {
  /**
   * `req` (the very object that was submitted) has completed at the
   * simulation's current time. Called from inside an event handler.
   */
  complete(req: IoRequest): void;
}

/** Something that accepts IOs: a disk, an SSD, an array LUN, a host adapter, a virtual disk. */
export interface BlockTarget {
  /** Addressable size in 512-byte sectors. */
  readonly capacitySectors: number;
  /**
   * The simulation the target runs on (vmlab's targets say; one of your own may leave it out). A workload started on
   * another is refused: its IOs queued on a simulation nothing ran, and it reported 0 IOPS without a word.
   */
  readonly simulation?: Simulation;
  /**
   * Accepts `req` now; later calls `sink.complete(req)` exactly once. The
   * target never mutates `req`. The submitter must not reuse `req` before
   * that completion.
   */
  submit(req: IoRequest, sink: IoSink): void;
  /**
   * True if a write may complete before its data is on stable media (a disk with its write cache on):
   * a flush would then have to wait for the write-backs. Absent or false: every completed write is stable.
   */
  readonly volatileWriteCache?: boolean;
  /**
   * A flush (SCSI SYNCHRONIZE CACHE): completes `req` through `sink` once every write completed before
   * the call is on stable media. A target with a volatile write cache implements it to sit behind a guest;
   * a layer (host adapter, virtual disk, RAID group) passes it down. Writes not yet completed when the
   * flush is issued need not be covered (SCSI does not order a flush after them).
   */
  flush?(req: IoRequest, sink: IoSink): void;
  /**
   * Why a flush sent here would miss a volatile write cache below (a layer further down cannot pass it
   * on, e.g. an array LUN over member disks with their write cache on), or null if it reaches every one.
   * A layer that passes flushes down implements it from what is below it (`flushRefusal`).
   */
  flushRefusal?(): string | null;
  /**
   * True for a device with no head to move (an SSD; Linux's non-rotational queue flag): a RAID mirror
   * reads from the copy with the fewest IOs in flight instead of the one whose head is nearest. Absent or
   * false: rotational, as Linux takes a device that does not say.
   */
  readonly nonRotational?: boolean;
}

/**
 * Refuses a layer built on one simulation over a target on another (`what`: the layer, `which`: the target's place in
 * it): the layer's IOs would queue where nothing runs them.
 */
export function requireSameSimulation(sim: Simulation, target: BlockTarget, what: string, which: string): void {
  if (target.simulation !== undefined && target.simulation !== sim)
    throw StorageErrors.badConfig(what, `${which} runs on another Simulation than this one: build them both with one sim`);
}

/**
 * Why a flush sent to `target` would not reach every volatile write cache below it, or null if it would
 * (or nothing below is volatile): a target with a volatile cache must take flushes (`flush`) and, if it is a
 * layer, pass them all the way down.
 */
export function flushRefusal(target: BlockTarget): string | null {
  if (target.volatileWriteCache !== true) return null;
  if (typeof target.flushRefusal === "function") return target.flushRefusal();
  return typeof target.flush === "function"
    ? null
    : "a disk's write cache is on below this target, and it cannot pass a flush down to it; put the disk behind a layer that passes flushes (host adapter, virtual disk, RAID group), or turn its write cache off";
}

/**
 * Passes a flush to `target`, or — if it takes none (nothing volatile in it: every completed write is
 * stable) — answers false so the caller completes the flush itself. Throws `VMLAB_STORAGE_BAD_CONFIG` if a
 * volatile write cache below cannot be reached.
 */
export function passFlush(what: string, target: BlockTarget, req: IoRequest, sink: IoSink): boolean {
  const why = flushRefusal(target);
  if (why !== null) throw StorageErrors.badConfig(what, why);
  if (typeof target.flush !== "function") return false;
  target.flush(req, sink);
  return true;
}

/**
 * A hook at the virtual-SCSI layer of one virtual disk — where ESX's
 * vscsiStats collects its histograms (Ahmad, IISWC 2007). `onIssue` fires when
 * the guest issues the command to its virtual disk; `onComplete` when the
 * completion is posted back to the guest.
 */
export interface VscsiObserver {
  onIssue(req: IoRequest, nowNs: number): void;
  onComplete(req: IoRequest, nowNs: number): void;
}

/**
 * What a host-side scheduler may call on the adapter it is plugged into.
 * A time-based scheduler (mClock's limits, a token bucket) schedules its own
 * event and calls `kick()` when a held request becomes eligible.
 */
export interface SchedulerHost {
  /** Try to dispatch now (fills free issue-queue slots from the scheduler). */
  kick(): void;
  /** Current virtual time (ns). */
  readonly nowNs: number;
}

/**
 * The extension point at the host adapter queue (the qos engineer plugs
 * SFQ(D), PARDA's per-host queue and mClock in here). The adapter calls
 * `enqueue` for every IO arriving from a virtual disk and `dequeue` whenever
 * it has a free slot in its issue queue (depth set by `setIssueQueueDepth`,
 * PARDA's window w). The default is `FifoScheduler`.
 */
export interface HostScheduler {
  /** Called once when plugged into an adapter. */
  attach(host: SchedulerHost): void;
  /** An IO from VM `req.vm` has arrived at the adapter. */
  enqueue(req: IoRequest, nowNs: number): void;
  /** The next IO to send to the device, or null if none may go now. */
  dequeue(nowNs: number): IoRequest | null;
  /**
   * An IO this scheduler released has completed at the device after
   * `deviceLatencyNs` (dispatch → completion: PARDA's latency signal).
   */
  onComplete(req: IoRequest, nowNs: number, deviceLatencyNs: number): void;
  /** IOs held by the scheduler (not yet dispatched). */
  readonly queued: number;
  /** Its state while it holds no IO (tags, virtual times), for snapshots; a scheduler without it cannot be saved. */
  save?(): unknown;
  restore?(state: unknown): void;
}

/** A target that can save and restore its own state (an `Hdd`, an `Ssd`, an `ArrayLun`). */
export interface SavableTarget {
  save(): unknown;
  restore(state: unknown): void;
}

/** Whether `target` saves itself (snapshots of a guest disk or a RAID group go through it). */
export function isSavable(target: BlockTarget): target is BlockTarget & SavableTarget {
  const t = target as Partial<SavableTarget>;
  return typeof t.save === "function" && typeof t.restore === "function";
}

/**
 * Restores the parts of a composite's state in turn (`restores[i](states[i])`), each part validating
 * its own; if one refuses, the parts already restored get their `before` states back and the error
 * goes on, so a failed restore changes nothing. The last part needs no `before`: it validates first.
 */
export function restoreInTurn(
  restores: readonly ((state: unknown) => void)[],
  states: readonly unknown[],
  before: readonly unknown[],
): void {
  let done = 0;
  try {
    for (; done < restores.length; done++) restores[done](states[done]);
  } catch (e) {
    for (let i = 0; i < done; i++) restores[i](before[i]);
    throw e;
  }
}
