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
  /**
   * Written sectors not yet on the media (queued or being written back; the one being written counted whole until it
   * ends, though `writtenBy` of its sectors are on the media and their space is free again).
   */
  dirty = 0;
  /** Write-backs queued or being written. */
  writeBacks = 0;
  /** Writes accepted while the buffer had no room for them, oldest first: they enter as write-backs end. */
  readonly waiting = new IoRing();
  /** `plan`'s parts of a write: first sectors and ends, ascending. */
  private readonly partLba: number[] = [];
  private readonly partEnd: number[] = [];
  /** The write-back the mechanism is writing now (its data is in the buffer until it ends). */
  private writing: StackIo | null = null;
  /** When the media transfer of `writing` starts (ns), and the head's time per sector of it. */
  private writingFrom = 0;
  private writingSectorNs = 1;
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

  /** Whether a write's data fits at `now` (`fitsAt`). */
  hasRoom(io: StackIo, now: number): boolean {
    return this.fitsAt(io, now) <= now;
  }

  /**
   * When a write's data fits: `now` if it does; else, if the space the write-back being written frees as the head
   * writes it is enough, when the head will have written that much; else +∞ (a write-back must end first). Only
   * its sectors in no queued write-back are new (the rest replaces data the queued write-backs will write); they
   * need room, and each part that does not continue a queued write-back needs a write-back entry.
   */
  fitsAt(io: StackIo, now: number): number {
    const parts = this.plan(io.lba, io.sectors);
    if (parts === 0) return now;
    let sectors = 0;
    let entries = 0;
    for (let i = 0; i < parts; i++) {
      sectors += this.partEnd[i] - this.partLba[i];
      if (this.endingAt(this.partLba[i]) === null) entries++;
    }
    if (entries > 0 && this.writeBacks + entries > this.maxWriteBacks) return Number.POSITIVE_INFINITY;
    // Sectors the write-back being written must have put on the media for the write to fit.
    const need = this.dirty + sectors - this.capacitySectors;
    if (need <= this.writtenBy(now)) return now;
    // All of it written is its end: the write goes in as it ends (`done`).
    if (this.writing === null || need >= this.writing.sectors) return Number.POSITIVE_INFINITY;
    return this.writingFrom + need * this.writingSectorNs;
  }

  /**
   * Sectors of the write-back being written that the head has put on the media by `now` (0 if none is): a drive
   * reuses their buffer space at once — held until the whole write-back ended (megabytes for a stream), a write
   * waiting for room waited tens of ms while others went in at the interface rate.
   */
  writtenBy(now: number): number {
    const w = this.writing;
    if (w === null) return 0;
    const n = Math.floor((now - this.writingFrom) / this.writingSectorNs);
    return n <= 0 ? 0 : Math.min(n, w.sectors);
  }

  /**
   * Takes a write's data into the buffer (call only if `hasRoom`). Its sectors held by a queued write-back
   * replace that data (the write-back will write the newest data); a part that continues a queued
   * write-back joins it, so each sequential stream is written back in long runs however the streams
   * interleave (a drive coalesces its dirty data by address). Returns how many write-backs the other parts
   * need: the caller queues one for [`newLba(i)`, +`newSectors(i)`) for each i below it, in order, and
   * names each with `queued`.
   */
  add(lba: number, sectors: number): number {
    let parts = this.plan(lba, sectors);
    for (let i = 0; i < parts; i++) {
      const grow = this.partEnd[i] - this.partLba[i];
      this.dirty += grow;
      const w = this.endingAt(this.partLba[i]);
      if (w === null) continue;
      // The queue keeps the command's start geometry, which appending does not change.
      w.sectors += grow;
      this.partLba.splice(i, 1);
      this.partEnd.splice(i, 1);
      parts--;
      i--;
    }
    this.writeBacks += parts;
    return parts;
  }

  /** First sector of the `i`th write-back `add` asked for. */
  newLba(i: number): number {
    return this.partLba[i];
  }

  /** Sectors of the `i`th write-back `add` asked for. */
  newSectors(i: number): number {
    return this.partEnd[i] - this.partLba[i];
  }

  /**
   * The parts of [lba, lba+sectors) in no queued write-back, ascending, into `partLba`/`partEnd`;
   * returns how many. (The write-back being written does not count: its data is on its way to the media,
   * and a new version must be written after it.)
   */
  private plan(lba: number, sectors: number): number {
    const from = this.partLba;
    const to = this.partEnd;
    from[0] = lba;
    to[0] = lba + sectors;
    let n = 1;
    const q = this.queue;
    for (let k = 0; k < q.count && n > 0; k++) {
      const w = q.io[k];
      if (w.parent !== null) continue;
      const ws = w.lba;
      const we = w.lba + w.sectors;
      for (let i = 0; i < n; i++) {
        const a = from[i];
        const b = to[i];
        if (we <= a || ws >= b) continue;
        if (ws > a && we < b) {
          // The write-back lies inside this part: it splits in two.
          from.splice(i + 1, 0, we);
          to.splice(i + 1, 0, b);
          to[i] = ws;
          n++;
          i++;
        } else if (ws > a) to[i] = ws;
        else if (we < b) from[i] = we;
        else {
          from.splice(i, 1);
          to.splice(i, 1);
          n--;
          i--;
        }
      }
    }
    from.length = n;
    to.length = n;
    return n;
  }

  /**
   * The queued write-back that ends at sector `lba` (a part starting there joins it), or null. Queued write-backs
   * hold no sector in common, so at most one ends there; the one being written is not in the queue (nothing joins
   * it: its media write has started).
   */
  private endingAt(lba: number): StackIo | null {
    const q = this.queue;
    for (let k = 0; k < q.count; k++) {
      const w = q.io[k];
      if (w.parent === null && w.lba + w.sectors === lba) return w;
    }
    return null;
  }

  /** The write-back `add` asked for is in the queue. */
  queued(w: StackIo): void {
    w.id = ++this.numbered;
  }

  /**
   * A flush (SCSI SYNCHRONIZE CACHE) now: it waits for every write-back queued so far — data a later
   * write adds to one of them included — and returns true; false if nothing is left to write back.
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

  /** The number the latest queued write-back got (0 before any): write-backs numbered up to it are older than a command arriving now. */
  get lastNumbered(): number {
    return this.numbered;
  }

  /**
   * Whether a write-back numbered up to `mark` and still out (queued or being written) holds any of
   * [lba, lba+sectors): written data older than a write of those sectors that bypasses the buffer.
   */
  holdsOlder(lba: number, sectors: number, mark: number): boolean {
    const end = lba + sectors;
    const w0 = this.writing;
    if (w0 !== null && w0.id <= mark && w0.lba < end && w0.lba + w0.sectors > lba) return true;
    const q = this.queue;
    for (let i = 0; i < q.count; i++) {
      const w = q.io[i];
      if (w.parent === null && w.id <= mark && w.lba < end && w.lba + w.sectors > lba) return true;
    }
    return false;
  }

  /**
   * A write-back goes to the media (it leaves the queue: nothing joins it any more), its transfer starting at
   * `transferStart` and taking `transferNs`: the head frees its sectors' space as it writes them (`writtenBy`, at
   * the transfer's mean time per sector where it crosses zones); its data stays in the buffer until it ends.
   */
  started(w: StackIo, transferStart: number, transferNs: number): void {
    this.writing = w;
    this.writingFrom = transferStart;
    this.writingSectorNs = transferNs / w.sectors;
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
}
