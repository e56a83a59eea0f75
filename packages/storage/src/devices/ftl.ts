import { describeIssues } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import type { SsdSpec } from "./ssd-spec.js";
import { base64ToInt32, int32ToBase64 } from "./typed-b64.js";

const count = z.number().int().nonnegative();

/** A page-mapped FTL's saved state: the logical→physical map (base64 int32), free blocks, open blocks, counters. */
export const FtlStateSchema = z.object({
  version: z.literal(1),
  logicalPages: count,
  dies: count,
  pagesPerBlock: count,
  blocksPerDie: count,
  l2p: z.string(),
  freeBlocks: z.array(z.array(count)),
  openBlock: z.array(count),
  openPage: z.array(count),
  hostWrites: count,
  gcCopies: count,
  erases: count,
});
/** A `PageFtl`'s saved state: its geometry, the logical-to-physical page map, free and open blocks. */
export type FtlState = z.infer<typeof FtlStateSchema>;

/**
 * Pages a die may hold beyond its even share of the logical pages. With none, the dies together have
 * fewer than `dies` pages of room once every logical page has been written, so a write can only go to
 * the die that already holds the page (or one of the few with room): placement turns from round-robin
 * into the page's home die (all of them when the logical pages divide evenly among the dies), the dies'
 * queues unbalance and sustained random-write IOPS fall to 85% of the dies' GC-bound rate instead of 95%
 * (8-die test drive) — gradually, as the last never-written logical pages (e^-k of them after k times the
 * capacity) are written: 998 → 919 IOPS from the 8th to the 12th capacity written.
 * A few pages of slack per die leave round-robin its choice; more lets the dies' valid data drift apart,
 * which raises the fullest die's write amplification (64 pages: 88%).
 */
const DIE_SLACK_PAGES = 16;

/** Flash pages an FTL can map: its maps hold page numbers as int32 (2^31 pages: 8 TiB of 4 KiB pages). */
const MAX_PHYSICAL_PAGES = 2 ** 31;

/**
 * A page-mapped flash translation layer: every logical page maps to any
 * physical page; writes go out of place to the die's open block; the old
 * copy becomes invalid. When a die runs short of free blocks, greedy garbage
 * collection picks the block with the fewest valid pages, copies those pages
 * into the open block (copy-back inside the die) and erases the victim. Of
 * blocks tied for the fewest, it takes the lowest-numbered in the die (not the
 * oldest): a fixed rule, so the same writes erase the same blocks in every run.
 * Timing lives in `Ssd`; this class only keeps the map and reports work.
 */
export class PageFtl {
  readonly dies: number;
  readonly logicalPages: number;
  private readonly ppb: number;
  private readonly bpd: number;
  /** Logical page → physical page, or -1. */
  private readonly l2p: Int32Array;
  /** Physical page → logical page, or -1 (invalid or free). */
  private readonly p2l: Int32Array;
  /** Valid pages per (global) block. */
  private readonly valid: Int32Array;
  /** Per die: stack of free blocks (block index within die). */
  private readonly freeBlocks: Int32Array[];
  private readonly freeCount: Int32Array;
  /** Per die: open block (index within die) and its next page. */
  private readonly openBlock: Int32Array;
  private readonly openPage: Int32Array;
  /**
   * Valid pages per die, and the most a die may hold: its share of the logical pages (rounded up)
   * plus `DIE_SLACK_PAGES` (fewer if the GC reserve leaves less room).
   */
  private readonly live: Int32Array;
  private readonly share: number;
  /** Host pages programmed, pages copied by GC, blocks erased. */
  hostWrites = 0;
  gcCopies = 0;
  erases = 0;

  /** `what`: the drive, as its errors name it (`Ssd` passes "ssd <name>"). */
  constructor(
    readonly spec: SsdSpec,
    what = "ssd",
  ) {
    this.dies = spec.channels * spec.diesPerChannel;
    this.ppb = spec.pagesPerBlock;
    this.bpd = spec.blocksPerDie;
    // One page per block: an overwritten page's block is erased whole, so GC never copies and write
    // amplification is 1 at any spare area — no NAND erases blocks that small (64–256 pages).
    if (!(this.ppb >= 2))
      throw StorageErrors.badConfig(what, `pagesPerBlock must be >= 2 (GC copies a block's valid pages), got ${this.ppb}`);
    const physical = this.dies * this.bpd * this.ppb;
    // The maps hold page numbers as int32: past 2^31 pages they wrapped negative (read as never written).
    if (physical > MAX_PHYSICAL_PAGES)
      throw StorageErrors.badConfig(
        what,
        `channels x diesPerChannel x blocksPerDie x pagesPerBlock is ${physical} flash pages, more than the FTL's ${MAX_PHYSICAL_PAGES} pages; use larger pages`,
      );
    this.logicalPages = Math.floor(physical * (1 - spec.overProvisioning));
    if (!(spec.overProvisioning > 0 && spec.overProvisioning < 0.9))
      throw StorageErrors.badConfig(what, `overProvisioning (the spare fraction) must be in (0, 0.9), got ${spec.overProvisioning}`);
    if (!(spec.gcFreeBlocks >= 2 && spec.gcFreeBlocks < this.bpd / 2))
      throw StorageErrors.badConfig(
        what,
        `gcFreeBlocks (the GC free-block threshold) must be >= 2 and < half of blocksPerDie (${this.bpd}), got ${spec.gcFreeBlocks}`,
      );
    // Each die must hold its share of the logical pages plus the GC reserve, or GC cannot make progress;
    // `hasRoom` keeps every die within that share (writes would otherwise drift live pages onto some dies).
    const even = Math.ceil(this.logicalPages / this.dies);
    const most = (this.bpd - spec.gcFreeBlocks - 1) * this.ppb;
    if (even > most)
      // Each die keeps gcFreeBlocks free blocks and one open for writing beyond its share: the spare needed is about
      // (gcFreeBlocks + 1) / blocksPerDie. The message said only "smaller than the GC reserve" (with figures it was not).
      throw StorageErrors.badConfig(
        what,
        `overProvisioning ${spec.overProvisioning} leaves each of the ${this.dies} dies ${even} logical pages, more than the ${most} its blocks hold beside GC's reserve (gcFreeBlocks ${spec.gcFreeBlocks} free blocks and one being written, of blocksPerDie ${this.bpd}): raise overProvisioning to about ${Math.ceil(((spec.gcFreeBlocks + 1) / this.bpd) * 1e4) / 1e4} or more, or blocksPerDie`,
      );
    this.share = Math.min(even + DIE_SLACK_PAGES, most);
    this.live = new Int32Array(this.dies);
    this.l2p = new Int32Array(this.logicalPages).fill(-1);
    this.p2l = new Int32Array(physical).fill(-1);
    this.valid = new Int32Array(this.dies * this.bpd);
    this.freeBlocks = [];
    this.freeCount = new Int32Array(this.dies);
    this.openBlock = new Int32Array(this.dies);
    this.openPage = new Int32Array(this.dies);
    for (let d = 0; d < this.dies; d++) {
      const stack = new Int32Array(this.bpd);
      // Pop order 0, 1, 2, ...: push in reverse.
      for (let b = 0; b < this.bpd; b++) stack[b] = this.bpd - 1 - b;
      this.freeBlocks.push(stack);
      this.freeCount[d] = this.bpd - 1;
      this.openBlock[d] = 0;
      this.openPage[d] = 0;
    }
  }

  /** Physical page of logical page `lp`, or -1 if never written. */
  lookup(lp: number): number {
    return this.l2p[lp];
  }

  /** Die holding physical page `pp`. */
  dieOf(pp: number): number {
    return Math.floor(pp / (this.bpd * this.ppb));
  }

  /** Free blocks left on `die`. */
  free(die: number): number {
    return this.freeCount[die];
  }

  /**
   * Whether `die` may take a host write of logical page `lp`: it holds fewer valid pages than its
   * share, or `lp` already lives there (the rewrite adds none). With every die within its share,
   * greedy GC always finds a block it can free (the constructor's check); some die always has room,
   * as all logical pages fit in the dies' shares.
   */
  hasRoom(die: number, lp: number): boolean {
    const pp = this.l2p[lp];
    return this.live[die] < this.share || (pp >= 0 && this.dieOf(pp) === die);
  }

  /** Whether `die` needs garbage collection before taking more writes. */
  needsGc(die: number): boolean {
    return this.freeCount[die] < this.spec.gcFreeBlocks;
  }

  /** Writes logical page `lp` out of place on `die`; returns the physical page. */
  write(lp: number, die: number): number {
    this.hostWrites++;
    return this.place(lp, die);
  }

  /**
   * One round of greedy GC on `die`: copies the victim's valid pages and
   * erases it. Returns the number of pages copied (the caller charges
   * copies × (tR + tPROG) + tBERS to the die), or -1 if no block can be freed.
   */
  collect(die: number): number {
    const base = die * this.bpd;
    const open = this.openBlock[die];
    // Blocks that are neither free nor open are full; free ones have valid 0 and are skipped by marking below.
    let victim = -1;
    let fewest = this.ppb + 1;
    const isFree = this.freeMask(die);
    for (let b = 0; b < this.bpd; b++) {
      if (b === open || isFree[b]) continue;
      const v = this.valid[base + b];
      // Strictly fewer: a block tied with the victim so far is passed over, so a tie goes to the lowest block number.
      if (v < fewest) {
        fewest = v;
        victim = b;
        if (v === 0) break;
      }
    }
    if (victim < 0 || fewest >= this.ppb) return -1;
    const first = (base + victim) * this.ppb;
    let copied = 0;
    for (let p = first; p < first + this.ppb; p++) {
      const lp = this.p2l[p];
      if (lp >= 0) {
        this.place(lp, die);
        copied++;
      }
    }
    this.gcCopies += copied;
    this.erases++;
    this.freeBlocks[die][this.freeCount[die]++] = victim;
    return copied;
  }

  save(): FtlState {
    return {
      version: 1,
      logicalPages: this.logicalPages,
      dies: this.dies,
      pagesPerBlock: this.ppb,
      blocksPerDie: this.bpd,
      l2p: int32ToBase64(this.l2p),
      freeBlocks: this.freeBlocks.map((stack, d) => Array.from(stack.subarray(0, this.freeCount[d]))),
      openBlock: Array.from(this.openBlock),
      openPage: Array.from(this.openPage),
      hostWrites: this.hostWrites,
      gcCopies: this.gcCopies,
      erases: this.erases,
    };
  }

  /**
   * Restores a saved state after checking it against this FTL's geometry and
   * for internal consistency (a physical page mapped twice, a mapped page in a
   * free block or past an open block's write point, a die holding more valid
   * pages than a die may or with no free block left — states the FTL never
   * reaches, on which garbage collection would fail at some later write);
   * changes nothing if invalid.
   */
  restore(state: unknown): void {
    const bad = (issue: string) => StorageErrors.badState("ftl", issue);
    const p = FtlStateSchema.safeParse(state);
    if (!p.success) throw bad(describeIssues(p.error));
    const s = p.data;
    if (s.logicalPages !== this.logicalPages || s.dies !== this.dies || s.pagesPerBlock !== this.ppb || s.blocksPerDie !== this.bpd)
      throw bad("geometry differs from this SSD's spec");
    if (s.freeBlocks.length !== this.dies || s.openBlock.length !== this.dies || s.openPage.length !== this.dies)
      throw bad("per-die arrays have the wrong length");
    const l2p = base64ToInt32(s.l2p, this.logicalPages);
    if (!l2p) throw bad("l2p is not base64 of one int32 per logical page");
    const physical = this.p2l.length;
    const p2l = new Int32Array(physical).fill(-1);
    const valid = new Int32Array(this.dies * this.bpd);
    for (let lp = 0; lp < l2p.length; lp++) {
      const pp = l2p[lp];
      if (pp === -1) continue;
      if (pp < 0 || pp >= physical) throw bad(`logical page ${lp} maps outside the flash`);
      if (p2l[pp] !== -1) throw bad(`physical page ${pp} is mapped twice`);
      p2l[pp] = lp;
      valid[Math.floor(pp / this.ppb)]++;
    }
    const live = new Int32Array(this.dies);
    for (let b = 0; b < valid.length; b++) live[Math.floor(b / this.bpd)] += valid[b];
    for (let d = 0; d < this.dies; d++) {
      // What `hasRoom` and the GC reserve keep true, and what GC needs to make progress on the die.
      if (live[d] > this.share) throw bad(`die ${d} holds ${live[d]} valid pages, more than the ${this.share} a die may hold`);
      if (s.freeBlocks[d].length === 0) throw bad(`die ${d} has no free block (garbage collection would have none to copy into)`);
      if (s.openBlock[d] >= this.bpd || s.openPage[d] > this.ppb) throw bad(`die ${d}: open block or page out of range`);
      const open = d * this.bpd + s.openBlock[d];
      for (let pg = s.openPage[d]; pg < this.ppb; pg++)
        if (p2l[open * this.ppb + pg] !== -1) throw bad(`die ${d}: data past the open block's write point`);
      const seen = new Set<number>();
      for (const b of s.freeBlocks[d]) {
        if (b >= this.bpd || seen.has(b) || b === s.openBlock[d]) throw bad(`die ${d}: bad free block ${b}`);
        seen.add(b);
        if (valid[d * this.bpd + b] !== 0) throw bad(`die ${d}: free block ${b} holds data`);
      }
    }
    this.l2p.set(l2p);
    this.p2l.set(p2l);
    this.valid.set(valid);
    this.live.set(live);
    for (let d = 0; d < this.dies; d++) {
      this.freeBlocks[d].set(s.freeBlocks[d]);
      this.freeCount[d] = s.freeBlocks[d].length;
      this.openBlock[d] = s.openBlock[d];
      this.openPage[d] = s.openPage[d];
    }
    this.hostWrites = s.hostWrites;
    this.gcCopies = s.gcCopies;
    this.erases = s.erases;
  }

  private scratchMask: Uint8Array | null = null;
  private freeMask(die: number): Uint8Array {
    if (this.scratchMask === null) this.scratchMask = new Uint8Array(this.bpd);
    const m = this.scratchMask;
    m.fill(0);
    const stack = this.freeBlocks[die];
    for (let i = 0; i < this.freeCount[die]; i++) m[stack[i]] = 1;
    return m;
  }

  private place(lp: number, die: number): number {
    const old = this.l2p[lp];
    if (old >= 0) {
      this.p2l[old] = -1;
      this.valid[Math.floor(old / this.ppb)]--;
      this.live[this.dieOf(old)]--;
    }
    this.live[die]++;
    if (this.openPage[die] === this.ppb) {
      if (this.freeCount[die] === 0) throw StorageErrors.badConfig("ssd", "a die ran out of free blocks; the GC reserve is too small");
      this.openBlock[die] = this.freeBlocks[die][--this.freeCount[die]];
      this.openPage[die] = 0;
    }
    const block = die * this.bpd + this.openBlock[die];
    const pp = block * this.ppb + this.openPage[die]++;
    this.l2p[lp] = pp;
    this.p2l[pp] = lp;
    this.valid[block]++;
    return pp;
  }
}
