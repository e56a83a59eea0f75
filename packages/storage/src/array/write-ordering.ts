import type { StackIo } from "../iostack/stack-io.js";
import type { IoSink } from "../iostack/target.js";
import type { CacheDirectory } from "./cache-directory.js";
import type { RaidGroup } from "./raid.js";

/**
 * The order in which a cached array's write-throughs and destage runs of the same sectors reach the
 * disks. Member writes of the same sectors must land in the order the controller took their data: the
 * disks reorder the commands they hold (SCSI simple tasks), so the controller does not send a write while
 * an older one of the same sectors is at them or waiting (as RAID controllers hold an IO that overlaps
 * one in flight). A write-through waits for the older destages of its pages and the older write-throughs
 * of its sectors to land (else a write-through array's cache kept the newer of two overlapping writes clean
 * while the disks, landing them the other way round, kept the older); a destage run waits for the older
 * write-throughs of its sectors (waiting or at the disks) to land. Older never waits for newer, so nothing
 * waits forever.
 */
export class WriteOrdering {
  /** Write-throughs waiting for an older destage of their pages or an older write-through of their sectors to land (in arrival order). */
  private readonly throughsWaiting: StackIo[] = [];
  /** Write-throughs at the disks: a newer destage run of their sectors waits for them. */
  private readonly throughsAtDisks: StackIo[] = [];
  /**
   * Destage runs (their fill read or, without one, their write) waiting for an older write-through of their
   * sectors to land: one at the disks, or one still waiting itself — the run's data came in after it.
   */
  private readonly runsWaiting: StackIo[] = [];
  /** The order the controller took write-throughs' data and held destage runs' data in (their `t0`): older waits for nothing newer. */
  private writeOrder = 0;

  constructor(
    private readonly raid: RaidGroup,
    /** Where the disks complete the writes and reads sent here (the array). */
    private readonly sink: IoSink,
    private readonly cache: CacheDirectory,
  ) {}

  /** A write-through whose data just came in (the cache already took its sectors): to the disks, or it waits. */
  through(io: StackIo): void {
    io.t0 = ++this.writeOrder;
    if (this.mustWait(io)) this.throughsWaiting.push(io);
    else this.throughToDisks(io);
  }

  /**
   * A destage run just taken: `first` (its fill read, linking the write `d`, or `d` itself) goes to the disks,
   * or waits for the older write-throughs of its sectors.
   */
  run(first: StackIo, d: StackIo): void {
    if (this.throughsAtDisks.length + this.throughsWaiting.length > 0) {
      // Every write-through pending is older than this run: it waits for those of its sectors.
      d.t0 = ++this.writeOrder;
      if (this.overlapsOlderThrough(d)) this.runsWaiting.push(first);
      else this.raid.submit(first, this.sink);
    } else this.raid.submit(first, this.sink);
  }

  /** A destage landed: write-throughs no longer waiting for anything older go to the disks, in arrival order. */
  destageLanded(): void {
    this.releaseThroughs();
  }

  /**
   * A write landed at the disks: if it was a write-through, destage runs and write-throughs that waited only for
   * it go to the disks.
   */
  writeLanded(io: StackIo): void {
    if (this.throughsAtDisks.length === 0) return;
    const i = this.throughsAtDisks.indexOf(io);
    if (i < 0) return;
    this.throughsAtDisks.splice(i, 1);
    for (let k = 0; k < this.runsWaiting.length; k++) {
      const first = this.runsWaiting[k];
      if (this.overlapsOlderThrough(runOf(first))) continue;
      this.runsWaiting.splice(k--, 1);
      this.raid.submit(first, this.sink);
    }
    this.releaseThroughs();
  }

  /** Waiting write-throughs with nothing older of their sectors still to land go to the disks, oldest first. */
  private releaseThroughs(): void {
    for (let k = 0; k < this.throughsWaiting.length; k++) {
      const io = this.throughsWaiting[k];
      if (this.mustWait(io)) continue;
      this.throughsWaiting.splice(k--, 1);
      this.throughToDisks(io);
    }
  }

  /** Whether write-through `t` waits: for an older destage of its pages, or an older write-through of its sectors. */
  private mustWait(t: StackIo): boolean {
    return this.waitsForDestage(t) || this.overlapsOlderThrough(t);
  }

  /** `io` goes through to the disks now: a newer destage run of its sectors waits until it lands. */
  private throughToDisks(io: StackIo): void {
    this.throughsAtDisks.push(io);
    this.raid.submit(io, this.sink);
  }

  /**
   * Whether write-through `t` must wait for a destage of its pages: one out for destage (its fill read or
   * write not yet landed) by a run older than `t` — a run held for `t` (newer, in `runsWaiting`) waits for it instead.
   */
  private waitsForDestage(t: StackIo): boolean {
    const cache = this.cache;
    if (this.runsWaiting.length === 0) return cache.destagingIn(t.lba, t.sectors);
    const ps = cache.pageSectors;
    for (let p = Math.floor(t.lba / ps); p <= Math.floor((t.lba + t.sectors - 1) / ps); p++) {
      if (!cache.destagingIn(p * ps, ps)) continue;
      let heldForT = false;
      for (const first of this.runsWaiting) {
        const run = runOf(first);
        if (run.t0 > t.t0 && run.lba <= p * ps && p * ps < run.lba + run.sectors) heldForT = true;
      }
      if (!heldForT) return true;
    }
    return false;
  }

  /** Whether `d` (a destage run or a write-through) writes a sector of a write-through (waiting or at the disks) whose data came in before its own. */
  private overlapsOlderThrough(d: StackIo): boolean {
    for (const t of this.throughsAtDisks) if (t.t0 < d.t0 && t.lba < d.lba + d.sectors && d.lba < t.lba + t.sectors) return true;
    for (const t of this.throughsWaiting) if (t.t0 < d.t0 && t.lba < d.lba + d.sectors && d.lba < t.lba + t.sectors) return true;
    return false;
  }
}

/** The destage write of a held run: a fill read links its write; a destage write links nothing (`IoPool` takes come with `link` null). */
function runOf(first: StackIo): StackIo {
  return first.link ?? first;
}
