import { NS_PER_MS, type Simulation } from "@vmlab/core-vm";
import { type BlockTarget, IoPool, type IoRequest, type IoSink, requireSameSimulation, type StackIo, sharedKind } from "@vmlab/storage";
import { QosErrors } from "../errors.js";
import { requireInteger, requireNonNegative } from "../validate.js";

/** How the qos array's RAID-5 LUN over `SptfDisk`s is laid out and which ranges its cache holds. */
export interface Raid5Options {
  /** Stripe unit (chunk) per member, sectors (CLARiiON default element size: 64 KB = 128 sectors). */
  stripeUnitSectors: number;
  /** LBA ranges resident in the array's read cache: reads there complete in `cacheHitMs` without touching a disk. */
  cachedRanges: { startLba: number; sectors: number }[];
  /** Latency of a controller cache hit, ms. */
  cacheHitMs: number;
}

/** The qos array's RAID-5 defaults: a 64 KB (128-sector) stripe unit, no cached ranges, 0.5 ms per cache hit. */
export const DEFAULT_RAID5: Raid5Options = { stripeUnitSectors: 128, cachedRanges: [], cacheHitMs: 0.5 };

/**
 * A RAID-5 LUN over N member disks with rotating (right-symmetric) parity, as
 * PARDA's CLARiiON CX3-40 LUN on a 10-disk RAID-5 group (PARDA §5). Logical
 * stripe unit u lives on row ⌊u/(N−1)⌋; the row's parity is on member
 * (row mod N) and its data units follow it. A read goes to the one member
 * that holds it (an IO must not cross a stripe unit — 16 KB inside 64 KB
 * units — and is refused if it does, unless the read cache serves it; a
 * read is a cache hit only if all its sectors are cached). A small write is
 * the classic read-modify-write: read old data and old parity, then write
 * both — four member IOs in two phases. There is no write-back cache (an
 * assumption: PARDA's experiments are reads).
 */
export class Raid5Lun implements BlockTarget {
  readonly capacitySectors: number;
  private readonly pool: IoPool;
  private readonly kindHit: number;
  private readonly dataDisks: number;
  /** Child IOs to members, pooled; their `link` points to the parent copy. */
  private readonly childPool: IoPool;
  private readonly childSink: IoSink;
  completed = 0;
  cacheHits = 0;

  constructor(
    private readonly sim: Simulation,
    readonly members: BlockTarget[],
    readonly options: Raid5Options = DEFAULT_RAID5,
  ) {
    if (members.length < 3) throw QosErrors.badConfig("array.disks", `RAID-5 needs at least 3 member disks, got ${members.length}`);
    for (const [i, m] of members.entries()) requireSameSimulation(sim, m, "RAID-5 LUN", `members[${i}]`);
    requireInteger("array.stripeUnitSectors", options.stripeUnitSectors, 1);
    requireNonNegative("array.cacheHitMs", options.cacheHitMs);
    this.dataDisks = members.length - 1;
    const perMember = Math.min(...members.map((m) => m.capacitySectors));
    // A unit larger than a member left no row: a LUN of 0 sectors that refused every IO as past its end.
    if (options.stripeUnitSectors > perMember)
      throw QosErrors.badConfig(
        "array.stripeUnitSectors",
        `must be <= the smallest member disk's capacity (${perMember} sectors): a member must hold a whole stripe unit, got ${options.stripeUnitSectors}`,
      );
    const rows = Math.floor(perMember / options.stripeUnitSectors);
    this.capacitySectors = rows * this.dataDisks * options.stripeUnitSectors;
    this.pool = new IoPool(this);
    this.childPool = new IoPool(this);
    this.childSink = { complete: (req) => this.childDone(req as StackIo) };
    this.kindHit = sharedKind(sim, "qos.raid5.hit", onHit);
  }

  /** Member index and member LBA of a logical LBA (exposed for tests). */
  locate(lba: number): { member: number; memberLba: number; parityMember: number } {
    const su = this.options.stripeUnitSectors;
    const unit = Math.floor(lba / su);
    const row = Math.floor(unit / this.dataDisks);
    const n = this.members.length;
    const parityMember = row % n;
    const member = (parityMember + 1 + (unit % this.dataDisks)) % n;
    return { member, memberLba: row * su + (lba % su), parityMember };
  }

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
  }

  submit(req: IoRequest, sink: IoSink): void {
    const su = this.options.stripeUnitSectors;
    // One past the end went to member LBAs past the disks' end without a word.
    if (!(req.lba >= 0 && req.lba + req.sectors <= this.capacitySectors))
      throw QosErrors.badConfig(
        "io",
        `an IO of ${req.sectors} sectors at LBA ${req.lba} must lie inside the LUN (${this.capacitySectors} sectors)`,
      );
    const cached = req.isRead && this.isCached(req.lba, req.sectors);
    const unit = Math.floor(req.lba / su);
    // One member serves each IO whole: one crossing a stripe unit read the next unit's sectors off the wrong member.
    if (!cached && Math.floor((req.lba + req.sectors - 1) / su) !== unit)
      throw QosErrors.badConfig("io", `an IO of ${req.sectors} sectors at LBA ${req.lba} must lie inside one ${su}-sector stripe unit`);
    const io = this.pool.take(req, sink);
    if (cached) {
      this.cacheHits++;
      this.sim.schedule(this.options.cacheHitMs * NS_PER_MS, this.kindHit, 0, io);
      return;
    }
    const row = Math.floor(unit / this.dataDisks);
    const n = this.members.length;
    const parity = row % n;
    const member = (parity + 1 + (unit % this.dataDisks)) % n;
    const memberLba = row * su + (req.lba % su);
    if (req.isRead) {
      io.a = 1;
      this.child(io, member, memberLba, true);
      return;
    }
    // Read-modify-write, phase 1: read old data and old parity.
    io.a = 2;
    io.b = 1;
    io.t0 = member * 65536 + parity; // remembered for phase 2
    this.child(io, member, memberLba, true);
    this.child(io, parity, memberLba, true);
  }

  /**
   * Whether every sector of [lba, lba + sectors) lies in the cached ranges (their union: a read may span two adjacent
   * ones). A read with any sector outside is served whole from the disks, not split: the controller must fetch the
   * missing sectors from a member anyway, and the IO completes only when they arrive, so the cache-hit part would
   * hide under the disk read. Checking only the first LBA served a read running past a range's end from the cache.
   */
  private isCached(lba: number, sectors: number): boolean {
    const ranges = this.options.cachedRanges;
    const end = lba + sectors;
    let at = lba;
    // Each pass moves `at` to the end of a range holding it; at most one pass per range (ranges are few).
    for (let pass = 0; pass < ranges.length && at < end; pass++) {
      let next = at;
      for (const r of ranges)
        if (at >= r.startLba && at < r.startLba + r.sectors && r.startLba + r.sectors > next) next = r.startLba + r.sectors;
      if (next === at) return false;
      at = next;
    }
    return at >= end;
  }

  private child(parent: StackIo, member: number, memberLba: number, isRead: boolean): void {
    const c = this.childPool.take(parent, null);
    c.lba = memberLba;
    c.isRead = isRead;
    c.link = parent;
    c.a = member;
    this.members[member].submit(c, this.childSink);
  }

  private childDone(c: StackIo): void {
    const parent = c.link as StackIo;
    const memberLba = c.lba;
    this.childPool.give(c);
    if (--parent.a > 0) return;
    if (parent.b === 1) {
      // Phase 2 of a small write: write new data and new parity.
      parent.b = 2;
      parent.a = 2;
      const member = Math.floor(parent.t0 / 65536);
      const parity = parent.t0 % 65536;
      this.child(parent, member, memberLba, false);
      this.child(parent, parity, memberLba, false);
      return;
    }
    this.finish(parent);
  }

  /** @internal */
  finish(io: StackIo): void {
    this.completed++;
    const parent = io.parent as IoRequest;
    const sink = io.parentSink as IoSink;
    this.pool.give(io);
    sink.complete(parent);
  }
}

function onHit(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as Raid5Lun).finish(io);
}
