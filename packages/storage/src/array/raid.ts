import type { Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, misfitText } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import {
  type BlockTarget,
  flushRefusal,
  type IoSink,
  requireSameSimulation,
  restoreInTurn,
  type SavableTarget,
} from "../iostack/target.js";
import { raidCapacitySectors, raidStripeSectors } from "./capacity.js";
import { dataMemberOf, IN_STRIPE_OP, memberIo, parityOf, stripePieces, WHOLE } from "./raid-member-io.js";
import { checkRaidLayout, type RaidOptions } from "./raid-options.js";
import { checkRaidGroupState, type RaidGroupState, savedMembers } from "./raid-state.js";
import { Raid5Writes } from "./raid5-writes.js";

export type { RaidLevel, RaidOptions } from "./raid-options.js";
export { type RaidGroupState, RaidGroupStateSchema } from "./raid-state.js";

/**
 * A RAID group over N member targets (Patterson, Gibson & Katz 1988 for the
 * levels; left-symmetric parity for RAID-5, as Linux md and most arrays):
 *
 * - RAID-0: chunks striped round-robin;
 * - RAID-1: N-way mirror; a read goes to one copy, chosen as Linux md's `read_balance` does (`readCopy`):
 *   a sequential read stays on its copy, else an idle copy, else the copy whose head is nearest (the
 *   least busy one over SSDs); a write goes to every copy;
 * - RAID-5: one parity chunk per stripe, rotating; a full-stripe write writes
 *   data and parity with no reads; a partial-stripe write reads first, then
 *   writes the new data and parity, choosing per stripe (as Linux md's
 *   `handle_stripe_dirtying` and array controllers do) whichever of two ways
 *   needs fewer member reads (see `Raid5Writes`): read-modify-write (old data of the
 *   chunks written and old parity: 4 member IOs for a small write, the RAID-5
 *   small-write penalty) or reconstruct-write (the data the write does not
 *   replace, parity computed afresh: a write of all chunks but one reads one);
 * - RAID-10: Linux md's "near 2" layout (raid10.c's default, `n2`) over any N >= 2 members: the members'
 *   chunk slots taken row by row, chunk c's two copies are slots 2c and 2c + 1 — member 2c mod N at row
 *   floor(2c / N) and member (2c + 1) mod N at row floor((2c + 1) / N). Over an even N these are mirrored
 *   pairs (members 2i and 2i + 1, the same row); over an odd N a chunk whose first copy is on the last
 *   member has its second on member 0 one row lower (a different member sector); over 2 members it is a
 *   mirror. Capacity as md computes it: floor(N × member chunks / 2) chunks. A read goes to one of the
 *   chunk's two copies as md's raid10 chooses (`readCopy10`): an idle copy, else the nearest head (the
 *   least busy SSD copy when a copy is on an SSD); a write goes to both.
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
  // A `StripePieceSink` too, structurally (`stripePieces(this, …)` checks it), not by `implements`: its `piece` is
  // internal (stripped from the published types), where the clause failed every user's type-check (as `Hdd`'s did).
  readonly capacitySectors: number;
  /**
   * Data sectors in one full stripe (a chunk on every data member), stripes aligned at multiples of
   * it: a write of whole stripes computes RAID-5 parity from new data alone, with no reads. RAID-10:
   * the data of the fewest whole rows of member chunks — one row (N/2 chunks) over an even N; over an
   * odd N a row ends halfway through a chunk (its first copy), so two rows (N chunks).
   */
  readonly stripeSectors: number;
  private readonly n: number;
  private readonly chunk: number;
  private readonly memberInFlight: Int32Array;
  /** RAID-1/10: each member's head as md estimates it — the sector after the last IO it completed (read or write). */
  private readonly headSector: Float64Array;
  /** RAID-1/10: the sector after the last read sent to each member (md's `next_seq_sect`): a read starting there is sequential. */
  private readonly nextReadSector: Float64Array;
  /** Level 1 or 10: completions move the members' heads. */
  private readonly mirrored: boolean;
  /** Per member: a device with no head (`BlockTarget.nonRotational`), 1; else 0. */
  private readonly memberNonRotational: Uint8Array;
  private readonly pool: IoPool;
  /** The RAID-5 write path: stripe by stripe, one write of a stripe at a time. */
  private readonly raid5Writes: Raid5Writes;
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
    for (const [i, m] of members.entries()) requireSameSimulation(sim, m, "raid", `members[${i}]`);
    const n = members.length;
    const { level, chunkSectors } = options;
    const memberCap = checkRaidLayout(members, options);
    this.n = n;
    this.chunk = chunkSectors;
    this.capacitySectors = raidCapacitySectors(level, n, memberCap, chunkSectors);
    this.stripeSectors = raidStripeSectors(level, n, chunkSectors);
    this.memberInFlight = new Int32Array(n);
    this.headSector = new Float64Array(n);
    this.nextReadSector = new Float64Array(n);
    this.mirrored = level === 1 || level === 10;
    this.memberNonRotational = Uint8Array.from(members, (m) => (m.nonRotational === true ? 1 : 0));
    this.pool = new IoPool(this);
    this.raid5Writes = new Raid5Writes(this, this.pool, n, chunkSectors);
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
      const c = memberIo(this.pool, op, m, 0, 0, false, 0, op);
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
    const members = savedMembers(this.members);
    return {
      version: 1,
      level: this.options.level,
      chunkSectors: this.chunk,
      memberReads: this.memberReads,
      memberWrites: this.memberWrites,
      members,
      readBalance: { headSectors: Array.from(this.headSector), nextReadSectors: Array.from(this.nextReadSector) },
    };
  }

  /**
   * Restores a saved state; validates it first. The members restore one by one, each validating its
   * own state: if one refuses, those already restored are put back, so a failed restore changes nothing.
   */
  restore(state: unknown): void {
    const s = checkRaidGroupState(state, this.options.level, this.chunk, this.members);
    const rb = s.readBalance;
    const before = this.save();
    const members = this.members as (BlockTarget & SavableTarget)[];
    restoreInTurn(
      members.map((m) => (x: unknown) => m.restore(x)),
      s.members,
      before.members,
    );
    this.memberReads = s.memberReads;
    this.memberWrites = s.memberWrites;
    for (let i = 0; i < this.n; i++) {
      this.headSector[i] = rb === undefined ? 0 : rb.headSectors[i];
      this.nextReadSector[i] = rb === undefined ? 0 : rb.nextReadSectors[i];
    }
  }

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, this.capacitySectors)) throw StorageErrors.badConfig("raid", misfitText(req, "the group", this.capacitySectors));
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
          this.piece(op, c % this.n, row * this.chunk + off, len, req.isRead);
        } else {
          // md's near-2 layout: chunk c's copies are chunk slots 2c and 2c + 1, row by row over the members;
          // the second wraps to member 0 one row lower when the first is on the last member (odd N only).
          const first = (2 * c) % this.n;
          const row = Math.floor((2 * c) / this.n);
          const wraps = first === this.n - 1;
          this.mirror10(op, first, row * this.chunk + off, wraps ? 0 : first + 1, (wraps ? row + 1 : row) * this.chunk + off, len);
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
    const member = dataMemberOf(n, parityOf(n, stripe), k);
    const c = this.pool.take(req, sink);
    c.lba = stripe * chunk + o;
    c.a = member;
    c.b = WHOLE;
    this.issue(c);
    return true;
  }

  /**
   * A RAID-10 piece of one chunk, whose copies are at member `m0` sector `lba0` and member `m1` sector
   * `lba1` (different sectors when the chunk wraps): a read goes to one copy (`readCopy10`), a write to both.
   */
  private mirror10(op: StackIo, m0: number, lba0: number, m1: number, lba1: number, len: number): void {
    if (op.isRead) {
      const second = this.readCopy10(m0, lba0, m1, lba1);
      const m = second ? m1 : m0;
      const lba = second ? lba1 : lba0;
      this.nextReadSector[m] = lba + len;
      this.piece(op, m, lba, len, true);
    } else {
      this.piece(op, m0, lba0, len, false);
      this.piece(op, m1, lba1, len, false);
    }
  }

  /**
   * RAID-10: whether a read of a chunk whose copies are at member `m0` sector `lba0` (md's slot 0) and
   * member `m1` sector `lba1` (slot 1) goes to the second copy, as raid10.c's `read_balance` chooses over
   * the slots in order (rules 2 and 3 of `readCopy`, each copy weighed at its own sector; no sequential
   * rule): if either copy is non-rotational, the non-rotational copy with fewer IOs in flight; else an
   * idle copy, else the nearer head. Ties go to slot 0 (md's strict comparisons), the lower member except
   * for a wrapped chunk, whose slot 0 is the last member.
   */
  private readCopy10(m0: number, lba0: number, m1: number, lba1: number): boolean {
    const inFlight = this.memberInFlight;
    const solid0 = this.memberNonRotational[m0];
    const solid1 = this.memberNonRotational[m1];
    if ((solid0 | solid1) !== 0) return solid0 === 0 || (solid1 === 1 && inFlight[m1] < inFlight[m0]);
    const d0 = inFlight[m0] === 0 ? 0 : Math.abs(lba0 - this.headSector[m0]);
    const d1 = inFlight[m1] === 0 ? 0 : Math.abs(lba1 - this.headSector[m1]);
    return d1 < d0;
  }

  /** A RAID-1 piece: a read goes to one copy (`readCopy`), a write to every copy. */
  private mirror(op: StackIo, memberLba: number, len: number, firstMember: number, copies: number): void {
    if (op.isRead) {
      const m = this.readCopy(memberLba, firstMember, copies);
      this.nextReadSector[m] = memberLba + len;
      this.piece(op, m, memberLba, len, true);
    } else for (let m = firstMember; m < firstMember + copies; m++) this.piece(op, m, memberLba, len, false);
  }

  /**
   * The copy among members [first, first + copies) a read at member sector `lba` goes to, as Linux md's
   * `read_balance` chooses it (drivers/md/raid1.c, raid10.c; the policy of md since 2012 — older kernels
   * kept one sequential position for the whole array and searched from the last disk used). This is
   * RAID-1's; RAID-10's two copies, each at its own member sector, go by rules 2 and 3 (`readCopy10`):
   *
   * 1. RAID-1 only (raid10.c has no such rule): a sequential read — one starting where the last read sent
   *    to a copy ended, or where its head is — stays on that copy, so a stream keeps its disk and read-ahead;
   * 2. if any copy is non-rotational (`BlockTarget.nonRotational`), the one with the fewest IOs in flight
   *    (md weighs pending IOs, not distance, when a mirror has an SSD): on RAID-1 among all copies, as
   *    raid1.c compares every disk's pending count; on RAID-10 among the non-rotational copies only, as
   *    raid10.c counts a slot's pending IOs only if its device is non-rotational (a pair of an SSD and an
   *    HDD reads from the SSD);
   * 3. else an idle copy (no IO in flight), else the copy whose head is nearest `lba`: md's head is the
   *    sector after the last IO that copy completed, read or write, an estimate from the RAID layer (the
   *    members are any `BlockTarget`s).
   *
   * Ties go to the lower member, as md's strict comparisons in member order do; so at queue depth 1 every
   * read goes to the first copy (it is idle), as on md.
   */
  private readCopy(lba: number, first: number, copies: number): number {
    const end = first + copies;
    const inFlight = this.memberInFlight;
    const head = this.headSector;
    for (let m = first; m < end; m++) if (this.nextReadSector[m] === lba || head[m] === lba) return m;
    let best = first;
    let nonRotational = 0;
    for (let m = first; m < end; m++) nonRotational |= this.memberNonRotational[m];
    if (nonRotational !== 0) {
      // raid1.c: every copy is a candidate (raid10.c only the non-rotational ones: `readCopy10`).
      for (let m = first + 1; m < end; m++) if (inFlight[m] < inFlight[best]) best = m;
      return best;
    }
    // An idle copy counts as distance 0; no busy copy is at distance 0 here (rule 1 took it), so the
    // first idle copy wins, as raid1.c takes it when any copy is idle.
    let bestDistance = inFlight[first] === 0 ? 0 : Math.abs(lba - head[first]);
    for (let m = first + 1; m < end; m++) {
      const d = inFlight[m] === 0 ? 0 : Math.abs(lba - head[m]);
      if (d < bestDistance) {
        bestDistance = d;
        best = m;
      }
    }
    return best;
  }

  /**
   * Whether a write of [lba, lba+sectors) reads the old contents of every sector of [fromLba, fromLba+count) (within
   * it) before writing them: RAID-5 read-modify-write in every stripe holding them. A cache that would read those
   * sectors first to make its pages whole (`StorageArray`'s destage fill) gets them from that read instead.
   */
  writeReadsOldData(lba: number, sectors: number, fromLba: number, count: number): boolean {
    if (this.options.level !== 5) return false;
    const stripeData = this.chunk * (this.n - 1);
    const end = lba + sectors;
    for (let stripe = Math.floor(fromLba / stripeData); stripe * stripeData < fromLba + count; stripe++) {
      const base = stripe * stripeData;
      const off = Math.max(lba, base) - base;
      if (!this.raid5Writes.readsOldData(off, Math.min(end, base + stripeData) - base - off)) return false;
    }
    return true;
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
      if (req.isRead) stripePieces(this, op, n, chunk, stripe * chunk, parityOf(n, stripe), off, len, true);
      else this.raid5Writes.write(op, stripe, off, len);
      lba += len;
      left -= len;
    }
  }

  /** @internal a piece of `op`: a member IO issued now that completes to `op`. */
  piece(op: StackIo, member: number, lba: number, len: number, isRead: boolean): void {
    const c = memberIo(this.pool, op, member, lba, len, isRead, 0, op);
    op.a++;
    this.issue(c);
  }

  /** @internal `c` goes to its member (`c.a`) now. */
  issue(c: StackIo): void {
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
      if (this.mirrored) this.headSector[c.a] = c.lba + c.sectors;
      const op = c.link as StackIo;
      this.pool.give(c);
      this.done(op);
      return;
    }
    this.raid5Writes.memberDone(c);
  }

  /** @internal one of `op`'s pieces completed: `op` completes with its last. */
  done(op: StackIo): void {
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
