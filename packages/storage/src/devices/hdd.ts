import type { Simulation } from "@vmlab/core-vm";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, misfitText } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoRing } from "../iostack/io-ring.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { DriveInterface } from "./drive-interface.js";
import { HddCache } from "./hdd-cache.js";
import { checkHddSpec, checkLayout, type HddOptions, readCacheSegmentsOf, writeCacheSectorsOf } from "./hdd-config.js";
import { HddGeometry } from "./hdd-geometry.js";
import { cylinderBefore, mediaReadEnd, mediaTransferNs } from "./hdd-positioning.js";
import { HddQueue } from "./hdd-queue.js";
import { CHEETAH_15K5, type HddSpec } from "./hdd-spec.js";
import { checkHddState, type HddState, restoredRaBaseTime, revolutionStart, savedHddState } from "./hdd-state.js";
import { serveQueuedFromStream } from "./hdd-stream-hits.js";
import { HddWriteBuffer } from "./hdd-write-buffer.js";
import { HddWriteCache } from "./hdd-write-cache.js";
import { SeekCurve } from "./seek-curve.js";

// The drive's options and saved state are declared beside their checks; `Hdd`'s module exports them as it always has.
export type { HddOptions } from "./hdd-config.js";
export { type HddState, HddStateSchema } from "./hdd-state.js";

/**
 * A hard disk: one actuator serving tagged commands one at a time, chosen
 * by shortest positioning time first (seek + rotational wait from where the
 * head will be) with a starvation bound; service = command overhead + seek
 * (`SeekCurve` fitted to the spec sheet) + rotational wait (the platter's
 * angle is a function of virtual time) + media transfer at the zone's rate.
 * Reads go through the segmented cache with read-ahead (`HddCache`); cache
 * hits complete at the interface rate without using the mechanism, their data
 * crossing the one interface one command after another (a hit waiting for the
 * read-ahead, as the head reads it). Media commands' data crosses it too
 * (`bookRead`, `enqueue`): no mix of commands moves more than `spec.busMBps`. The command overhead
 * is the one controller's time per command, taken in arrival order (overlapped
 * with the mechanism and the interface, not with other commands' overhead). The drive
 * holds at most `spec.queueDepth` commands (its tagged queue); beyond that the
 * initiator keeps them in order until a command completes.
 * Writes go to the media (the drive's write cache is off, as in arrays and
 * as SCSI drives ship; an assumption) — or, with `writeCache` on, complete
 * from the buffer and reach the media later (`HddOptions`).
 */
export class Hdd implements BlockTarget {
  // A `StreamHitSink` too, structurally (`serveQueuedFromStream(…, this)` checks it), not by `implements`: its method is
  // internal (stripped from the published types), where a class implementing an interface it then lacks a member of
  // failed every user's type-check of @vmlab/storage (unless skipLibCheck).
  readonly capacitySectors: number;
  readonly geometry: HddGeometry;
  readonly readSeek: SeekCurve;
  readonly writeSeek: SeekCurve;
  readonly cache: HddCache;
  private readonly pool: IoPool;
  private readonly kindDone: number;
  private readonly kindFlushDone: number;
  /** Media commands waiting for the mechanism. */
  private readonly queue: HddQueue;
  private busy = false;
  private headCyl = 0;
  /** The sector after the last one the head transferred (−1 before any): a command starting there continues the transfer. */
  private headLba = -1;
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
  /** The write cache at work: buffered writes, write-backs, writes waiting for room (null with it off). */
  private readonly writeCache: HddWriteCache | null;
  /** What the write cache holds (null with it off). */
  private readonly writeBuffer: HddWriteBuffer | null;
  /** Writes completed from the buffer (write cache on). */
  writesBuffered = 0;
  /** Reads served from written data still in the buffer (write cache on); not in the read cache's hits or misses. */
  readsFromBuffer = 0;
  /** Flushes completed (`flush`). */
  flushes = 0;
  /**
   * The interface: every command's data crosses it (a hit waiting for the read-ahead does not hold back one whose
   * data is already in the buffer; a media read's data near the end of its transfer, `bookRead`; a write's once queued).
   */
  private readonly link: DriveInterface;
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
    const wcs = writeCacheSectorsOf(spec, options, `hdd ${name}`);
    this.writeCacheSectors = wcs;
    this.capacitySectors = spec.capacitySectors;
    this.geometry = new HddGeometry(spec);
    checkLayout(spec, this.geometry, `hdd ${name}`);
    this.readSeek = new SeekCurve(this.geometry.cylinders, spec.readSeek, `hdd ${name}: readSeek`);
    this.writeSeek = new SeekCurve(this.geometry.cylinders, spec.writeSeek, `hdd ${name}: writeSeek`);
    const { segSectors, readSegments } = readCacheSegmentsOf(spec, wcs, `hdd ${name}`);
    const readAhead = Math.min(spec.readAheadSectors, segSectors);
    this.cache = new HddCache(readSegments, segSectors, readAhead, this.geometry.revolutionNs, spec.minPrefetchSectors ?? 0);
    this.link = new DriveInterface(spec.busMBps);
    this.queue = new HddQueue(this.readSeek, this.writeSeek, this.geometry.revolutionNs, spec.commandOverheadNs);
    this.cache.mediaEnd = (lba, n, headLba, start, processed) =>
      mediaReadEnd(this.sim, this.spec, this.geometry, this.queue, lba, n, headLba, start, processed);
    // The drive tracks at most as many write-backs as it takes commands (an assumption).
    this.writeBuffer = wcs > 0 ? new HddWriteBuffer(wcs, spec.queueDepth, this.queue) : null;
    this.pool = new IoPool(this);
    this.kindDone = sharedKind(sim, "storage.hdd.done", onDone);
    this.kindFlushDone = sharedKind(sim, "storage.hdd.flushDone", onFlushDone);
    this.writeCache = this.writeBuffer === null ? null : new HddWriteCache(this, sim, this.pool, this.writeBuffer, this.kindFlushDone);
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

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
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
      const wc = this.writeCache;
      if (wc !== null) {
        // Write cache on: the data goes to the media later, and the command completes once it is in the buffer.
        if (io.sectors <= this.writeCacheSectors) {
          wc.take(io, processed);
          return !this.busy;
        }
        // Too large for the buffer: it goes to the media, after older buffered data of its sectors.
        if (wc.holdsBack(io, processed)) return false;
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
    const end = this.link.transfer(now, ready, io.sectors);
    this.sim.schedule(end - now, this.kindDone, 0, io);
    return end;
  }

  /**
   * @internal Completes a write from the buffer (its data crossing the interface from `ready`: the command processed,
   * room in the buffer) and queues the write-backs the buffer asks for (its data in no queued write-back). The write
   * cache decides when (`HddWriteCache`).
   */
  buffer(wb: HddWriteBuffer, io: StackIo, ready: number): void {
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

  /**
   * @internal Queues a media command that can start positioning from `ready`. A host write's data crosses the interface
   * from then (or now, if later) on: the drive takes it into its buffer while the command waits for the head. Data that
   * other transfers hold back holds the write back as long: the drive starts no write before its data starts coming in
   * (as a write-back waits for its data), so a head at the sector before then waits for it to come round again, and the
   * shortest-positioning-time choice weighs that. (On an idle interface the data crosses as the drive processes the
   * command, overlapped with it: the head may start as processing ends.)
   */
  enqueue(io: StackIo, ready: number): void {
    const g = this.geometry;
    const zone = g.zoneOf(io.lba);
    let dataAt = 0;
    let start = ready;
    if (!io.isRead && io.parent !== null) {
      const now = this.sim.now;
      const from = Math.max(now, ready);
      dataAt = this.link.transfer(now, from, io.sectors);
      // Held back by more than a float's rounding of the booking (completions fall on whole ns): no start before the
      // data's (a write released from behind older buffered data was processed long before `from`).
      const dataStart = dataAt - io.sectors * this.link.sectorNs;
      if (dataStart - from >= 0.5) start = dataStart;
    }
    this.queue.add(io, g.cylinderOf(io.lba, zone), g.angleOf(io.lba, zone), zone, start, dataAt);
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
      this.headCyl = cylinderBefore(this.geometry, pos);
      this.headLba = pos;
    }
    const phase = this.geometry.phaseOf(start);
    // Shortest positioning time first, unless the oldest command has waited past the bound.
    let best: number;
    let bestPos: number;
    if (now - q.oldestArrival() > this.spec.maxCommandAgeNs) {
      best = q.oldestSlot();
      bestPos = q.positioningNs(best, this.headCyl, this.headLba, start, phase);
    } else {
      best = q.shortestPositioning(this.headCyl, this.headLba, start, phase);
      bestPos = q.chosenPos;
    }
    const io = q.io[best];
    const zone = q.zone[best];
    const dataAt = q.dataAt[best];
    // `headCyl` is left as is: nothing reads it while the command is in service, and `finish` sets it.
    q.remove(best);
    if (!io.isRead) this.cache.invalidate(io.lba, io.sectors);
    // An IO that runs past its zone's end transfers each zone's part at that zone's rate.
    const xfer = mediaTransferNs(this.geometry, io.lba, io.sectors, zone);
    let end = start + bestPos + xfer;
    if (io.parent === null) (this.writeBuffer as HddWriteBuffer).started(io, start + bestPos, xfer);
    else if (io.isRead) end = this.bookRead(io, start + bestPos, end);
    // A write ends once its data has crossed too (on an interface slower than the media, after the head).
    else if (dataAt > end) end = dataAt;
    io.a = 0;
    io.b = zone;
    this.busy = true;
    this.busyNs += end - start;
    this.sim.schedule(end - now, this.kindDone, 0, io);
  }

  /**
   * A media read's data crosses the one interface too, beside hits and buffered writes (it went unbooked, and a 1 MiB
   * media read overlapping buffered writes moved 372 MB/s through a 300 MB/s interface). It crosses as the head reads
   * it, so its share of the interface is booked as late as it can be, ending with the media transfer
   * (`mediaStart`..`mediaEnd`): the read completes then, or when a busy interface has carried it (`io.t0`, else 0; the
   * mechanism is free at `mediaEnd` either way). (A write's data crosses from when it is queued: `enqueue`.) Returns when
   * the mechanism is done.
   */
  private bookRead(io: StackIo, mediaStart: number, mediaEnd: number): number {
    const dataEnd = this.link.mediaRead(this.sim.now, mediaStart, mediaEnd, io.sectors);
    // Completions fall on whole ns: data done within half a ns of the head (or a float's rounding of it) is not late.
    io.t0 = dataEnd - mediaEnd >= 0.5 ? dataEnd : 0;
    return mediaEnd;
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

  /**
   * Refuses a save or a restore while a command is in the drive or written data is not yet on the media. The drive's
   * own write-backs are not IOs in flight: restore, which counted them, said "1 IO is in flight" after every write had
   * completed.
   */
  private requireQuiescent(op: "save" | "restore"): void {
    const writeBacks = this.writeBuffer?.writeBacks ?? 0;
    if (this.pool.inUse > writeBacks) throw StorageErrors.notQuiescent(`hdd ${this.name}`, this.pool.inUse - writeBacks, op);
    if (writeBacks > 0) throw StorageErrors.dirtyWriteCache(`hdd ${this.name}`, this.dirtySectors, op);
  }

  /** Saves the disk's mechanical and cache state. No command may be queued or in service. */
  save(): HddState {
    this.requireQuiescent("save");
    const now = this.sim.now;
    const busAhead = Math.max(0, this.link.lastEnd - now);
    const controllerAhead = Math.max(0, this.controllerFreeAt - now);
    const cache = this.cache.save();
    return savedHddState(this, this.headCyl, this.headLba, cache, revolutionStart(this.geometry, now), busAhead, controllerAhead);
  }

  /**
   * Restores a saved state; validates it first (same drive model, cylinder in range, write-cache counters only
   * into a drive with its write cache on) and changes nothing if it is invalid.
   */
  restore(state: unknown): void {
    const s = checkHddState(state, this.spec, this.geometry, this.cache, this.writeCacheSectors);
    this.requireQuiescent("restore");
    const now = this.sim.now;
    const raBaseTime = restoredRaBaseTime(s, this.geometry, now);
    this.cache.restore(s.cache, this.geometry, this.capacitySectors, raBaseTime);
    this.headCyl = s.headCylinder;
    this.headLba = s.headLba ?? -1;
    this.mediaOps = s.mediaOps;
    this.completed = s.completed;
    this.busyNs = s.busyNs;
    this.writesBuffered = s.writesBuffered ?? 0;
    this.readsFromBuffer = s.readsFromBuffer ?? 0;
    this.flushes = s.flushes ?? 0;
    // Nothing was in flight when the state was saved, so nothing held the interface or the controller past that
    // time but a rounding's fraction of a ns (kept, relative to the clock: the simulation may be restored to
    // another time with it); bookings made since are forgotten.
    this.link.reset(s.busAheadNs ? now + s.busAheadNs : 0);
    this.controllerFreeAt = s.controllerAheadNs ? now + s.controllerAheadNs : 0;
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
      this.headLba = last + 1;
      if (io.isRead) {
        const bound = Math.min(this.capacitySectors, g.zoneLba[zone + 1]);
        this.cache.startReadAhead(io.lba, io.sectors, now, g.zoneSectorNs[zone], bound);
        serveQueuedFromStream(this.queue, this.cache, now, this);
        if (io.t0 > now) {
          // The head is done; the data is still crossing a busy interface (`bookRead`).
          io.a = 1;
          this.sim.schedule(io.t0 - now, this.kindDone, 0, io);
          this.dispatch();
          return;
        }
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

  /** A write-back reached the media (`HddWriteCache.writeBackDone`); the mechanism is idle. */
  private writeBackDone(w: StackIo): void {
    const wc = this.writeCache as HddWriteCache;
    wc.writeBackDone(w);
    this.dispatch();
    wc.wakeForRoom();
  }

  /** @internal the write-back being written has freed room for the oldest waiting write. */
  roomFreed(): void {
    const wc = this.writeCache as HddWriteCache;
    wc.roomFreed();
    if (!this.busy) this.dispatch();
    wc.wakeForRoom();
  }

  /** @internal a queued read the new read-ahead stream covers (`serveQueuedFromStream`): served from the buffer. */
  streamHit(io: StackIo, ready: number, processed: number): void {
    this.completeFromCache(io, this.hitStart(io, ready, processed, this.sim.now));
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
    const from = this.cache.transferStart(io.lba, io.sectors, ready, this.link.sectorNs, now);
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
