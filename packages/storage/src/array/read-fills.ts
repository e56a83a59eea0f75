import type { StackIo } from "../iostack/stack-io.js";
import type { CacheDirectory } from "./cache-directory.js";

/** A write-through the disks may not have had when a read miss in flight was served. */
interface Through {
  io: StackIo;
  lba: number;
  end: number;
  /** Its number among landed write-throughs (Infinity while at the disks or waiting for them). */
  landed: number;
  /** Once landed: the misses out when it landed (issued before it landed) that have not landed yet. */
  racers: number;
}

/**
 * Which sectors a read miss may put in the cache as clean. A miss is at the disks for a while, and the
 * disks reorder the commands they hold: a write-through of the same sectors taken while the miss was out
 * (or taken before it and not yet landed when it was issued) may have reached the platters before or after
 * the miss read them, so the miss's data may be older than the write's. The miss still answers the host,
 * but caches only the sectors no such write-through covers — those are read from the disks next time.
 */
export class ReadFills {
  /** Write-throughs landed so far: a miss records it when issued (`t0`). */
  private landings = 0;
  private missesOut = 0;
  /** Write-throughs not landed, and landed ones a miss still out may have raced (dropped when the last such miss lands). */
  private readonly throughs: Through[] = [];

  constructor(private readonly cache: CacheDirectory) {}

  /** Write-throughs tracked: not landed, or landed while a miss still out was at the disks. */
  get tracked(): number {
    return this.throughs.length;
  }

  /** A read miss goes to the disks. */
  missIssued(io: StackIo): void {
    this.missesOut++;
    io.t0 = this.landings;
  }

  /** A write-through's data is in the controller: it will go to the disks. */
  throughTaken(io: StackIo): void {
    this.throughs.push({ io, lba: io.lba, end: io.lba + io.sectors, landed: Number.POSITIVE_INFINITY, racers: 0 });
  }

  /** A write landed at the disks (a write-through, or a destage this ignores). */
  writeLanded(io: StackIo): void {
    const t = this.throughs;
    for (let i = 0; i < t.length; i++) {
      if (t[i].io !== io) continue;
      if (this.missesOut === 0) t.splice(i, 1);
      else {
        t[i].landed = ++this.landings;
        t[i].racers = this.missesOut;
      }
      return;
    }
  }

  /** Read miss `io` landed: its sectors go in the cache as clean, but those a write-through may have raced. */
  missLanded(io: StackIo): void {
    this.missesOut--;
    if (this.throughs.length === 0) this.cache.insertClean(io.lba, io.sectors);
    else {
      this.fill(io.lba, io.lba + io.sectors, io.t0, 0);
      // This miss no longer races the write-throughs that landed while it was out.
      const t = this.throughs;
      for (let i = t.length - 1; i >= 0; i--)
        if (t[i].landed !== Number.POSITIVE_INFINITY && t[i].landed > io.t0 && --t[i].racers === 0) t.splice(i, 1);
    }
  }

  /** Caches [from, to) but the sectors of write-throughs from index `k` on not landed before the miss was issued (`issued`). */
  private fill(from: number, to: number, issued: number, k: number): void {
    if (from >= to) return;
    const t = this.throughs;
    for (let i = k; i < t.length; i++) {
      const w = t[i];
      if (w.landed <= issued || w.end <= from || to <= w.lba) continue;
      this.fill(from, Math.max(from, w.lba), issued, i + 1);
      this.fill(Math.min(to, w.end), to, issued, i + 1);
      return;
    }
    this.cache.insertClean(from, to - from);
  }
}
