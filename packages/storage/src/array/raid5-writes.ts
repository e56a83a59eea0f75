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
 * replace, parity computed afresh: a write of all chunks but one reads one).
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
      // The rows (offsets within a chunk) whose parity changes: the written chunk's own range, or for a
      // write over two or more chunks the whole chunk (the hull of the rows it touches).
      const first = Math.floor(off / chunk);
      const last = Math.floor((off + len - 1) / chunk);
      const lo = first === last ? off - first * chunk : 0;
      const hi = first === last ? off + len - first * chunk : chunk;
      // Member reads each way. Read-modify-write: the old data of every chunk written, and the old
      // parity. Reconstruct-write: in every data chunk, the rows [lo, hi) the write does not replace —
      // all of them in a chunk it misses; the part before it in its first chunk and after it in its last.
      const rmwReads = last - first + 2;
      let rcwReads = this.n - 1 - (last - first + 1);
      if (first !== last && off > first * chunk) rcwReads++;
      if (first !== last && off + len < (last + 1) * chunk) rcwReads++;
      if (rcwReads < rmwReads) {
        // Fewer reads this way; the writes go once the reads are in (`memberDone`).
        sop.b = RCW_READING;
        this.reconstructReads(sop, base, parity, off, len, lo, hi);
      } else {
        // Read-modify-write (also on a tie: the same reads, from the chunks being rewritten, so only
        // the members written are busy and each rewrite follows its read on the same track, no seek).
        stripePieces(this, sop, this.n, this.chunk, base, parity, off, len, true);
        this.piece(sop, parity, base + lo, hi - lo, true);
      }
    }
    // (`as`: the calls above listed the member IOs on `sop`, which TypeScript takes to be still null.)
    for (let c = sop.next as StackIo | null; c !== null; c = c.next) this.group.issue(c);
  }

  /** Stripe operation `sop` has landed: the next write waiting for its stripe starts, or the stripe is free. */
  private releaseStripe(sop: StackIo): void {
    const next = sop.parent as StackIo | null;
    if (next === null) this.stripeWrites.delete(sop.t0);
    else this.startStripeWrite(next);
  }

  /**
   * A reconstruct-write's reads: in each data chunk, the rows [lo, hi) that the write of [off, off+len)
   * (stripe offsets) does not replace — at most one range per chunk, as the write is contiguous.
   */
  private reconstructReads(sop: StackIo, base: number, parity: number, off: number, len: number, lo: number, hi: number): void {
    const chunk = this.chunk;
    const end = off + len;
    for (let k = 0; k < this.n - 1; k++) {
      // The part of chunk k written, as offsets within the chunk (empty when from >= to).
      const from = Math.max(off - k * chunk, lo);
      const to = Math.min(end - k * chunk, hi);
      const member = dataMemberOf(this.n, parity, k);
      if (from >= to) this.piece(sop, member, base + lo, hi - lo, true);
      else {
        if (from > lo) this.piece(sop, member, base + lo, from - lo, true);
        if (to < hi) this.piece(sop, member, base + to, hi - to, true);
      }
    }
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
      // The data not rewritten is in: write the new data and the parity of rows [lo, hi) computed from both.
      for (let x = sop.next; x !== null; ) {
        const nx = x.next;
        this.pool.give(x);
        x = nx;
      }
      sop.next = null;
      sop.b = 1;
      const chunk = this.chunk;
      const stripe = sop.t0;
      const off = sop.lba;
      const len = sop.sectors;
      const parity = parityOf(this.n, stripe);
      const first = Math.floor(off / chunk);
      const last = Math.floor((off + len - 1) / chunk);
      const lo = first === last ? off - first * chunk : 0;
      const hi = first === last ? off + len - first * chunk : chunk;
      stripePieces(this, sop, this.n, chunk, stripe * chunk, parity, off, len, false);
      this.piece(sop, parity, stripe * chunk + lo, hi - lo, false);
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
