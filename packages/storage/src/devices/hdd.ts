import { describeIssues, type Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, misfitText, SECTOR_BYTES } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoRing } from "../iostack/io-ring.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { BusyTimeline } from "./busy-timeline.js";
import { HddCache, HddCacheStateSchema } from "./hdd-cache.js";
import { HddGeometry } from "./hdd-geometry.js";
import { HddQueue } from "./hdd-queue.js";
import { CHEETAH_15K5, type HddSpec } from "./hdd-spec.js";
import { HddWriteBuffer } from "./hdd-write-buffer.js";
import { SeekCurve } from "./seek-curve.js";

/** A disk's saved state (taken when no command is queued or in service). */
export const HddStateSchema = z.object({
  version: z.literal(1),
  model: z.string(),
  headCylinder: z.number().int().nonnegative(),
  cache: HddCacheStateSchema,
  mediaOps: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  busyNs: z.number().nonnegative(),
  /** `writesBuffered`; absent when 0 (a disk with its write cache off saves what it always saved). */
  writesBuffered: z.number().int().nonnegative().optional(),
  /** `readsFromBuffer`; absent when 0. */
  readsFromBuffer: z.number().int().nonnegative().optional(),
  /** `flushes`; absent when 0. */
  flushes: z.number().int().nonnegative().optional(),
  /**
   * How far past the save time the interface and the controller were still busy (ns; absent when 0). Saved idle,
   * this is what rounding left: completions fall on whole ns, up to half a ns before a fractional transfer end.
   */
  busAheadNs: z.number().nonnegative().lt(1).optional(),
  controllerAheadNs: z.number().nonnegative().lt(1).optional(),
  /**
   * The read-ahead stream's base time (`cache.raBaseTime`) counts from the start of the platter's revolution the save
   * fell in (the save time less the platter's phase then, whole ns), and restores counting from the start of the
   * restore's: the state restores into a simulation at any time with the stream where it was relative to the clock
   * (its base is then usually before the save: negative) and in step with the platter (whose angle is a function of
   * the clock), its head over the sector the platter has under it. Restored at another angle, the drive is as it was
   * less than a revolution before or after the save (its head that much behind or ahead in the stream). Absent in
   * states saved before: their cache times are the saving simulation's, and restore as they are.
   */
  cacheTimesFromRevolution: z.literal(true).optional(),
  /**
   * The fraction of a ns of the read-ahead's base time (absent when 0): `cache.raBaseTime` counts whole ns from the
   * start of the save's revolution, so a drive restored at the time it was saved has its stream exactly where it was.
   */
  raBaseFractionNs: z.number().nonnegative().lt(1).optional(),
});
/** An `Hdd`'s saved state (when idle): its model, head position, drive cache and counters. */
export type HddState = z.infer<typeof HddStateSchema>;

/** How a drive is set up (mode-page settings, not spec-sheet figures). */
export interface HddOptions {
  /**
   * Write cache enabled (SCSI WCE): a write completes once its data is in the drive's buffer (buffered
   * writes' data crosses the interface one write after another, at `spec.busMBps`), and the
   * drive writes it to the media in the background (contiguous writes merged into one media write; a
   * rewrite of data not yet written back replaces it in the buffer).
   * Default off, as arrays set their member disks and as assumed for SCSI drives.
   */
  writeCache?: boolean;
  /**
   * Buffer space for written data not yet on the media, sectors. Default: half the drive's cache (an
   * assumption). It is taken from the drive's cache, in whole segments: the read cache keeps the segments it
   * leaves (`spec.cacheSegments` less as many as the buffer needs). A write waits (inside the drive, holding its tag) until its data fits; a write larger
   * than the whole buffer goes to the media before it completes. The drive tracks at most
   * `spec.queueDepth` write-backs at once (an assumption), a sequential stream joining one.
   */
  writeCacheSectors?: number;
}

/**
 * A hard disk: one actuator serving tagged commands one at a time, chosen
 * by shortest positioning time first (seek + rotational wait from where the
 * head will be) with a starvation bound; service = command overhead + seek
 * (`SeekCurve` fitted to the spec sheet) + rotational wait (the platter's
 * angle is a function of virtual time) + media transfer at the zone's rate.
 * Reads go through the segmented cache with read-ahead (`HddCache`); cache
 * hits complete at the interface rate without using the mechanism, their data
 * crossing the one interface one command after another (a hit waiting for the
 * read-ahead, as the head reads it). The command overhead
 * is the one controller's time per command, taken in arrival order (overlapped
 * with the mechanism and the interface, not with other commands' overhead). The drive
 * holds at most `spec.queueDepth` commands (its tagged queue); beyond that the
 * initiator keeps them in order until a command completes.
 * Writes go to the media (the drive's write cache is off, as in arrays and
 * as SCSI drives ship; an assumption) — or, with `writeCache` on, complete
 * from the buffer and reach the media later (`HddOptions`).
 */
export class Hdd implements BlockTarget {
  readonly capacitySectors: number;
  readonly geometry: HddGeometry;
  readonly readSeek: SeekCurve;
  readonly writeSeek: SeekCurve;
  readonly cache: HddCache;
  private readonly pool: IoPool;
  private readonly kindDone: number;
  private readonly kindFlushDone: number;
  private readonly busSectorNs: number;
  /** Media commands waiting for the mechanism. */
  private readonly queue: HddQueue;
  private busy = false;
  private headCyl = 0;
  /** Commands in the drive (`accepted`). */
  private inDrive = 0;
  /** Commands waiting for a free tag while the drive's queue is full, oldest first. */
  private readonly held = new IoRing();
  /** Media commands completed. */
  mediaOps = 0;
  /** All commands completed (media + cache hits). */
  completed = 0;
  /** Time the actuator spent serving media commands (ns). */
  busyNs = 0;
  /** Buffer space for written data not yet on the media, sectors; 0 with the write cache off. */
  private readonly writeCacheSectors: number;
  /** What the write cache holds (null with it off). */
  private readonly writeBuffer: HddWriteBuffer | null;
  /** Writes completed from the buffer (write cache on). */
  writesBuffered = 0;
  /** Reads served from written data still in the buffer (write cache on); not in the read cache's hits or misses. */
  readsFromBuffer = 0;
  /** Flushes completed (`flush`). */
  flushes = 0;
  /**
   * Writes too large for the write cache, which go to the media, waiting for older buffered data of their
   * sectors to be written back first (arrival order; each with the write-back number it waits up to in `b`
   * and when the controller processed it in `a`).
   */
  private readonly afterWriteBacks: StackIo[] = [];
  /**
   * The interface: data served without the mechanism (cache hits, buffered writes) crosses it one command
   * after another, each in the first idle gap from when its data is ready (a hit waiting for the read-ahead
   * does not hold back one whose data is already in the buffer).
   */
  private readonly bus = new BusyTimeline();
  /**
   * When the drive's controller has processed every command accepted so far: it takes each command's
   * `spec.commandOverheadNs` one command after another, in arrival order, overlapped with the mechanism
   * and the interface (a product manual's per-command overhead is the firmware's time per command,
   * and the drive has one controller: commands arriving together do not have theirs processed at once).
   */
  private controllerFreeAt = 0;

  constructor(
    private readonly sim: Simulation,
    readonly spec: HddSpec = CHEETAH_15K5,
    readonly name = "hdd",
    options: HddOptions = {},
  ) {
    checkHddSpec(spec, `hdd ${name}`);
    if (options.writeCacheSectors !== undefined && !options.writeCache)
      throw StorageErrors.badConfig(`hdd ${name}`, "writeCacheSectors sizes the write cache: set writeCache: true as well");
    const wcs = options.writeCache ? (options.writeCacheSectors ?? Math.floor(spec.cacheBytes / 2 / SECTOR_BYTES)) : 0;
    if (options.writeCache && !(Number.isInteger(wcs) && wcs >= 1))
      throw StorageErrors.badConfig(
        `hdd ${name}`,
        options.writeCacheSectors === undefined
          ? `the default write cache (half the ${spec.cacheBytes}-byte drive cache) holds no sector; set writeCacheSectors`
          : `writeCacheSectors must be an integer >= 1, got ${wcs}`,
      );
    this.writeCacheSectors = wcs;
    this.capacitySectors = spec.capacitySectors;
    this.geometry = new HddGeometry(spec);
    checkLayout(spec, this.geometry, `hdd ${name}`);
    this.readSeek = new SeekCurve(this.geometry.cylinders, spec.readSeek, `hdd ${name}: readSeek`);
    this.writeSeek = new SeekCurve(this.geometry.cylinders, spec.writeSeek, `hdd ${name}: writeSeek`);
    // The write buffer is part of the drive's cache: it takes whole segments, and the read cache keeps the ones
    // it leaves (16 MB with the default 8 MiB buffer: 8 read segments of 1 MiB, not 16 on top of the buffer).
    const segSectors = Math.floor(spec.cacheBytes / Math.max(1, spec.cacheSegments) / SECTOR_BYTES);
    // Segments of no sectors (no cache bytes) hold nothing either way: the buffer must then fit the cache as a whole.
    const bySegments = spec.cacheSegments > 0 && segSectors > 0;
    const readSegments = bySegments
      ? Math.min(spec.cacheSegments, Math.floor((spec.cacheBytes / SECTOR_BYTES - wcs) / segSectors))
      : spec.cacheSegments;
    if (bySegments ? readSegments < 1 : wcs > spec.cacheBytes / SECTOR_BYTES)
      throw StorageErrors.badConfig(
        `hdd ${name}`,
        `writeCacheSectors (${wcs}) must leave ${bySegments ? `at least one ${segSectors}-sector read cache segment` : "room"} in the ${spec.cacheBytes}-byte drive cache it is part of`,
      );
    this.cache = new HddCache(readSegments, segSectors, Math.min(spec.readAheadSectors, segSectors), this.geometry.revolutionNs);
    this.busSectorNs = (SECTOR_BYTES / (spec.busMBps * 1e6)) * 1e9;
    this.queue = new HddQueue(this.readSeek, this.writeSeek, this.geometry.revolutionNs, spec.commandOverheadNs);
    this.cache.mediaEnd = (lba, n, headLba, start, processed) => this.mediaReadEnd(lba, n, headLba, start, processed);
    // The drive tracks at most as many write-backs as it takes commands (an assumption).
    this.writeBuffer = wcs > 0 ? new HddWriteBuffer(wcs, spec.queueDepth, this.queue) : null;
    this.pool = new IoPool(this);
    this.kindDone = sharedKind(sim, "storage.hdd.done", onDone);
    this.kindFlushDone = sharedKind(sim, "storage.hdd.flushDone", onFlushDone);
  }

  /**
   * Commands submitted and not yet completed (those held outside a full queue included). The drive's
   * own write-backs are not among them (`dirtySectors` says what is left to write back).
   */
  get outstanding(): number {
    return this.pool.inUse - (this.writeBuffer?.writeBacks ?? 0);
  }

  /** Commands inside the drive (at most `spec.queueDepth`): queued, in service or served from its cache. */
  get accepted(): number {
    return this.inDrive;
  }

  /** Whether writes complete from the buffer (`HddOptions.writeCache`): a completed write may not be on the media yet. */
  get volatileWriteCache(): boolean {
    return this.writeCacheSectors > 0;
  }

  /** Written sectors not yet on the media (write cache on). */
  get dirtySectors(): number {
    return this.writeBuffer?.dirty ?? 0;
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, this.capacitySectors))
      throw StorageErrors.badConfig(`hdd ${this.name}`, misfitText(req, "the disk", this.capacitySectors));
    const io = this.pool.take(req, sink);
    // A full tagged queue answers QUEUE FULL: the initiator keeps the command, in order, and sends it
    // when a command completes (held commands go before newer ones).
    if (this.inDrive >= this.spec.queueDepth || this.held.length > 0) this.held.push(io);
    else if (this.accept(io)) this.dispatch();
  }

  /**
   * The drive takes a command in at `now` (its arrival for the starvation bound): a read that hits
   * the cache completes from it; anything else joins the queue. True if the mechanism is idle with
   * the command queued (the caller dispatches).
   */
  private accept(io: StackIo): boolean {
    const now = this.sim.now;
    this.inDrive++;
    io.t0 = now;
    const processed = this.process(now);
    if (io.isRead) {
      // Data written and not yet on the media is read from the buffer (asked first: the read cache would
      // count it a miss).
      const wb = this.writeBuffer;
      if (wb !== null && wb.dirty > 0 && wb.covers(io.lba, io.sectors)) {
        this.readsFromBuffer++;
        this.completeFromCache(io, processed);
        return false;
      }
      const ready = this.cache.lookupRead(io.lba, io.sectors, now, processed);
      if (ready >= 0) {
        this.completeFromCache(io, this.hitStart(io, ready, processed, now));
        return false;
      }
    } else {
      this.cache.invalidate(io.lba, io.sectors);
      // Write cache on: the data goes to the media later, and the command completes once it is in the buffer.
      if (io.sectors <= this.writeCacheSectors) {
        const wb = this.writeBuffer as HddWriteBuffer;
        if (wb.waiting.length === 0 && wb.hasRoom(io)) this.buffer(wb, io, processed);
        else {
          // Its data crosses once there is room; t0 from now on: when the controller has processed it.
          io.t0 = processed;
          wb.waiting.push(io);
        }
        return !this.busy;
      }
      // Too large for the buffer: it goes to the media. Buffered data of its sectors from writes that completed
      // before it arrived must reach the media first, or the mechanism (shortest positioning first) could write
      // it over this write's data, and reads after this write completed would be served the older data from
      // the buffer. It waits for those write-backs (a drive might drop the superseded data instead: this only
      // happens for a write larger than the whole write cache over data not yet written back).
      const wb = this.writeBuffer;
      if (wb !== null && wb.dirty > 0 && wb.holdsOlder(io.lba, io.sectors, wb.lastNumbered)) {
        io.a = processed;
        io.b = wb.lastNumbered;
        this.afterWriteBacks.push(io);
        return false;
      }
    }
    this.enqueue(io, processed);
    return !this.busy;
  }

  /** The controller takes a command arriving at `now`: returns when it has processed it (`controllerFreeAt`). */
  private process(now: number): number {
    const t = Math.max(now, this.controllerFreeAt) + this.spec.commandOverheadNs;
    this.controllerFreeAt = t;
    return t;
  }

  /**
   * A command served by the buffer: its transfer in the interface's first idle gap from `ready` (processed,
   * data in the buffer); no mechanism. Returns when the transfer ends.
   */
  private completeFromCache(io: StackIo, ready: number): number {
    io.a = 1;
    const now = this.sim.now;
    const end = this.bus.book(now, ready, io.sectors * this.busSectorNs);
    this.sim.schedule(end - now, this.kindDone, 0, io);
    return end;
  }

  /**
   * Completes a write from the buffer (its data crossing the interface from `ready`: the command processed,
   * room in the buffer) and queues the write-backs the buffer asks for (its data in no queued write-back).
   */
  private buffer(wb: HddWriteBuffer, io: StackIo, ready: number): void {
    const now = this.sim.now;
    this.writesBuffered++;
    // A new write-back starts no earlier than its data is in the buffer (has crossed the interface). Data that
    // joins or rewrites a queued one does not hold it back: it crosses the interface faster than the media
    // takes what goes before it (an approximation). A write-back is the drive's own: no command to process.
    const dataAt = this.completeFromCache(io, ready);
    const n = wb.add(io.lba, io.sectors);
    for (let i = 0; i < n; i++) {
      const w = this.pool.takeOwnWrite(wb.newLba(i), wb.newSectors(i), now);
      w.t0 = now;
      wb.queued(w);
      this.enqueue(w, dataAt);
    }
  }

  /** Queues a media command that can start positioning from `ready`. */
  private enqueue(io: StackIo, ready: number): void {
    const g = this.geometry;
    const zone = g.zoneOf(io.lba);
    this.queue.add(io, g.cylinderOf(io.lba, zone), g.angleOf(io.lba, zone), zone, ready);
  }

  /** Picks the next media command and starts it. */
  private dispatch(): void {
    const q = this.queue;
    if (q.count === 0) return;
    const now = this.sim.now;
    let start = now;
    const pos = this.cache.stopReadAhead(now);
    if (pos >= 0) {
      start = this.cache.freeAt;
      this.headCyl = this.cylinderBefore(pos);
    }
    const phase = this.geometry.phaseOf(start);
    // Shortest positioning time first, unless the oldest command has waited past the bound.
    let best: number;
    let bestPos: number;
    if (now - q.oldestArrival() > this.spec.maxCommandAgeNs) {
      best = q.oldestSlot();
      bestPos = q.positioningNs(best, this.headCyl, start, phase);
    } else {
      best = q.shortestPositioning(this.headCyl, start, phase);
      bestPos = q.chosenPos;
    }
    const io = q.io[best];
    const zone = q.zone[best];
    // `headCyl` is left as is: nothing reads it while the command is in service, and `finish` sets it.
    q.remove(best);
    if (io.parent === null) (this.writeBuffer as HddWriteBuffer).started(io);
    if (!io.isRead) this.cache.invalidate(io.lba, io.sectors);
    // An IO that runs past its zone's end transfers each zone's part at that zone's rate.
    const xfer = this.mediaTransferNs(io.lba, io.sectors, zone);
    const end = start + bestPos + xfer;
    io.a = 0;
    io.b = zone;
    this.busy = true;
    this.busyNs += end - start;
    this.sim.schedule(end - now, this.kindDone, 0, io);
  }

  /**
   * A flush (SCSI SYNCHRONIZE CACHE): completes `req` once every write completed before it is on the
   * media — after the command overhead with the write cache off or nothing left to write back, else when
   * the write-backs queued before it have ended (and the command overhead has passed). Not a tagged media
   * command: it waits on the buffer.
   */
  flush(req: IoRequest, sink: IoSink): void {
    const io = this.pool.take(req, sink);
    const now = this.sim.now;
    // t0: when the controller has processed it (the earliest it can complete).
    io.t0 = this.process(now);
    if (this.writeBuffer?.flushWaits(io)) return;
    this.sim.schedule(io.t0 - now, this.kindFlushDone, 0, io);
  }

  /** @internal a flush's write-backs have ended (or it had none): it completes. */
  flushDone(io: StackIo): void {
    this.flushes++;
    this.pool.complete(io);
  }

  /** Saves the disk's mechanical and cache state. No command may be queued or in service. */
  save(): HddState {
    const writeBacks = this.writeBuffer?.writeBacks ?? 0;
    if (this.pool.inUse > writeBacks) throw StorageErrors.notQuiescent(`hdd ${this.name}`, this.pool.inUse - writeBacks);
    if (writeBacks > 0) throw StorageErrors.dirtyWriteCache(`hdd ${this.name}`, this.dirtySectors);
    const now = this.sim.now;
    const busAhead = Math.max(0, this.bus.lastEnd - now);
    const controllerAhead = Math.max(0, this.controllerFreeAt - now);
    const cache = this.cache.save();
    // Whole ns from the save's revolution and the fraction apart: `base - now` rounds (to 2^-21 ns 3 s in), and the
    // stream of a drive restored at the save time was then that much off.
    const base = Math.floor(cache.raBaseTime);
    const baseFraction = cache.raBaseTime - base;
    return {
      version: 1,
      model: this.spec.model,
      headCylinder: this.headCyl,
      cache: { ...cache, raBaseTime: base - this.revolutionStart(now) },
      cacheTimesFromRevolution: true,
      ...(baseFraction > 0 ? { raBaseFractionNs: baseFraction } : {}),
      mediaOps: this.mediaOps,
      completed: this.completed,
      busyNs: this.busyNs,
      ...(this.writesBuffered > 0 ? { writesBuffered: this.writesBuffered } : {}),
      ...(this.readsFromBuffer > 0 ? { readsFromBuffer: this.readsFromBuffer } : {}),
      ...(this.flushes > 0 ? { flushes: this.flushes } : {}),
      ...(busAhead > 0 ? { busAheadNs: busAhead } : {}),
      ...(controllerAhead > 0 ? { controllerAheadNs: controllerAhead } : {}),
    };
  }

  /**
   * Restores a saved state; validates it first (same drive model, cylinder in range, write-cache counters only
   * into a drive with its write cache on) and changes nothing if it is invalid.
   */
  restore(state: unknown): void {
    const p = HddStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("hdd", describeIssues(p.error));
    const s = p.data;
    if (s.model !== this.spec.model) throw StorageErrors.badState("hdd", `saved from a "${s.model}", this disk is a "${this.spec.model}"`);
    if (s.headCylinder >= this.geometry.cylinders)
      throw StorageErrors.badState("hdd", `head cylinder ${s.headCylinder} is past the last cylinder`);
    // Only a write cache buffers writes or serves reads from written data (a flush is taken either way).
    if (this.writeBuffer === null && (s.writesBuffered || s.readsFromBuffer))
      throw StorageErrors.badState(
        "hdd",
        `saved from a drive with its write cache on (writesBuffered ${s.writesBuffered ?? 0}, readsFromBuffer ${s.readsFromBuffer ?? 0}), this one has it off; build it with writeCache: true`,
      );
    // A write cache takes whole segments of the drive's cache: a state from a drive built otherwise (or saved by a
    // version whose write-cached drive kept its read cache whole) was refused as "expected 8 segments", naming no cause.
    const total = this.spec.cacheSegments;
    const segs = this.cache.segments;
    const savedSegs = s.cache.segStart.length;
    if (segs >= 1 && savedSegs !== segs && savedSegs >= 1 && savedSegs <= total) {
      const build =
        savedSegs === total
          ? "with its write cache off (writeCache: false); a write-cached drive's state saved by an older vmlab, whose read cache kept all its segments, cannot be restored: warm the drive up again"
          : `with writeCache: true and writeCacheSectors: ${(total - savedSegs) * this.cache.segmentSectors} (leaving ${savedSegs} segments)`;
      throw StorageErrors.badState(
        "hdd",
        `saved from a drive whose read cache has ${savedSegs} of the drive's ${total} cache segments, this one expected ${segs} segments (${this.writeCacheSectors > 0 ? `its ${this.writeCacheSectors}-sector write cache takes the others` : "its write cache is off"}); build it ${build}`,
      );
    }
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent(`hdd ${this.name}`, this.pool.inUse);
    // Kept as the saving simulation's times, a stream restored into a simulation at another time (a drive saved after
    // 3 s of sequential reads, into a new one at 0) had the head read ahead until the old clock's 3 s, and the first
    // read waited for it. Counted from the save itself, a stream restored at another platter angle than the save's was
    // out of step with the platter by the difference (up to a revolution: 4 ms at 15,000 rpm): a read the stream
    // served completed when the platter had its sectors elsewhere, later or sooner than the head could read them.
    const now = this.sim.now;
    const raBaseTime = s.cacheTimesFromRevolution
      ? s.cache.raBaseTime + this.revolutionStart(now) + (s.raBaseFractionNs ?? 0)
      : s.cache.raBaseTime;
    this.cache.restore(s.cache, this.geometry, this.capacitySectors, raBaseTime);
    this.headCyl = s.headCylinder;
    this.mediaOps = s.mediaOps;
    this.completed = s.completed;
    this.busyNs = s.busyNs;
    this.writesBuffered = s.writesBuffered ?? 0;
    this.readsFromBuffer = s.readsFromBuffer ?? 0;
    this.flushes = s.flushes ?? 0;
    // Nothing was in flight when the state was saved, so nothing held the interface or the controller past that
    // time but a rounding's fraction of a ns (kept, relative to the clock: the simulation may be restored to
    // another time with it); bookings made since are forgotten.
    this.bus.reset(s.busAheadNs ? now + s.busAheadNs : 0);
    this.controllerFreeAt = s.controllerAheadNs ? now + s.controllerAheadNs : 0;
  }

  /**
   * When the platter's revolution under way at `t` started (whole ns for a whole `t`): the stream's saved times count
   * from it, so that a stream restored at any time keeps its angle.
   */
  private revolutionStart(t: number): number {
    return t - Math.floor(this.geometry.phaseOf(t));
  }

  /** @internal a command finished (media or cache hit). */
  finish(io: StackIo): void {
    const now = this.sim.now;
    if (io.a === 0) {
      this.busy = false;
      this.mediaOps++;
      const g = this.geometry;
      const last = io.lba + io.sectors - 1;
      // The head ends in the zone of the IO's last sector (a later one if the IO crossed a zone boundary).
      const zone = last >= g.zoneLba[io.b + 1] ? g.zoneOf(last) : io.b;
      this.headCyl = g.cylinderOf(last, zone);
      if (io.isRead) {
        const bound = Math.min(this.capacitySectors, g.zoneLba[zone + 1]);
        this.cache.startReadAhead(io.lba, io.sectors, now, g.zoneSectorNs[zone], bound);
        this.servePendingFromCache(now);
      } else if (io.parent === null) {
        this.writeBackDone(io);
        return;
      }
    }
    this.completed++;
    this.inDrive--;
    // The freed tag goes to the oldest held command; the dispatch below (or the running command's end) serves it.
    if (this.held.length > 0) this.accept(this.held.shift() as StackIo);
    this.pool.complete(io);
    if (!this.busy) this.dispatch();
  }

  /** A write-back reached the media: its buffer space is free, for writes waiting for it. It had no submitter and no tag. */
  private writeBackDone(w: StackIo): void {
    const now = this.sim.now;
    const wb = this.writeBuffer as HddWriteBuffer;
    wb.done(w);
    this.pool.give(w);
    // Large writes waiting for older data of their sectors to reach the media go to the queue once it has.
    const held = this.afterWriteBacks;
    for (let i = 0; i < held.length; ) {
      const io = held[i];
      if (wb.holdsOlder(io.lba, io.sectors, io.b)) i++;
      else {
        held.splice(i, 1);
        this.enqueue(io, io.a);
      }
    }
    // Flushes complete from their own events: their sinks may submit at once, which must not run inside
    // this handler (the mechanism is idle here until the dispatch below). A flush is a command: it takes
    // its command overhead (`process`) however soon its write-backs end.
    for (let f = wb.nextFlushDone(); f !== null; f = wb.nextFlushDone())
      this.sim.schedule(Math.max(0, f.t0 - now), this.kindFlushDone, 0, f);
    const waiting = wb.waiting;
    // Each was processed when it arrived (its `t0` says when): its data crosses now, or once processed.
    for (let io = waiting.peek(); io !== null && wb.hasRoom(io); io = waiting.peek()) {
      const w = waiting.shift() as StackIo;
      this.buffer(wb, w, Math.max(now, w.t0));
    }
    this.dispatch();
  }

  /** Queued reads that the new read-ahead stream covers become cache hits (a queued sequential stream). */
  private servePendingFromCache(now: number): void {
    // Each conversion may extend the stream to the next queued command: repeat until nothing changes.
    for (let before = -1; before !== this.queue.count; ) {
      before = this.queue.count;
      this.servePendingPass(now);
    }
  }

  private servePendingPass(now: number): void {
    const cache = this.cache;
    const q = this.queue;
    // The stream's reach is checked on the typed arrays first: most queued commands are far from it.
    // The reach only moves when the cache is asked, so it is re-read after each lookup.
    let from = cache.streamFromLba;
    let to = cache.streamToLba;
    for (let i = 0; i < q.count; ) {
      const lba = q.lba[i];
      // Non-short-circuit (`&`): one branch, and it is almost always "far".
      if (!(q.read[i] & +(lba >= from) & +(lba <= to))) {
        i++;
        continue;
      }
      const io = q.io[i];
      const ready = cache.lookupReadQuiet(io.lba, io.sectors, now, q.ready[i]);
      from = cache.streamFromLba;
      to = cache.streamToLba;
      if (ready < 0) {
        i++;
        continue;
      }
      io.a = 1;
      const processed = q.ready[i];
      q.remove(i);
      const end = this.bus.book(now, this.hitStart(io, ready, processed, now), io.sectors * this.busSectorNs);
      this.sim.schedule(end - now, this.kindDone, 0, io);
    }
  }

  /**
   * When a media read of [lba, lba+n) would have read its last sector, dispatched alone with the head leaving the
   * read-ahead stream at sector `headLba` (exclusive), free from `start`, the command processed at `processed`: as
   * `dispatch` times it (seek and rotational wait from `positioningNs`'s arithmetic, then the transfer).
   */
  private mediaReadEnd(lba: number, n: number, headLba: number, start: number, processed: number): number {
    const g = this.geometry;
    const head = this.cylinderBefore(headLba);
    const zone = g.zoneOf(lba);
    const phase = g.phaseOf(start);
    let pos = this.queue.readPositioningNs(g.cylinderOf(lba, zone), g.angleOf(lba, zone), processed, head, start, phase);
    // Media commands queued: the head would go first to the one it reaches soonest (`dispatch`), and a read the stream
    // serves holds it until its last sector is read — so the stream must reach this read no later than the head
    // could reach any of them (a read ~1,000 sectors on held the head 4 ms while queued random reads waited).
    const q = this.queue;
    if (q.count > 0) {
      if (this.sim.now - q.oldestArrival() > this.spec.maxCommandAgeNs) {
        // The oldest has waited past the starvation bound: `dispatch` sends the head to it next, whatever is closer, so
        // the stream may hold the head for this read only if, leaving from its last sector, the head still gets to that
        // command's first sector as it comes round (a younger read ~1,000 sectors on held the head, and the starved
        // command then waited a revolution more). Unless that command is this very read (a queued read re-checked).
        const s = q.oldestSlot();
        const p = q.positioningNs(s, head, start, phase);
        if (q.lba[s] !== lba || q.io[s].sectors !== n) {
          const d = q.cyl[s] - this.cylinderBefore(lba + n);
          return start + p - q.seekNs(d < 0 ? -d : d, q.read[s]);
        }
        pos = p;
      } else {
        q.shortestPositioning(head, start, phase);
        if (q.chosenPos < pos) pos = q.chosenPos;
      }
    }
    return start + pos + this.mediaTransferNs(lba, n, zone);
  }

  /** Media transfer time of [lba, lba+n) starting in `zone`: each zone's part at that zone's rate (one zone: one product). */
  private mediaTransferNs(lba: number, n: number, zone: number): number {
    const g = this.geometry;
    return lba + n > g.zoneLba[zone + 1] ? g.transferNs(lba, n, zone) : n * g.zoneSectorNs[zone];
  }

  /** The cylinder of the sector before `lba` (of sector 0 for 0): where the head is once it has read up to `lba`. */
  private cylinderBefore(lba: number): number {
    const g = this.geometry;
    const last = lba > 0 ? lba - 1 : 0;
    return g.cylinderOf(last, g.zoneOf(last));
  }

  /**
   * When a read cache hit's data may start crossing the interface: once the controller has processed the command
   * (`processed`), not before `now`, and, for data the read-ahead is still reading (`ready` > now: when its last sector is in the
   * buffer), as the head reads it — no sector crossing before it is read. Crossing only once all of it was read
   * charged a hit the whole transfer on top of the reading, which a media read's data (crossing as it is read)
   * never pays: a read joining a stopped stream at its end was 3.5 ms (1 MiB) slower than one a sector on.
   */
  private hitStart(io: StackIo, ready: number, processed: number, now: number): number {
    // `ready` >= now; a queued command may have been processed before now.
    if (ready <= now) return Math.max(processed, now);
    const from = this.cache.transferStart(io.lba, io.sectors, ready, this.busSectorNs, now);
    return Math.max(from, processed);
  }
}

function onDone(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as Hdd).finish(io);
}

function onFlushDone(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as Hdd).flushDone(io);
}

/**
 * Refuses a spec whose capacity the zoned layout cannot hold as the spec says. Every zone has the same whole number of
 * cylinders, enough for the capacity; when a cylinder per zone is a large part of the capacity (a small disk, or many
 * zones or heads), the capacity ends zones before the innermost and the disk never reaches `innerMBps` (a 2,000,000-sector
 * Cheetah ran at 75.3 MB/s at its end; with 10,000,000 zones, at 124.7 MB/s throughout, its seeks fitted to cylinders that
 * held nothing), and a tiny capacity was reported as seek figures no curve meets.
 */
function checkLayout(spec: HddSpec, g: HddGeometry, what: string): void {
  const zones = g.zoneSpt.length;
  const empty = zones - 1 - g.zoneOf(spec.capacitySectors - 1);
  if (empty > 0) {
    const perZone = g.cylinders / zones;
    throw StorageErrors.badConfig(
      what,
      `capacitySectors (${spec.capacitySectors}) leaves the innermost ${empty} of ${zones} zones empty: each zone has whole cylinders of ` +
        `heads (${spec.heads}) × its sectors per track (${g.zoneSpt[zones - 1]}–${g.zoneSpt[0]}, from outerMBps and innerMBps at ${spec.rpm} rpm), ` +
        `${perZone} per zone to hold the capacity, so the disk would never reach innerMBps (${spec.innerMBps}); use fewer zones or a larger capacitySectors`,
    );
  }
  if (g.cylinders < 16)
    throw StorageErrors.badConfig(
      what,
      `capacitySectors (${spec.capacitySectors}) fills ${g.cylinders} cylinder${g.cylinders === 1 ? "" : "s"} of ${spec.heads} heads: ` +
        "the seek curve needs at least 16; use a larger capacitySectors or fewer heads",
    );
}

/**
 * Checks every field of a drive's spec (a researcher's own datasheet figures): a missing field, a fraction of
 * a head or zone, or a negative or non-finite time was accepted and gave wrong results without a word — a
 * spec without `cacheBytes` ran with no read cache, one without `commandOverheadNs` failed with a TypeError
 * deep in the queue, a negative overhead made commands faster than the mechanism.
 */
function checkHddSpec(spec: HddSpec, what: string): void {
  if (typeof spec !== "object" || spec === null) throw StorageErrors.badConfig(what, "the spec must be an HddSpec object");
  for (const k of ["capacitySectors", "heads", "zones", "queueDepth"] as const)
    if (!(Number.isInteger(spec[k]) && spec[k] >= 1))
      throw StorageErrors.badConfig(what, `${k} must be a whole number >= 1, got ${spec[k]}`);
  for (const k of ["cacheBytes", "cacheSegments", "readAheadSectors"] as const)
    if (!(Number.isInteger(spec[k]) && spec[k] >= 0))
      throw StorageErrors.badConfig(what, `${k} must be a whole number >= 0, got ${spec[k]}`);
  // A cache too small for its segments read nothing and ran silently as a drive without one (`cacheBytes: 16`, the
  // datasheet's "16 MB" taken for bytes; or no segments at all); a huge segment count also allocated one entry each.
  // No segments and no read-ahead is the read cache disabled (SCSI RCD) on a drive whose buffer still holds written
  // data with its write cache on (its default size is half of `cacheBytes`).
  const readCacheOff = spec.cacheSegments === 0 && spec.readAheadSectors === 0;
  if (
    spec.cacheBytes > 0 &&
    !readCacheOff &&
    (spec.cacheSegments === 0 || Math.floor(spec.cacheBytes / spec.cacheSegments / SECTOR_BYTES) < 1)
  )
    throw StorageErrors.badConfig(
      what,
      spec.cacheSegments === 0
        ? `cacheSegments must be >= 1 for a read cache of ${spec.cacheBytes} bytes with read-ahead (no read cache: cacheSegments 0 and readAheadSectors 0, or cacheBytes 0 for no buffer at all)`
        : `cacheBytes (${spec.cacheBytes}) over cacheSegments (${spec.cacheSegments}) leaves each segment less than one ${SECTOR_BYTES}-byte sector: the cache would hold nothing; cacheBytes is in bytes (16 MB = 16777216), or set 0 for no read cache`,
    );
  for (const k of ["rpm", "outerMBps", "innerMBps", "busMBps"] as const)
    if (!(Number.isFinite(spec[k]) && spec[k] > 0)) throw StorageErrors.badConfig(what, `${k} must be a finite number > 0, got ${spec[k]}`);
  if (!(Number.isFinite(spec.commandOverheadNs) && spec.commandOverheadNs >= 0))
    throw StorageErrors.badConfig(what, `commandOverheadNs must be a finite time >= 0 ns, got ${spec.commandOverheadNs}`);
  // Infinity is allowed: no starvation bound.
  if (!(spec.maxCommandAgeNs > 0)) throw StorageErrors.badConfig(what, `maxCommandAgeNs must be > 0 ns, got ${spec.maxCommandAgeNs}`);
  if (spec.outerMBps < spec.innerMBps)
    throw StorageErrors.badConfig(what, `outerMBps (${spec.outerMBps}) must be >= innerMBps (${spec.innerMBps}): zones run outer to inner`);
  for (const k of ["readSeek", "writeSeek"] as const) {
    const f = spec[k];
    if (typeof f !== "object" || f === null)
      throw StorageErrors.badConfig(what, `${k} must give trackToTrackMs, averageMs and fullStrokeMs, got ${f}`);
    for (const m of ["trackToTrackMs", "averageMs", "fullStrokeMs"] as const)
      if (!(Number.isFinite(f[m]) && f[m] > 0)) throw StorageErrors.badConfig(what, `${k}.${m} must be a finite time > 0 ms, got ${f[m]}`);
  }
}
