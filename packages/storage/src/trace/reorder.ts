import { SlotHeap } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import type { TraceRecord } from "./record.js";

/**
 * Records a trace may hold back to put them in issue order (`characterizeTrace`'s default). Real traces are
 * a little out of order — MSR Cambridge CSV records lag by the IOs completing around them, blkparse interleaves
 * its CPUs' buffers — by far fewer records than this (an assumption: the shipped generator's IOs written in
 * completion order are out of order by at most 296 records); about 280 KiB of typed arrays, and up to 40 bytes more
 * a record held out of order (20, in heap arrays that grow by doubling).
 */
export const DEFAULT_REORDER_WINDOW = 4096;
/** The largest window accepted: 2^20 records (~70 MiB of typed arrays, up to ~110 MiB with all of them out of order), so memory stays bounded. */
export const MAX_REORDER_WINDOW = 1_048_576;

/**
 * The window `what` was asked for (absent: `DEFAULT_REORDER_WINDOW`), checked: a whole number of records from 0 (the
 * file's order) to `MAX_REORDER_WINDOW`. One rule for `characterizeTrace` and `TraceReplayWorkload`.
 */
export function checkReorderWindow(what: string, requested: number | undefined): number {
  const n = requested ?? DEFAULT_REORDER_WINDOW;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_REORDER_WINDOW)
    throw StorageErrors.badConfig(
      what,
      `reorderWindow must be an integer from 0 (the file's order) to ${MAX_REORDER_WINDOW} records, got ${String(n)}`,
    );
  return n;
}

/**
 * How a trace's records come out of issue order, counted as they are read from the file (before the window): one
 * rule for `characterizeTrace` and `TraceReplayWorkload`. A record issued earlier than a record before it in the file
 * is out of order; the window puts it back in order (`reordered`) unless an IO issued later than it has already been
 * handed on (`late`: once the window is full, all it holds is no earlier than that IO, so the record comes straight
 * out, where it came). Without a window the file's order is the order handed on: every record out of order is late
 * (issued earlier than an IO before it, not only the one just before: in 10, 30, 20, 25 both 20 and 25 come after
 * 30, and vscsiStats' interarrival clock stays at 30 for both).
 */
export class IssueOrderCounts {
  /** Line (record, in a binary trace) of the first record issued earlier than a record before it in the file. */
  firstOutOfOrder: number | null = null;
  reordered = 0;
  late = 0;
  /** Line (record) of the first late record. */
  firstLate: number | null = null;
  /** Latest issue time read so far. */
  private latestInFileNs = Number.NEGATIVE_INFINITY;

  /** Counts a record read from the file; `latestOutNs`: the latest issue time handed on so far (without a window, that read so far). */
  read(t: number, line: number, latestOutNs: number): void {
    if (t < this.latestInFileNs) {
      if (this.firstOutOfOrder === null) this.firstOutOfOrder = line;
      if (t < latestOutNs) {
        this.late++;
        if (this.firstLate === null) this.firstLate = line;
      } else this.reordered++;
    } else this.latestInFileNs = t;
  }
}

/**
 * A bounded reorder window between a trace reader and its consumer: holds up
 * to `capacity` records and hands them out earliest issue time first, ties in
 * the order they came. A stream in which no record comes after more than
 * `capacity` records issued later than it comes out exactly sorted (stably).
 *
 * Records that arrive in order (the usual case) go to a FIFO ring; the others
 * to a min-heap by (issue time, arrival), the kernel's `SlotHeap`; the earliest
 * is the smaller of the two heads. Record fields live in typed-array slots, so
 * nothing is allocated per record once the heap has grown.
 */
export class ReorderWindow {
  /** Records held. */
  size = 0;
  private readonly slots: number;
  readonly issueNs: Float64Array;
  readonly lba: Float64Array;
  readonly bytes: Float64Array;
  readonly sectors: Float64Array;
  readonly responseNs: Float64Array;
  readonly line: Float64Array;
  /** Arrival number: the tie-break that keeps equal issue times in file order. */
  private readonly seq: Float64Array;
  readonly isRead: Uint8Array;
  private readonly free: Int32Array;
  private freeCount: number;
  private nextSeq = 0;
  /** FIFO ring of slots, sorted (each pushed record is no earlier than the one before it). */
  private readonly ring: Int32Array;
  private ringHead = 0;
  private ringCount = 0;
  /** Issue time of the ring's last record (valid while it holds any). */
  private ringTailNs = 0;
  /** Min-heap of slots by (issueNs, seq): the records that came out of order. */
  private readonly heap: SlotHeap;

  constructor(readonly capacity: number) {
    // One slot more than the capacity: a record is pushed before the earliest is taken out.
    const n = capacity + 1;
    this.slots = n;
    this.issueNs = new Float64Array(n);
    this.lba = new Float64Array(n);
    this.bytes = new Float64Array(n);
    this.sectors = new Float64Array(n);
    this.responseNs = new Float64Array(n);
    this.line = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.isRead = new Uint8Array(n);
    this.free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.free[i] = n - 1 - i;
    this.freeCount = n;
    this.ring = new Int32Array(n);
    this.heap = new SlotHeap(n);
  }

  /** Holds a copy of `rec`. The caller keeps `size <= capacity` by taking one out when it passes it. */
  push(rec: TraceRecord): void {
    const s = this.free[--this.freeCount];
    const t = rec.issueNs;
    this.issueNs[s] = t;
    this.lba[s] = rec.lba;
    this.bytes[s] = rec.bytes;
    this.sectors[s] = rec.sectors;
    this.responseNs[s] = rec.responseNs;
    this.line[s] = rec.line;
    this.isRead[s] = rec.isRead ? 1 : 0;
    this.seq[s] = this.nextSeq++;
    this.size++;
    const n = this.ringCount;
    if (n === 0 || t >= this.ringTailNs) {
      let tail = this.ringHead + n;
      if (tail >= this.slots) tail -= this.slots;
      this.ring[tail] = s;
      this.ringCount = n + 1;
      this.ringTailNs = t;
    } else {
      this.heap.push(t, this.seq[s], s);
    }
  }

  /** Moves the earliest record held into `out`; false if none is held. */
  pop(out: TraceRecord): boolean {
    const s = this.popSlot();
    if (s < 0) return false;
    out.issueNs = this.issueNs[s];
    out.lba = this.lba[s];
    out.bytes = this.bytes[s];
    out.sectors = this.sectors[s];
    out.responseNs = this.responseNs[s];
    out.line = this.line[s];
    out.isRead = this.isRead[s] === 1;
    return true;
  }

  /**
   * Takes the earliest record out and returns its slot, whose fields (`issueNs[slot]`, …) stay valid until the next
   * `push`; -1 if none is held. (The hot path reads the fields from there rather than copying them into a record.)
   */
  popSlot(): number {
    if (this.size === 0) return -1;
    let s: number;
    const heap = this.heap;
    if (heap.size === 0 || (this.ringCount > 0 && this.before(this.ring[this.ringHead], heap.minSlot()))) {
      s = this.ring[this.ringHead];
      this.ringHead = this.ringHead + 1 === this.slots ? 0 : this.ringHead + 1;
      this.ringCount--;
    } else {
      s = heap.popMin();
    }
    this.free[this.freeCount++] = s;
    this.size--;
    return s;
  }

  /** Slot a comes out before slot b: earlier issue time, or the same time and an earlier arrival. */
  private before(a: number, b: number): boolean {
    const ta = this.issueNs[a];
    const tb = this.issueNs[b];
    return ta < tb || (ta === tb && this.seq[a] < this.seq[b]);
  }
}
