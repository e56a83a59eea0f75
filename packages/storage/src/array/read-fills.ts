import type { StackIo } from "../iostack/stack-io.js";
import type { CacheDirectory } from "./cache-directory.js";

/** Sectors a read miss in flight may have read before a write of them reached the disks: a write-through, or a destaged page since evicted. */
interface Through {
  /** The write-through (null for an evicted page). */
  io: StackIo | null;
  lba: number;
  end: number;
  /** Its number among landed writes (Infinity while at the disks or waiting for them). */
  landed: number;
}

/** Buckets (a power of two) of the evicted pages' quick filter. */
const EVICTED_FILTER = 1024;

/**
 * Which sectors a read miss may put in the cache as clean. A miss is at the disks for a while, and the
 * disks reorder the commands they hold: a write of the same sectors that had not landed when the miss was
 * issued may have reached the platters before or after the miss read them, so the miss's data may be older
 * than the write's. The rule: a miss caches sector S only if no write of S that landed after the miss was
 * issued (or has not landed yet) is gone from the cache when the miss lands. A write the cache still holds
 * needs nothing: a miss never replaces valid sectors, the cache's copy being as new or newer. Two kinds of
 * write leave it:
 * - a write-through of pages the cache does not hold (or evicts before the miss lands): tracked from the
 *   moment its data comes in;
 * - a destage that landed after the miss was issued, its page then evicted (clean) before the miss landed:
 *   each destaged page carries its landing's number, and the cache reports an evicted page whose number is
 *   above the oldest miss out's issue number (`raceFloor`) — so the cost per destage and per eviction is a
 *   store and a compare, and only a page evicted that soon after its destage is tracked.
 * The miss still answers the host, but caches only the sectors no such write covers: those are read from
 * the disks next time. A landed write is dropped once every miss out was issued after it landed. A miss
 * looks through the tracked writes only when a write-through is tracked or an evicted page in its filter
 * bucket is: most misses land with neither.
 */
export class ReadFills {
  /** Writes landed while a miss was out (write-throughs and destages), numbered: a miss records the count when issued (`t0`). */
  private landings = 0;
  private missesOut = 0;
  /** Misses out by issue number (`t0`), a ring indexed `t0 & (length - 1)` over [oldest, oldest + length). */
  private outByT0 = new Int32Array(64);
  /** The smallest issue number of a miss out (while one is). */
  private oldest = 0;
  /** Write-throughs not landed, and landed writes a miss still out may have raced (dropped when the last such miss lands). */
  private readonly throughs: Through[] = [];
  /** Write-throughs among `throughs` (the rest are evicted pages). */
  private throughCount = 0;
  /** How many evicted pages tracked fall in each bucket of page numbers (`page & (EVICTED_FILTER - 1)`). */
  private readonly evictedByPage = new Int32Array(EVICTED_FILTER);

  constructor(private readonly cache: CacheDirectory) {
    cache.racedEviction = (page, landing) => this.evicted(page, landing);
  }

  /** Writes tracked: write-throughs not landed, or landed writes a miss still out may have raced. */
  get tracked(): number {
    return this.throughs.length;
  }

  /** A read miss goes to the disks. */
  missIssued(io: StackIo): void {
    const t0 = this.landings;
    io.t0 = t0;
    if (this.missesOut === 0) {
      this.oldest = t0;
      this.cache.raceFloor = t0;
    } else if (t0 - this.oldest >= this.outByT0.length) this.grow(t0 - this.oldest + 1);
    this.outByT0[t0 & (this.outByT0.length - 1)]++;
    this.missesOut++;
  }

  /** A write-through's data is in the controller: it will go to the disks. */
  throughTaken(io: StackIo): void {
    this.throughs.push({ io, lba: io.lba, end: io.lba + io.sectors, landed: Number.POSITIVE_INFINITY });
    this.throughCount++;
  }

  /**
   * A write landed at the disks (a write-through, or a destage this ignores: see `destageLanded`). Only a
   * write-through not landed yet is it: a landed one still tracked may have had the same pooled IO.
   */
  writeLanded(io: StackIo): void {
    const t = this.throughs;
    for (let i = 0; i < t.length; i++) {
      if (t[i].io !== io || t[i].landed !== Number.POSITIVE_INFINITY) continue;
      if (this.missesOut === 0) {
        t.splice(i, 1);
        this.throughCount--;
      } else t[i].landed = ++this.landings;
      return;
    }
  }

  /** A destage run landed: the number to give its pages (`CacheDirectory.destaged`), 0 when no miss is out to race it. */
  destageLanded(): number {
    return this.missesOut === 0 ? 0 : ++this.landings;
  }

  /** Read miss `io` landed: its sectors go in the cache as clean, but those a write may have raced. */
  missLanded(io: StackIo): void {
    // The miss counts as out while it fills: a page its fill evicts may have been raced by it too.
    if (this.throughs.length === 0 || (this.throughCount === 0 && !this.evictedIn(io.lba, io.sectors)))
      this.cache.insertClean(io.lba, io.sectors);
    else this.fill(io.lba, io.lba + io.sectors, io.t0, 0);
    const out = this.outByT0;
    out[io.t0 & (out.length - 1)]--;
    if (--this.missesOut === 0) this.cache.raceFloor = Number.POSITIVE_INFINITY;
    else if (io.t0 === this.oldest && out[io.t0 & (out.length - 1)] === 0) {
      while (out[this.oldest & (out.length - 1)] === 0) this.oldest++;
      this.cache.raceFloor = this.oldest;
    } else return;
    // The oldest miss out is newer: the writes that landed before it was issued race no miss now.
    if (this.throughs.length > 0) this.forget(this.cache.raceFloor);
  }

  /** Drops the landed writes tracked that landed before every miss out was issued (`floor`: the oldest one's issue number). */
  private forget(floor: number): void {
    const t = this.throughs;
    let k = 0;
    for (let i = 0; i < t.length; i++) {
      const w = t[i];
      if (w.landed > floor || w.landed === Number.POSITIVE_INFINITY) t[k++] = w;
      else if (w.io !== null) this.throughCount--;
      else this.evictedByPage[(w.lba / this.cache.pageSectors) & (EVICTED_FILTER - 1)]--;
    }
    t.length = k;
  }

  /** Whether a page of [lba, lba+sectors) is in a filter bucket of an evicted page tracked. */
  private evictedIn(lba: number, sectors: number): boolean {
    const ps = this.cache.pageSectors;
    const last = Math.floor((lba + sectors - 1) / ps);
    for (let p = Math.floor(lba / ps); p <= last; p++) if (this.evictedByPage[p & (EVICTED_FILTER - 1)] !== 0) return true;
    return false;
  }

  /** The cache evicted `page`, whose destage landed as number `landing`, above the oldest miss out's issue number. */
  private evicted(page: number, landing: number): void {
    const ps = this.cache.pageSectors;
    this.throughs.push({ io: null, lba: page * ps, end: (page + 1) * ps, landed: landing });
    this.evictedByPage[page & (EVICTED_FILTER - 1)]++;
  }

  /** Makes the ring hold at least `n` issue numbers from `oldest` on. */
  private grow(n: number): void {
    const old = this.outByT0;
    let size = old.length * 2;
    while (size < n) size *= 2;
    const ring = new Int32Array(size);
    for (let t = this.oldest; t < this.oldest + old.length; t++) ring[t & (size - 1)] = old[t & (old.length - 1)];
    this.outByT0 = ring;
  }

  /** Caches [from, to) but the sectors of writes from index `k` on not landed before the miss was issued (`issued`). */
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
