import { describeIssues, type Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, SECTOR_BYTES } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoRing } from "../iostack/io-ring.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { HddCache, HddCacheStateSchema } from "./hdd-cache.js";
import { HddGeometry } from "./hdd-geometry.js";
import { HddQueue } from "./hdd-queue.js";
import { CHEETAH_15K5, type HddSpec } from "./hdd-spec.js";
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
});
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
   * assumption). A write waits (inside the drive, holding its tag) until its data fits; a write larger
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
 * crossing the one interface one command after another. The drive
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
  /** Written sectors in the buffer, not yet on the media (queued or being written back). */
  private dirty = 0;
  /** The newest queued write-back, while still queued: a write that continues it joins it. */
  private lastWriteBack: StackIo | null = null;
  /** The write-back the mechanism is writing now (its data is still in the buffer until it ends). */
  private writingBack: StackIo | null = null;
  /** Write-backs queued or being written. */
  private writeBacks = 0;
  /** Writes accepted while the buffer had no room for them, oldest first: they enter as write-backs end. */
  private readonly waitingForBuffer = new IoRing();
  /** Writes completed from the buffer (write cache on). */
  writesBuffered = 0;
  /** Reads served from written data still in the buffer (write cache on); not in the read cache's hits or misses. */
  readsFromBuffer = 0;
  /** When the interface is free: data served without the mechanism (cache hits, buffered writes) crosses it one command after another. */
  private busFreeAt = 0;

  constructor(
    private readonly sim: Simulation,
    readonly spec: HddSpec = CHEETAH_15K5,
    readonly name = "hdd",
    options: HddOptions = {},
  ) {
    if (!(spec.capacitySectors >= 1 && spec.queueDepth >= 1 && spec.maxCommandAgeNs > 0 && spec.busMBps > 0))
      throw StorageErrors.badConfig(`hdd ${name}`, "capacity, queue depth, starvation bound and bus rate must be > 0");
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
    this.readSeek = new SeekCurve(this.geometry.cylinders, spec.readSeek);
    this.writeSeek = new SeekCurve(this.geometry.cylinders, spec.writeSeek);
    const segSectors = Math.floor(spec.cacheBytes / Math.max(1, spec.cacheSegments) / SECTOR_BYTES);
    this.cache = new HddCache(spec.cacheSegments, segSectors, Math.min(spec.readAheadSectors, segSectors));
    this.busSectorNs = (SECTOR_BYTES / (spec.busMBps * 1e6)) * 1e9;
    this.queue = new HddQueue(this.readSeek, this.writeSeek, this.geometry.revolutionNs, spec.commandOverheadNs);
    this.pool = new IoPool(this);
    this.kindDone = sharedKind(sim, "storage.hdd.done", onDone);
  }

  /**
   * Commands submitted and not yet completed (those held outside a full queue included). The drive's
   * own write-backs are not among them (`dirtySectors` says what is left to write back).
   */
  get outstanding(): number {
    return this.pool.inUse - this.writeBacks;
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
    return this.dirty;
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, this.capacitySectors))
      throw StorageErrors.badConfig(
        `hdd ${this.name}`,
        `IO [${req.lba}, +${req.sectors}) is outside the disk (${this.capacitySectors} sectors)`,
      );
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
    if (io.isRead) {
      // Data written and not yet on the media is read from the buffer (asked first: the read cache would
      // count it a miss).
      if (this.dirty > 0 && this.bufferedWriteCovers(io.lba, io.sectors)) {
        this.readsFromBuffer++;
        this.completeFromCache(io, now);
        return false;
      }
      const ready = this.cache.lookupRead(io.lba, io.sectors, now);
      if (ready >= 0) {
        this.completeFromCache(io, ready);
        return false;
      }
    } else {
      this.cache.invalidate(io.lba, io.sectors);
      // Write cache on: the data goes to the media later, and the command completes once it is in the buffer.
      if (io.sectors <= this.writeCacheSectors) {
        if (this.waitingForBuffer.length === 0 && this.bufferHasRoom(io)) this.buffer(io, now);
        else this.waitingForBuffer.push(io);
        return !this.busy;
      }
    }
    this.enqueue(io);
    return !this.busy;
  }

  /**
   * Whether a write's data fits the buffer now: a rewrite of data in a queued write-back takes no room;
   * a write that continues (or overlaps the end of) the newest write-back needs room for its new sectors;
   * any other, its sectors and a write-back entry.
   */
  private bufferHasRoom(io: StackIo): boolean {
    if (this.queuedWriteBackHolding(io.lba, io.sectors) !== null) return true;
    const last = this.lastWriteBack;
    const end = io.lba + io.sectors;
    if (last !== null && last.lba <= io.lba && io.lba <= last.lba + last.sectors)
      return this.dirty + (end - (last.lba + last.sectors)) <= this.writeCacheSectors;
    return this.dirty + io.sectors <= this.writeCacheSectors && this.writeBacks < this.spec.queueDepth;
  }

  /** A queued (not yet started) write-back that holds all of [lba, lba+sectors), or null. */
  private queuedWriteBackHolding(lba: number, sectors: number): StackIo | null {
    const q = this.queue;
    const end = lba + sectors;
    for (let i = 0; i < q.count; i++) {
      const w = q.io[i];
      if (w.parent === null && w.lba <= lba && w.lba + w.sectors >= end) return w;
    }
    return null;
  }

  /** A command served by the buffer: controller overhead from `ready`, then its transfer once the interface is free; no mechanism. */
  private completeFromCache(io: StackIo, ready: number): void {
    io.a = 1;
    const start = Math.max(ready + this.spec.commandOverheadNs, this.busFreeAt);
    this.busFreeAt = start + io.sectors * this.busSectorNs;
    this.sim.schedule(this.busFreeAt - this.sim.now, this.kindDone, 0, io);
  }

  /**
   * Completes a write from the buffer and queues the media write of its data: a drive-internal command
   * (no submitter, no tag). Data that continues the newest queued write-back joins it, so a sequential
   * stream is written back in long runs; a rewrite of data still queued replaces it in the buffer (the
   * write-back will write the newest data).
   */
  private buffer(io: StackIo, now: number): void {
    this.writesBuffered++;
    // Its data crosses the interface after the command's overhead, behind other buffered writes' data.
    const start = Math.max(now + this.spec.commandOverheadNs, this.busFreeAt);
    this.busFreeAt = start + io.sectors * this.busSectorNs;
    io.a = 1;
    this.sim.schedule(this.busFreeAt - now, this.kindDone, 0, io);
    const lba = io.lba;
    const sectors = io.sectors;
    if (this.queuedWriteBackHolding(lba, sectors) !== null) return;
    const last = this.lastWriteBack;
    if (last !== null && last.lba <= lba && lba <= last.lba + last.sectors) {
      // The queue keeps the command's start geometry, which appending does not change.
      const grow = lba + sectors - (last.lba + last.sectors);
      last.sectors += grow;
      this.dirty += grow;
      return;
    }
    this.dirty += sectors;
    this.writeBacks++;
    const w = this.pool.takeOwnWrite(lba, sectors, now);
    w.t0 = now;
    this.lastWriteBack = w;
    this.enqueue(w);
  }

  /** Whether buffered writes (queued write-backs and the one being written) hold all of [lba, lba+sectors). */
  private bufferedWriteCovers(lba: number, sectors: number): boolean {
    const q = this.queue;
    const end = lba + sectors;
    let from = lba;
    // Few write-backs are out at once (a stream joins one): repeat the scan until the range is covered.
    for (let progress = true; progress && from < end; ) {
      progress = false;
      const w0 = this.writingBack;
      if (w0 !== null && w0.lba <= from && w0.lba + w0.sectors > from) {
        from = w0.lba + w0.sectors;
        progress = true;
      }
      for (let i = 0; i < q.count; i++) {
        const w = q.io[i];
        if (w.parent === null && w.lba <= from && w.lba + w.sectors > from) {
          from = w.lba + w.sectors;
          progress = true;
        }
      }
    }
    return from >= end;
  }

  private enqueue(io: StackIo): void {
    const g = this.geometry;
    const zone = g.zoneOf(io.lba);
    this.queue.add(io, g.cylinderOf(io.lba, zone), g.angleOf(io.lba, zone), zone);
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
      const last = pos > 0 ? pos - 1 : 0;
      this.headCyl = this.geometry.cylinderOf(last, this.geometry.zoneOf(last));
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
    this.headCyl = q.cyl[best];
    q.remove(best);
    if (io.parent === null) this.startWriteBack(io);
    if (!io.isRead) this.cache.invalidate(io.lba, io.sectors);
    const g = this.geometry;
    // An IO that runs past its zone's end transfers each zone's part at that zone's rate.
    const xfer = io.lba + io.sectors > g.zoneLba[zone + 1] ? g.transferNs(io.lba, io.sectors, zone) : io.sectors * g.zoneSectorNs[zone];
    const end = start + bestPos + xfer;
    io.a = 0;
    io.b = zone;
    this.busy = true;
    this.busyNs += end - start;
    this.sim.schedule(end - now, this.kindDone, 0, io);
  }

  /** A write-back goes to the media: its data stays in the buffer until it is written. */
  private startWriteBack(w: StackIo): void {
    this.writingBack = w;
    if (w === this.lastWriteBack) this.lastWriteBack = null;
  }

  /** Saves the disk's mechanical and cache state. No command may be queued or in service. */
  save(): HddState {
    if (this.pool.inUse > this.writeBacks) throw StorageErrors.notQuiescent(`hdd ${this.name}`, this.pool.inUse - this.writeBacks);
    if (this.writeBacks > 0) throw StorageErrors.dirtyWriteCache(`hdd ${this.name}`, this.dirty);
    return {
      version: 1,
      model: this.spec.model,
      headCylinder: this.headCyl,
      cache: this.cache.save(),
      mediaOps: this.mediaOps,
      completed: this.completed,
      busyNs: this.busyNs,
      ...(this.writesBuffered > 0 ? { writesBuffered: this.writesBuffered } : {}),
      ...(this.readsFromBuffer > 0 ? { readsFromBuffer: this.readsFromBuffer } : {}),
    };
  }

  /** Restores a saved state; validates it first (same drive model, cylinder in range) and changes nothing if it is invalid. */
  restore(state: unknown): void {
    const p = HddStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("hdd", describeIssues(p.error));
    const s = p.data;
    if (s.model !== this.spec.model) throw StorageErrors.badState("hdd", `saved from a "${s.model}", this disk is a "${this.spec.model}"`);
    if (s.headCylinder >= this.geometry.cylinders)
      throw StorageErrors.badState("hdd", `head cylinder ${s.headCylinder} is past the last cylinder`);
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent(`hdd ${this.name}`, this.pool.inUse);
    this.cache.restore(s.cache);
    this.headCyl = s.headCylinder;
    this.mediaOps = s.mediaOps;
    this.completed = s.completed;
    this.busyNs = s.busyNs;
    this.writesBuffered = s.writesBuffered ?? 0;
    this.readsFromBuffer = s.readsFromBuffer ?? 0;
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
    const parent = io.parent as IoRequest;
    const sink = io.parentSink as IoSink;
    this.pool.give(io);
    this.inDrive--;
    // The freed tag goes to the oldest held command; the dispatch below (or the running command's end) serves it.
    if (this.held.length > 0) this.accept(this.held.shift() as StackIo);
    sink.complete(parent);
    if (!this.busy) this.dispatch();
  }

  /** A write-back reached the media: its buffer space is free, for writes waiting for it. It had no submitter and no tag. */
  private writeBackDone(w: StackIo): void {
    const now = this.sim.now;
    this.dirty -= w.sectors;
    this.writeBacks--;
    this.writingBack = null;
    this.pool.give(w);
    const waiting = this.waitingForBuffer;
    for (let io = waiting.peek(); io !== null && this.bufferHasRoom(io); io = waiting.peek()) this.buffer(waiting.shift() as StackIo, now);
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
      const ready = cache.lookupReadQuiet(io.lba, io.sectors, now);
      from = cache.streamFromLba;
      to = cache.streamToLba;
      if (ready < 0) {
        i++;
        continue;
      }
      io.a = 1;
      q.remove(i);
      const start = Math.max(ready, io.t0 + this.spec.commandOverheadNs, this.busFreeAt);
      this.busFreeAt = start + io.sectors * this.busSectorNs;
      this.sim.schedule(this.busFreeAt - now, this.kindDone, 0, io);
    }
  }
}

function onDone(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as Hdd).finish(io);
}
