import { IoRing } from "../iostack/io-ring.js";
import type { StackIo } from "../iostack/stack-io.js";
import type { HddQueue } from "./hdd-queue.js";

/**
 * The bookkeeping of a disk's write cache (`HddOptions.writeCache`): which written data is in the
 * buffer and not yet on the media, and the drive-internal write-backs (commands with no submitter)
 * that will put it there. The write-backs wait in the disk's own `HddQueue`, so the same shortest-
 * positioning-time-first scheduling writes them back; this class only says what the buffer holds.
 */
export class HddWriteBuffer {
  /** Written sectors not yet on the media (queued or being written back). */
  dirty = 0;
  /** Write-backs queued or being written. */
  writeBacks = 0;
  /** Writes accepted while the buffer had no room for them, oldest first: they enter as write-backs end. */
  readonly waiting = new IoRing();
  /** The newest queued write-back, while still queued: a write that continues it joins it. */
  private newest: StackIo | null = null;
  /** The write-back the mechanism is writing now (its data is in the buffer until it ends). */
  private writing: StackIo | null = null;
  /** Write-backs queued so far; each carries its number in `id` (flushes wait for those before them). */
  private numbered = 0;
  /** Flushes waiting for the write-backs queued before them, oldest first (their limits, in `a`, only grow). */
  private readonly flushes = new IoRing();

  constructor(
    /** Buffer space, sectors. */
    readonly capacitySectors: number,
    /** Write-backs the drive tracks at once. */
    private readonly maxWriteBacks: number,
    private readonly queue: HddQueue,
  ) {}

  /**
   * Whether a write's data fits now: a rewrite of data in a queued write-back takes no room; a write
   * that continues (or overlaps the end of) the newest write-back needs room for its new sectors; any
   * other, its sectors and a write-back entry.
   */
  hasRoom(io: StackIo): boolean {
    if (this.queuedHolding(io.lba, io.sectors) !== null) return true;
    const last = this.newest;
    if (last !== null && last.lba <= io.lba && io.lba <= last.lba + last.sectors)
      return this.dirty + (io.lba + io.sectors - (last.lba + last.sectors)) <= this.capacitySectors;
    return this.dirty + io.sectors <= this.capacitySectors && this.writeBacks < this.maxWriteBacks;
  }

  /**
   * Takes a write's data into the buffer (call only if `hasRoom`). A rewrite of data still queued
   * replaces it (the write-back will write the newest data); data that continues the newest queued
   * write-back joins it, so a sequential stream is written back in long runs. True if the data needs
   * a write-back of its own: the caller queues one and names it with `queued`.
   */
  add(lba: number, sectors: number): boolean {
    if (this.queuedHolding(lba, sectors) !== null) return false;
    const last = this.newest;
    if (last !== null && last.lba <= lba && lba <= last.lba + last.sectors) {
      // The queue keeps the command's start geometry, which appending does not change.
      const grow = lba + sectors - (last.lba + last.sectors);
      last.sectors += grow;
      this.dirty += grow;
      return false;
    }
    this.dirty += sectors;
    this.writeBacks++;
    return true;
  }

  /** The write-back `add` asked for is in the queue. */
  queued(w: StackIo): void {
    w.id = ++this.numbered;
    this.newest = w;
  }

  /**
   * A flush (SCSI SYNCHRONIZE CACHE) now: it waits for every write-back queued so far — data a later
   * write adds to one of them included — and returns false; true if nothing is left to write back.
   */
  flushWaits(flush: StackIo): boolean {
    if (this.writeBacks === 0) return false;
    flush.a = this.numbered;
    this.flushes.push(flush);
    return true;
  }

  /** Flushes whose write-backs have all reached the media (after `done`), oldest first; null when none. */
  nextFlushDone(): StackIo | null {
    const f = this.flushes.peek();
    if (f === null || this.oldestOutstanding() <= f.a) return null;
    return this.flushes.shift();
  }

  /** Flushes waiting. */
  get flushesWaiting(): number {
    return this.flushes.length;
  }

  /** The number of the oldest write-back still out (queued or being written); Infinity if none. */
  private oldestOutstanding(): number {
    let oldest = this.writing?.id ?? Number.POSITIVE_INFINITY;
    const q = this.queue;
    for (let i = 0; i < q.count; i++) {
      const w = q.io[i];
      if (w.parent === null && w.id < oldest) oldest = w.id;
    }
    return oldest;
  }

  /** A write-back goes to the media: nothing joins it any more; its data stays in the buffer until it ends. */
  started(w: StackIo): void {
    this.writing = w;
    if (w === this.newest) this.newest = null;
  }

  /** A write-back reached the media: its buffer space is free. */
  done(w: StackIo): void {
    this.dirty -= w.sectors;
    this.writeBacks--;
    this.writing = null;
  }

  /** Whether buffered data (queued write-backs and the one being written) holds all of [lba, lba+sectors). */
  covers(lba: number, sectors: number): boolean {
    const q = this.queue;
    const end = lba + sectors;
    let from = lba;
    // Few write-backs are out at once (a stream joins one): repeat the scan until the range is covered.
    for (let progress = true; progress && from < end; ) {
      progress = false;
      const w0 = this.writing;
      if (w0 !== null && w0.lba <= from && w0.lba + w0.sectors > from) {
        from = w0.lba + w0.sectors;
        progress = true;
      }
      for (let i = 0; i < q.count; i++) {
        const w = q.io[i];
        if (w.parent === null && w.lba <= from && w.lba + w.sectors > from) {
          from = w.lba + w.sectors;
          progress = true;
        }
      }
    }
    return from >= end;
  }

  /** A queued (not yet started) write-back that holds all of [lba, lba+sectors), or null. */
  private queuedHolding(lba: number, sectors: number): StackIo | null {
    const q = this.queue;
    const end = lba + sectors;
    for (let i = 0; i < q.count; i++) {
      const w = q.io[i];
      if (w.parent === null && w.lba <= lba && w.lba + w.sectors >= end) return w;
    }
    return null;
  }
}
