import { describeIssues, type Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, misfitText, SECTOR_BYTES } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoRing } from "../iostack/io-ring.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import { type IoSink, requireSameSimulation, restoreInTurn } from "../iostack/target.js";
import { ArrayLun } from "./array-lun.js";
import {
  type ArrayOptions,
  checkedArrayOptions,
  checkStateFits,
  type StorageArrayState,
  StorageArrayStateSchema,
} from "./array-options.js";
import { CacheDirectory } from "./cache-directory.js";
import type { RaidGroup } from "./raid.js";
import { ReadFills } from "./read-fills.js";
import { WriteOrdering } from "./write-ordering.js";

export { ArrayLun } from "./array-lun.js";
export {
  type ArrayOptions,
  DEFAULT_ARRAY_OPTIONS,
  defaultDestageSectors,
  type StorageArrayState,
  StorageArrayStateSchema,
} from "./array-options.js";

/** Phases of a command inside the controller. */
const RESPOND = 0;
const TO_RAID = 1;
const DESTAGE = 2;
/** A write whose data is crossing the port into the array. */
const DATA_IN = 3;
/** A destage run's read of the sectors its pages lack, before the destage write (`link`). */
const DESTAGE_FILL = 4;
/** A destage write whose own reads bring in the sectors its pages lack (RAID-5 read-modify-write): no fill before it. */
const DESTAGE_READING_FILL = 5;

/**
 * The array controller: a FIFO queue per LUN, served round-robin while
 * fewer than `arrayQueueDepth` commands are in the controller; each command
 * costs controller time and port transfer time. The host port (Fibre Channel) is full duplex: read
 * data leaves the array and write data enters it on two directions, each at `portMBps`, each
 * transfer queued on its own direction. A read costs controller time when it responds (a miss
 * reaches the disks at once), then its data crosses to the host; it hits the cache (only if the
 * cache holds every sector it asks for) or goes to the RAID group (and is cached). A write costs
 * controller time (taking the command, asking for its data), then its data crosses into the array,
 * and only then can it be stored: absorbed by the battery-backed write-back cache (and answered at
 * once; destaged in the background between watermarks — a run whose pages the cache holds only in
 * part reads the missing sectors first, so it writes whole pages), or, when the cache is full of
 * dirty data, held until destage makes room; a write spanning more pages than the whole cache
 * holds, or any write without a write-back cache, goes through to the disks and is answered when
 * they finish (the cached pages it covers take its data). The disks reorder the commands they hold, so no two
 * writes of the same sectors (write-throughs, destages) are at them together: the newer one goes once the older
 * has landed (`WriteOrdering`).
 */
export class StorageArray implements IoSink {
  readonly options: Required<ArrayOptions>;
  readonly cache: CacheDirectory | null;
  private readonly lunTargets: ArrayLun[] = [];
  private readonly queues: IoRing[] = [];
  private rr = 0;
  private queued = 0;
  /** Commands in the controller now. */
  inService = 0;
  private readonly stalled = new IoRing();
  /** The order write-throughs and destage runs of the same sectors go to the disks in (with a cache). */
  private readonly ordering: WriteOrdering | null;
  /** Write-throughs on their way to the disks that hold cache pages (`CacheDirectory.writeThrough`): the pages. */
  private readonly throughHolds = new Map<StackIo, number[]>();
  /** Which sectors a read miss may cache (not those of a write it may have raced at the disks whose data left the cache). */
  private readonly fills: ReadFills | null;
  private destaging = 0;
  private destageOn = false;
  /** When the port's direction to the host (read data) is free, ns. */
  private portFree = 0;
  /** When the port's direction from the host (write data) is free, ns. */
  private portInFree = 0;
  private readonly portSectorNs: number;
  /** Cache page size, sectors. */
  private readonly pageSectors: number;
  private readonly pool: IoPool;
  private readonly kindStep: number;
  readHits = 0;
  readMisses = 0;
  writesAbsorbed = 0;
  destageWrites = 0;
  /** Reads of the sectors a destage run's pages lacked, made before its write (their member reads count in `raid.memberReads` too). */
  destageFillReads = 0;

  constructor(
    private readonly sim: Simulation,
    readonly raid: RaidGroup,
    options: Partial<ArrayOptions> = {},
  ) {
    requireSameSimulation(sim, raid, "array", "its RAID group");
    const { options: o, lunSize, pages, addressPages } = checkedArrayOptions(raid, options);
    this.options = o;
    this.pageSectors = o.cachePageSectors;
    this.cache = pages > 0 ? new CacheDirectory(pages, o.cachePageSectors, addressPages) : null;
    this.ordering = this.cache ? new WriteOrdering(raid, this, this.cache) : null;
    this.fills = this.cache ? new ReadFills(this.cache) : null;
    for (let i = 0; i < o.luns; i++) {
      this.lunTargets.push(new ArrayLun(this, i, i * lunSize, lunSize));
      this.queues.push(new IoRing());
    }
    this.portSectorNs = (SECTOR_BYTES / (o.portMBps * 1e6)) * 1e9;
    this.pool = new IoPool(this);
    this.kindStep = sharedKind(sim, "storage.array.step", onStep);
  }

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
  }

  /** LUN `i` as a block target. */
  lun(i = 0): ArrayLun {
    const l = this.lunTargets[i];
    if (!l) throw StorageErrors.badConfig("array", `no LUN ${i}; the array has ${this.lunTargets.length}`);
    return l;
  }

  /**
   * Puts [lba, lba+sectors) of LUN `lun` in the cache as clean data, as if
   * just written and destaged (a test file Iometer has just prepared); a range running past the
   * LUN's end is cut at it. It must start inside the LUN: LUNs are carved from one address space,
   * so a negative `lba` would cache the LUN before's sectors.
   */
  prewarm(lun: number, lba: number, sectors: number): void {
    const l = this.lun(lun);
    if (!(Number.isInteger(lba) && lba >= 0 && lba < l.capacitySectors && Number.isInteger(sectors) && sectors >= 0))
      throw StorageErrors.badConfig(
        "array",
        `prewarm [${lba}, +${sectors}) must start inside LUN ${lun} (${l.capacitySectors} sectors) and hold whole sectors`,
      );
    this.cache?.insertClean(l.offsetSectors + lba, Math.min(sectors, l.capacitySectors - lba));
  }

  /**
   * Saves the controller, its cache directory and the RAID group with its disks. The array must be
   * idle: no command queued or in service, no destage write out, no write waiting for room — it
   * destages on its own after the last host IO, so run the simulation until `idle` first.
   */
  save(): StorageArrayState {
    if (this.busy > 0) throw StorageErrors.notQuiescent("array", this.busy);
    return {
      version: 1,
      luns: this.lunTargets.length,
      rr: this.rr,
      destageOn: this.destageOn,
      portFree: this.portFree,
      portInFree: this.portInFree,
      readHits: this.readHits,
      readMisses: this.readMisses,
      writesAbsorbed: this.writesAbsorbed,
      destageWrites: this.destageWrites,
      ...(this.destageFillReads > 0 ? { destageFillReads: this.destageFillReads } : {}),
      cache: this.cache?.save() ?? null,
      raid: this.raid.save(),
    };
  }

  /** Commands queued or in service (writes waiting for room among them: they are in service) and destage writes out. */
  private get busy(): number {
    return this.queued + this.inService + this.destaging;
  }

  /** True when nothing is in the controller: no command, no destage write, no stalled write (`save` needs this). */
  get idle(): boolean {
    return this.busy === 0;
  }

  /** Restores a saved state into an array built the same way; validates it first and changes nothing if it is invalid. */
  restore(state: unknown): void {
    const p = StorageArrayStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("array", describeIssues(p.error));
    const s = p.data;
    if (this.busy > 0) throw StorageErrors.notQuiescent("array", this.busy, "restore");
    checkStateFits(s, this.lunTargets.length, this.cache !== null, this.options.writeBack);
    // The RAID group (with its disks), then the cache directory, which validates before it changes anything.
    const cache = this.cache;
    restoreInTurn(
      cache === null ? [(x) => this.raid.restore(x)] : [(x) => this.raid.restore(x), (x) => cache.restore(x)],
      [s.raid, s.cache],
      [this.raid.save()],
    );
    this.rr = s.rr;
    this.destageOn = s.destageOn;
    // Saved while idle, so both port directions were free by then; restored into a simulation at an earlier
    // time (a warmed array in a new one, at 0), the saved times are the old simulation's, and kept as they were
    // they held the port busy until then (the first read hit waited seconds).
    const now = this.sim.now;
    this.portFree = Math.min(s.portFree, now);
    this.portInFree = Math.min(s.portInFree, now);
    this.readHits = s.readHits;
    this.readMisses = s.readMisses;
    this.writesAbsorbed = s.writesAbsorbed;
    this.destageWrites = s.destageWrites;
    this.destageFillReads = s.destageFillReads ?? 0;
  }

  /** @internal a command arrives at LUN `lun`. */
  enqueue(lun: ArrayLun, req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, lun.capacitySectors))
      throw StorageErrors.badConfig("array", misfitText(req, `LUN ${lun.index}`, lun.capacitySectors));
    const io = this.pool.take(req, sink);
    io.lba += lun.offsetSectors;
    this.queues[lun.index].push(io);
    this.queued++;
    this.dispatch();
  }

  private dispatch(): void {
    const nq = this.queues.length;
    while (this.queued > 0 && this.inService < this.options.arrayQueueDepth) {
      // Round-robin over LUN queues.
      for (let k = 0; k < nq; k++) {
        const i = (this.rr + k) % nq;
        const q = this.queues[i];
        if (q.length > 0) {
          const io = q.shift() as StackIo;
          this.rr = (i + 1) % nq;
          this.queued--;
          this.inService++;
          this.start(io);
          break;
        }
      }
    }
  }

  private start(io: StackIo): void {
    const now = this.sim.now;
    if (!io.isRead) {
      // The controller takes the command and asks for the data (FCP XFER_RDY), which then crosses
      // the port's host-to-array direction, queued behind the write data already crossing it.
      const start = Math.max(now + this.options.controllerLatencyNs, this.portInFree);
      const end = start + io.sectors * this.portSectorNs;
      this.portInFree = end;
      io.b = DATA_IN;
      this.sim.schedule(end - now, this.kindStep, 0, io);
      return;
    }
    if (this.cache?.readHit(io.lba, io.sectors)) {
      this.readHits++;
      this.respondAt(io, now + this.options.controllerLatencyNs);
      return;
    }
    this.readMisses++;
    // A miss goes to the disks at once; its controller time is charged on the way back (below), so a
    // command costs one controller event whether it hits or misses.
    io.b = TO_RAID;
    this.fills?.missIssued(io);
    this.raid.submit(io, this);
  }

  /** A write's data is in the array (its controller time is spent): store it. */
  private dataIn(io: StackIo): void {
    const cache = this.cache;
    if (cache && this.options.writeBack) {
      if (!cache.writeFits(io.lba, io.sectors) || this.stalled.length > 0) {
        if (!cache.couldHold(io.lba, io.sectors)) {
          // More pages than the whole cache: no destage makes room for it, so it is written through
          // (updating the cached pages it covers, which then need no destage).
          this.writeThrough(io, cache);
          return;
        }
        this.stalled.push(io);
        this.destageMore();
        return;
      }
      this.absorb(io);
      return;
    }
    // Without write-back every write goes through, as a write through a write-back cache does.
    if (cache) this.writeThrough(io, cache);
    else {
      io.b = TO_RAID;
      this.raid.submit(io, this);
    }
  }

  /**
   * `io` goes through to the disks around the cache: the cached pages it covers take its data (the sectors it covers
   * turn valid; pages not cached are not brought in), the pages it holds stay until it lands (`throughHolds`), and
   * it reaches the disks in the order the cache took the data (`WriteOrdering`: the cache holds the newer).
   */
  private writeThrough(io: StackIo, cache: CacheDirectory): void {
    io.b = TO_RAID;
    const held = cache.writeThrough(io.lba, io.sectors);
    if (held !== null) this.throughHolds.set(io, held);
    (this.fills as ReadFills).throughTaken(io);
    (this.ordering as WriteOrdering).through(io);
  }

  /** A write's data goes into the cache (its controller time and transfer are spent): it is answered now. */
  private absorb(io: StackIo): void {
    const cache = this.cache as CacheDirectory;
    cache.write(io.lba, io.sectors);
    this.writesAbsorbed++;
    this.destageMore();
    this.respond(io);
  }

  /** A read's completion to the host after its data crosses the port's array-to-host direction (queued on it). */
  private respondAt(io: StackIo, t: number): void {
    const start = Math.max(t, this.portFree);
    const end = start + io.sectors * this.portSectorNs;
    this.portFree = end;
    io.b = RESPOND;
    this.sim.schedule(end - this.sim.now, this.kindStep, 0, io);
  }

  /** @internal a read's data has crossed the port, or a write's data has entered the array. */
  step(io: StackIo): void {
    if (io.b === DATA_IN) this.dataIn(io);
    else this.respond(io);
  }

  /** `io` completes to the host now. */
  private respond(io: StackIo): void {
    const parent = io.parent as IoRequest;
    const sink = io.parentSink as IoSink;
    this.pool.give(io);
    this.inService--;
    sink.complete(parent);
    this.dispatch();
  }

  /** IoSink: the RAID group finished a command's miss or a destage write (the array is its own RAID sink; not for callers). */
  complete(req: IoRequest): void {
    const io = req as StackIo;
    if (io.b === DESTAGE_FILL) {
      // The run's missing sectors are in: its pages are whole, and the write goes out.
      const d = io.link as StackIo;
      this.pool.give(io);
      this.destageFillReads++;
      (this.cache as CacheDirectory).filled(d.lba / this.pageSectors, d.sectors / this.pageSectors);
      d.issueTime = this.sim.now; // issued now, not when its run was picked
      this.raid.submit(d, this);
      return;
    }
    if (io.b === DESTAGE || io.b === DESTAGE_READING_FILL) {
      // A write that read its pages' missing sectors (as old data) has made them whole, as a fill would have.
      if (io.b === DESTAGE_READING_FILL) (this.cache as CacheDirectory).filled(io.lba / this.pageSectors, io.sectors / this.pageSectors);
      this.destaging--;
      this.destageWrites++;
      (this.cache as CacheDirectory).destaged(
        io.lba / this.pageSectors,
        io.sectors / this.pageSectors,
        (this.fills as ReadFills).destageLanded(),
      );
      this.pool.give(io);
      (this.ordering as WriteOrdering).destageLanded();
      this.retryStalled();
      this.destageMore();
      return;
    }
    if (io.isRead) {
      this.fills?.missLanded(io);
      this.respondAt(io, this.sim.now + this.options.controllerLatencyNs);
      return;
    }
    // A write through to the disks: its controller time and data were spent before it reached them;
    // the status goes back on the next event, not from inside the disks' completion.
    this.ordering?.writeLanded(io);
    this.fills?.writeLanded(io);
    const held = this.throughHolds.size > 0 ? this.throughHolds.get(io) : undefined;
    if (held !== undefined) {
      this.throughHolds.delete(io);
      (this.cache as CacheDirectory).throughLanded(held);
      // Pages it held are evictable now: room for writes waiting for it (taken once its landing is recorded).
      this.retryStalled();
    }
    io.b = RESPOND;
    this.sim.schedule(0, this.kindStep, 0, io);
  }

  private retryStalled(): void {
    const cache = this.cache as CacheDirectory;
    for (let io = this.stalled.peek(); io !== null && cache.writeFits(io.lba, io.sectors); io = this.stalled.peek()) {
      this.stalled.shift();
      this.absorb(io);
    }
  }

  private destageMore(): void {
    const cache = this.cache;
    if (!cache) return;
    const o = this.options;
    // The watermarks are about data the disks lack. Destage starts when the pages not on disk (dirty, or out for
    // destage: not evictable until their write lands) pass the high watermark — counting only the dirty pages not
    // yet taken, writes arriving while runs were out filled the cache far past it with destage off. It stops once
    // the pages still dirty after the runs out land (those rewritten meanwhile among them) are at the low one:
    // the runs out clean the rest. Past the high watermark with only that much left, there is nothing to start.
    const pages = cache.capacityPages;
    if (this.stalled.length > 0) this.destageOn = true;
    else if (cache.dirtyAfterDestage / pages <= o.destageLowWater) this.destageOn = false;
    else if (cache.notOnDisk / pages > o.destageHighWater) this.destageOn = true;
    const maxPages = Math.max(1, Math.floor(o.destageMaxSectors / this.pageSectors));
    while (this.destageOn && this.destaging < o.destageOutstanding && cache.takeDestageRun(maxPages)) {
      const d = this.pool.takeOwnWrite(cache.runStart * this.pageSectors, cache.runPages * this.pageSectors, this.sim.now);
      d.b = DESTAGE;
      this.destaging++;
      let first = d;
      // A RAID-5 read-modify-write reads the old data of every sector it writes: the sectors the run's pages lack come
      // with it. A fill read before it read them twice (a 4 KiB write into an 8 KiB page: 3 member reads, not 2).
      if (cache.runFillSectors > 0 && this.raid.writeReadsOldData(d.lba, d.sectors, cache.runFillLba, cache.runFillSectors))
        d.b = DESTAGE_READING_FILL;
      else if (cache.runFillSectors > 0) {
        // Pages the cache holds only in part: read what they lack, then write them whole (`complete`).
        const f = this.pool.takeBlank();
        f.id = -1;
        f.vm = -1;
        f.lba = cache.runFillLba;
        f.sectors = cache.runFillSectors;
        f.isRead = true;
        f.issueTime = this.sim.now;
        f.b = DESTAGE_FILL;
        f.link = d;
        first = f;
      }
      (this.ordering as WriteOrdering).run(first, d);
      if (cache.dirtyAfterDestage / pages <= o.destageLowWater && this.stalled.length === 0) this.destageOn = false;
    }
  }
}

function onStep(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as StorageArray).step(io);
}
