import type { IoPool, StackIo } from "../iostack/stack-io.js";
import type { RaidGroup } from "./raid.js";
import { dataMemberOf, IN_STRIPE_OP, memberIo, parityOf, type StripePieceSink, stripePieces } from "./raid-member-io.js";

/** A stripe write's phase (`b` of its stripe operation): reconstruct-write reads out (0: read-modify-write reads, 1: writes). */
const RCW_READING = 2;
/** A stripe write's phase: waiting for the stripe (another write holds it). */
const STRIPE_WAIT = 3;

/**
 * A RAID-5 group's write path, stripe by stripe. A full-stripe write writes data and parity with no
 * reads; a partial-stripe write reads first, then writes the new data and parity, choosing per stripe
 * (as Linux md's `handle_stripe_dirtying` and array controllers do) whichever of two ways needs fewer
 * member reads: read-modify-write (old data of the chunks written and old parity: 4 member IOs for a
 * small write, the RAID-5 small-write penalty) or reconstruct-write (the data the write does not
 * replace, parity computed afresh: a write of all chunks but one reads one). Either way only the rows
 * (offsets within a chunk) whose parity changes are read and rewritten (`changedRows`), as Linux md
 * works row by row: a write of the end of one chunk and the start of the next leaves the rows between alone.
 *
 * Writes to one stripe go one at a time, as Linux md's stripe cache and array controllers serialise
 * them: a partial-stripe write computes parity from what it reads, so a second write of the stripe
 * reading the parity before the first one's new parity is down would compute it from stale data (and
 * the members reorder what they hold). A write to a stripe with a write in progress waits for it to
 * land, in arrival order (per stripe: a write over several stripes goes ahead in those that are free).
 */
export class Raid5Writes implements StripePieceSink {
  /**
   * Stripes with a write in progress: stripe → the last stripe operation queued for it (the one
   * holding the stripe when none waits). Waiting operations are chained through `parent`, oldest first.
   */
  private readonly stripeWrites = new Map<number, StackIo>();
  /** The rows whose parity the stripe write at hand changes (`changedRows`): [rowsLo, rowsHi) less [gapLo, gapHi). */
  private rowsLo = 0;
  private rowsHi = 0;
  private gapLo = 0;
  private gapHi = 0;
  /** The first and the last chunk (within the stripe) the write at hand touches, as `changedRows` found them. */
  private firstChunk = 0;
  private lastChunk = 0;

  constructor(
    private readonly group: RaidGroup,
    private readonly pool: IoPool,
    private readonly n: number,
    private readonly chunk: number,
  ) {}

  /**
   * `op` writes [off, off+len) (offsets within the stripe's data) of stripe `stripe`: one stripe
   * operation (`sop`: which stripe, what it writes), counted on `op`, started now or, while another
   * write holds the stripe, when that one lands (`releaseStripe`).
   */
  write(op: StackIo, stripe: number, off: number, len: number): void {
    const sop = this.pool.takeBlank();
    sop.link = op;
    sop.t0 = stripe;
    sop.lba = off;
    sop.sectors = len;
    op.a++;
    const last = this.stripeWrites.get(stripe);
    this.stripeWrites.set(stripe, sop);
    if (last === undefined) this.startStripeWrite(sop);
    else {
      sop.b = STRIPE_WAIT;
      last.parent = sop;
    }
  }

  /**
   * Stripe operation `sop` holds its stripe: a full-stripe write writes data and parity with no reads; a
   * partial-stripe write reads first (`sop.a` counts them), then the new data and parity (`memberDone`).
   */
  private startStripeWrite(sop: StackIo): void {
    const chunk = this.chunk;
    const stripe = sop.t0;
    const off = sop.lba;
    const len = sop.sectors;
    const parity = parityOf(this.n, stripe);
    const base = stripe * chunk;
    sop.a = 0;
    if (len === chunk * (this.n - 1)) {
      // Full-stripe write: new parity from new data alone. Listed last to first (each goes to the list's
      // head), so the members get the data chunks in order, then the parity.
      sop.b = 1;
      this.piece(sop, parity, base, chunk, false);
      for (let k = this.n - 2; k >= 0; k--) this.piece(sop, dataMemberOf(this.n, parity, k), base, chunk, false);
    } else {
      sop.b = 0;
      if (this.reconstructs(off, len)) {
        // Fewer reads this way; the writes go once the reads are in (`memberDone`).
        sop.b = RCW_READING;
        this.reconstructReads(sop, base, parity, off, len);
      } else {
        // Read-modify-write (also on a tie: the same reads, from the chunks being rewritten, so only
        // the members written are busy and each rewrite follows its read on the same track, no seek).
        stripePieces(this, sop, this.n, this.chunk, base, parity, off, len, true);
        this.parityPieces(sop, base, parity, true);
      }
    }
    // (`as`: the calls above listed the member IOs on `sop`, which TypeScript takes to be still null.)
    for (let c = sop.next as StackIo | null; c !== null; c = c.next) this.group.issue(c);
  }

  /**
   * Whether a partial-stripe write of stripe offsets [off, off+len) goes reconstruct-write: fewer member reads than
   * read-modify-write. Read-modify-write reads the old data of every chunk written, and the old parity (one read per
   * range of changed rows); reconstruct-write, in every data chunk, the changed rows the write does not replace — all
   * of them (one read per range) in a chunk it misses; the part before it in its first chunk and after it in its last
   * (one read each: the other range is the one written). Sets the changed rows (`changedRows`) as it goes.
   */
  private reconstructs(off: number, len: number): boolean {
    const chunk = this.chunk;
    this.changedRows(off, len);
    const first = this.firstChunk;
    const last = this.lastChunk;
    const parityRanges = this.gapLo < this.gapHi ? 2 : 1;
    const rmwReads = last - first + 1 + parityRanges;
    let rcwReads = parityRanges * (this.n - 1 - (last - first + 1));
    if (first !== last && off > first * chunk) rcwReads++;
    if (first !== last && off + len < (last + 1) * chunk) rcwReads++;
    return rcwReads < rmwReads;
  }

  /**
   * Whether a write of stripe offsets [off, off+len) reads the old data of every sector it writes before writing it:
   * a partial-stripe write done read-modify-write. A full-stripe write and a reconstruct-write read none of it.
   */
  readsOldData(off: number, len: number): boolean {
    return len !== this.chunk * (this.n - 1) && !this.reconstructs(off, len);
  }

  /** Stripe operation `sop` has landed: the next write waiting for its stripe starts, or the stripe is free. */
  private releaseStripe(sop: StackIo): void {
    const next = sop.parent as StackIo | null;
    if (next === null) this.stripeWrites.delete(sop.t0);
    else this.startStripeWrite(next);
  }

  /**
   * The rows (offsets within a chunk) whose parity a write of stripe offsets [off, off+len) changes: the union
   * of the rows it writes in each chunk, as [rowsLo, rowsHi) less the gap [gapLo, gapHi) (empty: gapLo = gapHi).
   * Within one chunk, its own rows. Over three or more chunks, every row (a middle chunk is whole). Over two,
   * the end of the first chunk [a, chunk) and the start of the second [0, b): every row if they touch or
   * overlap (b >= a), else two ranges with the gap [b, a) between them, whose parity nothing changes.
   * Also the first and the last chunk written (`firstChunk`, `lastChunk`). Set in fields, not returned, so the hot
   * path allocates nothing.
   */
  private changedRows(off: number, len: number): void {
    const chunk = this.chunk;
    const first = Math.floor(off / chunk);
    const last = Math.floor((off + len - 1) / chunk);
    const a = off - first * chunk;
    const b = off + len - last * chunk;
    this.firstChunk = first;
    this.lastChunk = last;
    this.rowsLo = first === last ? a : 0;
    this.rowsHi = first === last ? b : chunk;
    const gap = last === first + 1 && b < a;
    this.gapLo = gap ? b : 0;
    this.gapHi = gap ? a : 0;
  }

  /**
   * The changed rows' parity (`changedRows`) as pieces of `sop` on member `parity`: one member IO per range, two
   * when they are apart — the gap's parity is not read or written, which one IO over both would do — listed so
   * that the lower one is issued first.
   */
  private parityPieces(sop: StackIo, base: number, parity: number, isRead: boolean): void {
    if (this.gapLo < this.gapHi) {
      this.piece(sop, parity, base + this.gapHi, this.rowsHi - this.gapHi, isRead);
      this.piece(sop, parity, base + this.rowsLo, this.gapLo - this.rowsLo, isRead);
    } else this.piece(sop, parity, base + this.rowsLo, this.rowsHi - this.rowsLo, isRead);
  }

  /**
   * A reconstruct-write's reads: in each data chunk, the changed rows (`changedRows`) that the write of
   * [off, off+len) (stripe offsets) does not replace — per range of changed rows, at most one piece before
   * the part written and one after it, as the write is contiguous.
   */
  private reconstructReads(sop: StackIo, base: number, parity: number, off: number, len: number): void {
    const chunk = this.chunk;
    const end = off + len;
    const twoRanges = this.gapLo < this.gapHi;
    for (let k = 0; k < this.n - 1; k++) {
      // The part of chunk k written, as offsets within the chunk; a chunk not written reads all its changed rows
      // (as if written from its end: nothing of a range lies past it).
      let from = Math.max(off - k * chunk, 0);
      let to = Math.min(end - k * chunk, chunk);
      if (from >= to) from = to = chunk;
      const member = dataMemberOf(this.n, parity, k);
      if (twoRanges) {
        this.readAround(sop, member, base, this.rowsLo, this.gapLo, from, to);
        this.readAround(sop, member, base, this.gapHi, this.rowsHi, from, to);
      } else this.readAround(sop, member, base, this.rowsLo, this.rowsHi, from, to);
    }
  }

  /** Reads of rows [lo, hi) of `member` outside the rows [from, to) written there: the part before and the part after. */
  private readAround(sop: StackIo, member: number, base: number, lo: number, hi: number, from: number, to: number): void {
    const before = Math.min(hi, from);
    if (before > lo) this.piece(sop, member, base + lo, before - lo, true);
    const after = Math.max(lo, to);
    if (hi > after) this.piece(sop, member, base + after, hi - after, true);
  }

  /** A piece of a partial-stripe write `sop`: a member IO listed on it (issued by the caller), a read, or a write once the reads are in. */
  piece(sop: StackIo, member: number, lba: number, len: number, isRead: boolean): void {
    const c = memberIo(this.pool, sop.link as StackIo, member, lba, len, isRead, IN_STRIPE_OP, sop);
    c.next = sop.next;
    sop.next = c;
    sop.a++;
  }

  /** A member IO of a stripe operation (`c.link`) completed: its writes go once its reads are in; once they land, it completes. */
  memberDone(c: StackIo): void {
    const sop = c.link as StackIo;
    if (--sop.a > 0) return;
    if (sop.b === RCW_READING) {
      // The data not rewritten is in: write the new data and the parity of the changed rows computed from both.
      for (let x = sop.next; x !== null; ) {
        const nx = x.next;
        this.pool.give(x);
        x = nx;
      }
      sop.next = null;
      sop.b = 1;
      const base = sop.t0 * this.chunk;
      const parity = parityOf(this.n, sop.t0);
      stripePieces(this, sop, this.n, this.chunk, base, parity, sop.lba, sop.sectors, false);
      this.changedRows(sop.lba, sop.sectors);
      this.parityPieces(sop, base, parity, false);
      // (`as`: the calls above listed the writes on `sop`, which TypeScript takes to be still null.)
      for (let x = sop.next as StackIo | null; x !== null; x = x.next) this.group.issue(x);
      return;
    }
    if (sop.b === 0) {
      // All old data and parity are in: write new data and new parity where they were read.
      sop.b = 1;
      for (let x = sop.next; x !== null; x = x.next) {
        x.isRead = false;
        sop.a++;
      }
      for (let x = sop.next; x !== null; x = x.next) this.group.issue(x);
      return;
    }
    const op = sop.link as StackIo;
    for (let x = sop.next; x !== null; ) {
      const nx = x.next;
      this.pool.give(x);
      x = nx;
    }
    // The stripe goes to the next write waiting for it (it was waiting before this op completes).
    this.releaseStripe(sop);
    this.pool.give(sop);
    this.group.done(op);
  }
}
