import { describeIssues, isVmlabError, type Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import { type BlockTarget, flushRefusal, type IoSink, isSavable, restoreInTurn, type SavableTarget } from "../iostack/target.js";

export type RaidLevel = 0 | 1 | 5 | 10;

export interface RaidOptions {
  level: RaidLevel;
  /** Stripe unit (chunk) per member, sectors. */
  chunkSectors: number;
}

/** A RAID group's saved state: its counters and each member's own state. */
export const RaidGroupStateSchema = z.object({
  version: z.literal(1),
  level: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(10)]),
  memberReads: z.number().int().nonnegative(),
  memberWrites: z.number().int().nonnegative(),
  members: z.array(z.unknown()),
});
export type RaidGroupState = z.infer<typeof RaidGroupStateSchema>;

/** Marks a sub-IO that belongs to a RAID-5 partial-stripe write (its reads, then its writes). */
const IN_STRIPE_OP = 1;
/** Marks a member IO that is the whole request (one piece): it completes straight to the submitter. */
const WHOLE = 2;
/** A stripe write's phase (`b` of its stripe operation): reconstruct-write reads out (0: read-modify-write reads, 1: writes). */
const RCW_READING = 2;
/** A stripe write's phase: waiting for the stripe (another write holds it). */
const STRIPE_WAIT = 3;

/**
 * A RAID group over N member targets (Patterson, Gibson & Katz 1988 for the
 * levels; left-symmetric parity for RAID-5, as Linux md and most arrays):
 *
 * - RAID-0: chunks striped round-robin;
 * - RAID-1: N-way mirror; a read goes to the member with fewer IOs in flight;
 * - RAID-5: one parity chunk per stripe, rotating; a full-stripe write writes
 *   data and parity with no reads; a partial-stripe write reads first, then
 *   writes the new data and parity, choosing per stripe (as Linux md's
 *   `handle_stripe_dirtying` and array controllers do) whichever of two ways
 *   needs fewer member reads (see `raid5`): read-modify-write (old data of the
 *   chunks written and old parity: 4 member IOs for a small write, the RAID-5
 *   small-write penalty) or reconstruct-write (the data the write does not
 *   replace, parity computed afresh: a write of all chunks but one reads one);
 * - RAID-10: chunks striped over mirrored pairs.
 *
 * RAID-5 writes to one stripe go one at a time, as Linux md's stripe cache and array controllers
 * serialise them: a partial-stripe write computes parity from what it reads, so a second write of the
 * stripe reading the parity before the first one's new parity is down would compute it from stale
 * data (and the members reorder what they hold). A write to a stripe with a write in progress waits
 * for it to land, in arrival order (per stripe: a write over several stripes goes ahead in those that
 * are free); reads never wait.
 *
 * A flush (`flush`) goes to every member that takes flushes, as Linux md sends one to each member disk,
 * and completes when all have: every write completed through the group before it had completed on its
 * members (a RAID-5 write only completes once its new data and parity have), so each member's flush covers it.
 */
export class RaidGroup implements BlockTarget, IoSink {
  readonly capacitySectors: number;
  /**
   * Data sectors in one full stripe (a chunk on every data member), stripes aligned at multiples of
   * it: a write of whole stripes computes RAID-5 parity from new data alone, with no reads.
   */
  readonly stripeSectors: number;
  private readonly n: number;
  private readonly chunk: number;
  private readonly memberInFlight: Int32Array;
  private readonly pool: IoPool;
  /**
   * RAID-5 stripes with a write in progress: stripe → the last stripe operation queued for it (the one
   * holding the stripe when none waits). Waiting operations are chained through `parent`, oldest first.
   */
  private readonly stripeWrites = new Map<number, StackIo>();
  /** Member IOs issued (reads, writes): the write penalty shows here. */
  memberReads = 0;
  memberWrites = 0;
  /** Flushes completed (`flush`). */
  flushes = 0;
  /** Flushes waiting on members. */
  private flushesInFlight = 0;
  /** Where members complete their part of a flush. */
  private readonly flushSink: IoSink = { complete: (req) => this.memberFlushed(req as StackIo) };
  /** The flush event kind, registered at the first flush (a group that never flushes registers nothing). */
  private kindFlushDone = -1;

  constructor(
    private readonly sim: Simulation,
    readonly members: readonly BlockTarget[],
    readonly options: RaidOptions,
  ) {
    const n = members.length;
    const { level, chunkSectors } = options;
    if (!Number.isInteger(chunkSectors) || chunkSectors < 1)
      throw StorageErrors.badConfig("raid", `chunk must be >= 1 sector, got ${chunkSectors}`);
    const need = level === 0 ? 1 : level === 1 ? 2 : level === 5 ? 3 : 4;
    if (n < need || (level === 10 && n % 2 !== 0))
      throw StorageErrors.badConfig(
        "raid",
        `RAID-${level} needs ${level === 10 ? "an even number of" : `at least ${need}`} members, got ${n}`,
      );
    this.n = n;
    this.chunk = chunkSectors;
    const memberCap = Math.min(...members.map((m) => m.capacitySectors));
    const rows = Math.floor(memberCap / chunkSectors);
    const dataMembers = level === 0 ? n : level === 1 ? 1 : level === 5 ? n - 1 : n / 2;
    this.capacitySectors = level === 1 ? memberCap : rows * chunkSectors * dataMembers;
    this.stripeSectors = chunkSectors * dataMembers;
    this.memberInFlight = new Int32Array(n);
    this.pool = new IoPool(this);
  }

  /** A member with its write cache on makes the group's completed writes volatile too. */
  get volatileWriteCache(): boolean {
    return this.members.some((m) => m.volatileWriteCache === true);
  }

  /** Why a flush through the group would miss a volatile write cache on a member (that member's answer), or null. */
  flushRefusal(): string | null {
    for (let i = 0; i < this.n; i++) {
      const why = flushRefusal(this.members[i]);
      if (why !== null) return `member ${i}: ${why}`;
    }
    return null;
  }

  /**
   * A flush: sent to every member that takes flushes (a member that takes none has nothing volatile), it
   * completes once all of them have — once every write completed through the group before it is on stable
   * media. Refused (`VMLAB_STORAGE_BAD_CONFIG`) if a volatile cache below a member cannot be reached.
   */
  flush(req: IoRequest, sink: IoSink): void {
    const why = this.flushRefusal();
    if (why !== null) throw StorageErrors.badConfig("raid", why);
    if (this.kindFlushDone < 0) this.kindFlushDone = sharedKind(this.sim, "storage.raid.flushDone", onFlushDone);
    const op = this.pool.take(req, sink);
    op.a = 1; // guard: the flush cannot complete while it is still being sent
    this.flushesInFlight++;
    for (let m = 0; m < this.n; m++) {
      const member = this.members[m];
      if (typeof member.flush !== "function") continue;
      const c = this.memberIo(op, m, 0, 0, false, 0, op);
      op.a++;
      member.flush(c, this.flushSink);
    }
    // No member took it: nothing below is volatile, it completes at once (from an event, as completions do).
    if (--op.a === 0) this.sim.schedule(0, this.kindFlushDone, 0, op);
  }

  /** A member completed its part of a flush. */
  private memberFlushed(c: StackIo): void {
    const op = c.link as StackIo;
    this.pool.give(c);
    if (--op.a === 0) this.flushDone(op);
  }

  /** @internal every member has completed the flush. */
  flushDone(op: StackIo): void {
    this.flushesInFlight--;
    this.flushes++;
    this.pool.complete(op);
  }

  /** Saves the group and its members. No member IO or flush may be in flight; every member must save itself. */
  save(): RaidGroupState {
    const inFlight = this.memberInFlight.reduce((a, b) => a + b, 0) + this.flushesInFlight;
    if (inFlight > 0) throw StorageErrors.notQuiescent("raid group", inFlight);
    // Every member is asked: a refusal for data in write caches reports what all of them hold (a mirror's
    // copies each wait to be written), not the first member's share; any other refusal goes on as it is.
    let dirty = 0;
    const members = this.members.map((m, i) => {
      if (!isSavable(m)) throw StorageErrors.notSavable("raid group", `member ${i} has no saved form`);
      try {
        return m.save();
      } catch (e) {
        const d = isVmlabError(e) && e.code === "VMLAB_STORAGE_NOT_QUIESCENT" && e.details.inFlight === 0 ? e.details.dirtySectors : 0;
        if (typeof d !== "number" || !(d > 0)) throw e;
        dirty += d;
        return null;
      }
    });
    if (dirty > 0) throw StorageErrors.dirtyWriteCache("raid group", dirty);
    return { version: 1, level: this.options.level, memberReads: this.memberReads, memberWrites: this.memberWrites, members };
  }

  /**
   * Restores a saved state; validates it first. The members restore one by one, each validating its
   * own state: if one refuses, those already restored are put back, so a failed restore changes nothing.
   */
  restore(state: unknown): void {
    const p = RaidGroupStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("raid group", describeIssues(p.error));
    const s = p.data;
    if (s.level !== this.options.level || s.members.length !== this.n)
      throw StorageErrors.badState(
        "raid group",
        `saved from RAID-${s.level} over ${s.members.length} members, this is RAID-${this.options.level} over ${this.n}`,
      );
    const before = this.save();
    const members = this.members as (BlockTarget & SavableTarget)[];
    restoreInTurn(
      members.map((m) => (x: unknown) => m.restore(x)),
      s.members,
      before.members,
    );
    this.memberReads = s.memberReads;
    this.memberWrites = s.memberWrites;
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, this.capacitySectors))
      throw StorageErrors.badConfig("raid", `IO [${req.lba}, +${req.sectors}) is outside the group (${this.capacitySectors} sectors)`);
    const level = this.options.level;
    if (level === 5 && req.isRead && this.raid5ReadInOneChunk(req, sink)) return;
    const op = this.pool.take(req, sink);
    op.a = 1; // guard: the op cannot complete while it is still being split
    if (level === 1) this.mirror(op, req.lba, req.sectors, 0, this.n);
    else if (level === 5) this.raid5(op, req);
    else {
      // RAID-0 / RAID-10: split at chunk boundaries.
      let lba = req.lba;
      let left = req.sectors;
      while (left > 0) {
        const c = Math.floor(lba / this.chunk);
        const off = lba - c * this.chunk;
        const len = Math.min(left, this.chunk - off);
        if (level === 0) {
          const row = Math.floor(c / this.n);
          this.child(op, c % this.n, row * this.chunk + off, len, req.isRead);
        } else {
          const pairs = this.n / 2;
          const row = Math.floor(c / pairs);
          this.mirror(op, row * this.chunk + off, len, 2 * (c % pairs), 2);
        }
        lba += len;
        left -= len;
      }
    }
    this.done(op);
  }

  /**
   * A RAID-5 read inside one data chunk (the common small random read) is
   * one member IO: it stands for the request itself, with no op to count
   * pieces, so it costs one pooled IO instead of two. False if the read spans chunks.
   */
  private raid5ReadInOneChunk(req: IoRequest, sink: IoSink): boolean {
    const n = this.n;
    const chunk = this.chunk;
    const stripeData = chunk * (n - 1);
    const stripe = Math.floor(req.lba / stripeData);
    const off = req.lba - stripe * stripeData;
    const k = Math.floor(off / chunk);
    const o = off - k * chunk;
    if (o + req.sectors > chunk) return false;
    // The member `pieces` would pick for chunk k of this stripe.
    const member = (this.parityOf(stripe) + 1 + k) % n;
    const c = this.pool.take(req, sink);
    c.lba = stripe * chunk + o;
    c.a = member;
    c.b = WHOLE;
    this.issue(c);
    return true;
  }

  /** The member holding stripe `stripe`'s parity (left-symmetric: rotating from the last member down). */
  private parityOf(stripe: number): number {
    return this.n - 1 - (stripe % this.n);
  }

  /** A mirrored piece: reads go to the least-busy copy, writes to every copy. */
  private mirror(op: StackIo, memberLba: number, len: number, firstMember: number, copies: number): void {
    if (op.isRead) {
      let best = firstMember;
      for (let m = firstMember + 1; m < firstMember + copies; m++) if (this.memberInFlight[m] < this.memberInFlight[best]) best = m;
      this.child(op, best, memberLba, len, true);
    } else for (let m = firstMember; m < firstMember + copies; m++) this.child(op, m, memberLba, len, false);
  }

  private raid5(op: StackIo, req: IoRequest): void {
    const n = this.n;
    const chunk = this.chunk;
    const stripeData = chunk * (n - 1);
    let lba = req.lba;
    let left = req.sectors;
    while (left > 0) {
      const stripe = Math.floor(lba / stripeData);
      const off = lba - stripe * stripeData;
      const len = Math.min(left, stripeData - off);
      const parity = this.parityOf(stripe);
      const base = stripe * chunk;
      if (req.isRead) this.pieces(op, null, base, parity, off, len, true);
      else {
        // A write of this stripe: one stripe operation (`sop`: which stripe, what it writes), started
        // now or, while another write holds the stripe, when that one lands (`releaseStripe`).
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
      lba += len;
      left -= len;
    }
  }

  /**
   * Stripe operation `sop` holds its stripe: a full-stripe write writes data and parity with no reads; a
   * partial-stripe write reads first (`sop.a` counts them), then the new data and parity (`complete`).
   */
  private startStripeWrite(sop: StackIo): void {
    const chunk = this.chunk;
    const stripe = sop.t0;
    const off = sop.lba;
    const len = sop.sectors;
    const parity = this.parityOf(stripe);
    const base = stripe * chunk;
    sop.a = 0;
    if (len === chunk * (this.n - 1)) {
      // Full-stripe write: new parity from new data alone. Listed last to first (each goes to the list's
      // head), so the members get the data chunks in order, then the parity.
      sop.b = 1;
      this.stripeChild(sop, parity, base, chunk, false);
      for (let k = this.n - 2; k >= 0; k--) this.stripeChild(sop, (parity + 1 + k) % this.n, base, chunk, false);
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
        // Fewer reads this way; the writes go once the reads are in (`complete`).
        sop.b = RCW_READING;
        this.reconstructReads(sop, base, parity, off, len, lo, hi);
      } else {
        // Read-modify-write (also on a tie: the same reads, from the chunks being rewritten, so only
        // the members written are busy and each rewrite follows its read on the same track, no seek).
        this.pieces(sop.link as StackIo, sop, base, parity, off, len, true);
        this.stripeChild(sop, parity, base + lo, hi - lo, true);
      }
    }
    // (`as`: the calls above listed the member IOs on `sop`, which TypeScript takes to be still null.)
    for (let c = sop.next as StackIo | null; c !== null; c = c.next) this.issue(c);
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
      const member = (parity + 1 + k) % this.n;
      if (from >= to) this.stripeChild(sop, member, base + lo, hi - lo, true);
      else {
        if (from > lo) this.stripeChild(sop, member, base + lo, from - lo, true);
        if (to < hi) this.stripeChild(sop, member, base + to, hi - to, true);
      }
    }
  }

  /**
   * The data-chunk pieces of [off, off+len) within a stripe whose parity is on
   * member `parity`: direct children of `op`, or (with `sop`) sub-IOs of a
   * partial-stripe write, issued later.
   */
  private pieces(op: StackIo, sop: StackIo | null, base: number, parity: number, off: number, len: number, isRead: boolean): void {
    const chunk = this.chunk;
    const n = this.n;
    while (len > 0) {
      const k = Math.floor(off / chunk);
      const o = off - k * chunk;
      const l = Math.min(len, chunk - o);
      const member = (parity + 1 + k) % n;
      if (sop === null) this.child(op, member, base + o, l, isRead);
      else this.stripeChild(sop, member, base + o, l, isRead);
      off += l;
      len -= l;
    }
  }

  /** A pooled member IO of `op`: [lba, +len) on `member`, linked to `link` (the op, or its stripe operation). */
  private memberIo(op: StackIo, member: number, lba: number, len: number, isRead: boolean, flags: number, link: StackIo): StackIo {
    const c = this.pool.takeBlank();
    c.id = op.id;
    c.vm = op.vm;
    c.issueTime = op.issueTime;
    c.lba = lba;
    c.sectors = len;
    c.isRead = isRead;
    c.a = member;
    c.b = flags;
    c.link = link;
    return c;
  }

  /** A member IO issued now that completes to `op`. */
  private child(op: StackIo, member: number, lba: number, len: number, isRead: boolean): void {
    const c = this.memberIo(op, member, lba, len, isRead, 0, op);
    op.a++;
    this.issue(c);
  }

  /** A member IO of a partial-stripe write `sop` (listed on it; issued by the caller): a read, or a write once the reads are in. */
  private stripeChild(sop: StackIo, member: number, lba: number, len: number, isRead: boolean): void {
    const c = this.memberIo(sop.link as StackIo, member, lba, len, isRead, IN_STRIPE_OP, sop);
    c.next = sop.next;
    sop.next = c;
    sop.a++;
  }

  private issue(c: StackIo): void {
    this.memberInFlight[c.a]++;
    if (c.isRead) this.memberReads++;
    else this.memberWrites++;
    this.members[c.a].submit(c, this);
  }

  complete(req: IoRequest): void {
    const c = req as StackIo;
    this.memberInFlight[c.a]--;
    if (c.b === WHOLE) {
      const parent = c.parent as IoRequest;
      const sink = c.parentSink as IoSink;
      this.pool.give(c);
      sink.complete(parent);
      return;
    }
    if (c.b !== IN_STRIPE_OP) {
      const op = c.link as StackIo;
      this.pool.give(c);
      this.done(op);
      return;
    }
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
      const op = sop.link as StackIo;
      const chunk = this.chunk;
      const stripe = sop.t0;
      const off = sop.lba;
      const len = sop.sectors;
      const parity = this.parityOf(stripe);
      const first = Math.floor(off / chunk);
      const last = Math.floor((off + len - 1) / chunk);
      const lo = first === last ? off - first * chunk : 0;
      const hi = first === last ? off + len - first * chunk : chunk;
      this.pieces(op, sop, stripe * chunk, parity, off, len, false);
      this.stripeChild(sop, parity, stripe * chunk + lo, hi - lo, false);
      // (`as`: the calls above listed the writes on `sop`, which TypeScript takes to be still null.)
      for (let x = sop.next as StackIo | null; x !== null; x = x.next) this.issue(x);
      return;
    }
    if (sop.b === 0) {
      // All old data and parity are in: write new data and new parity where they were read.
      sop.b = 1;
      for (let x = sop.next; x !== null; x = x.next) {
        x.isRead = false;
        sop.a++;
      }
      for (let x = sop.next; x !== null; x = x.next) this.issue(x);
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
    this.done(op);
  }

  private done(op: StackIo): void {
    if (--op.a > 0) return;
    const parent = op.parent as IoRequest;
    const sink = op.parentSink as IoSink;
    this.pool.give(op);
    sink.complete(parent);
  }
}

function onFlushDone(_num: number, obj: unknown): void {
  const op = obj as StackIo;
  (op.owner as RaidGroup).flushDone(op);
}
