import type { Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import type { IoRequest } from "../io.js";
import { SECTOR_BYTES } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { HddCache, HddCacheStateSchema } from "./hdd-cache.js";
import { HddGeometry } from "./hdd-geometry.js";
import { CHEETAH_15K5, type HddSpec } from "./hdd-spec.js";
import { SeekCurve } from "./seek-curve.js";

/** Step of the seek-reach table (the SPTF scan's pruning bound), ns. */
const REACH_STEP_NS = 50_000;

/** A disk's saved state (taken when no command is queued or in service). */
export const HddStateSchema = z.object({
  version: z.literal(1),
  model: z.string(),
  headCylinder: z.number().int().nonnegative(),
  cache: HddCacheStateSchema,
  mediaOps: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  busyNs: z.number().nonnegative(),
});
export type HddState = z.infer<typeof HddStateSchema>;

/**
 * A hard disk: one actuator serving tagged commands one at a time, chosen
 * by shortest positioning time first (seek + rotational wait from where the
 * head will be) with a starvation bound; service = command overhead + seek
 * (`SeekCurve` fitted to the spec sheet) + rotational wait (the platter's
 * angle is a function of virtual time) + media transfer at the zone's rate.
 * Reads go through the segmented cache with read-ahead (`HddCache`); cache
 * hits complete at the interface rate without using the mechanism.
 * Writes go to the media (the drive's write cache is off, as in arrays and
 * as SCSI drives ship; an assumption).
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
  /** `seekReachNs` by multiples of `REACH_STEP_NS`. */
  private readonly reachTable: Float64Array;
  /** Pending media commands (swap-remove array) with their precomputed geometry. */
  private pIo: StackIo[] = [];
  private pLba = new Float64Array(64);
  private pCyl = new Float64Array(64);
  private pAngle = new Float64Array(64);
  private pZone = new Int32Array(64);
  private pT0 = new Float64Array(64);
  private pRead = new Uint8Array(64);
  private pending = 0;
  private busy = false;
  private headCyl = 0;
  /** Media commands completed. */
  mediaOps = 0;
  /** All commands completed (media + cache hits). */
  completed = 0;
  /** Time the actuator spent serving media commands (ns). */
  busyNs = 0;

  constructor(
    private readonly sim: Simulation,
    readonly spec: HddSpec = CHEETAH_15K5,
    readonly name = "hdd",
  ) {
    if (!(spec.capacitySectors >= 1 && spec.queueDepth >= 1 && spec.maxCommandAgeNs > 0 && spec.busMBps > 0))
      throw StorageErrors.badConfig(`hdd ${name}`, "capacity, queue depth, starvation bound and bus rate must be > 0");
    this.capacitySectors = spec.capacitySectors;
    this.geometry = new HddGeometry(spec);
    this.readSeek = new SeekCurve(this.geometry.cylinders, spec.readSeek);
    this.writeSeek = new SeekCurve(this.geometry.cylinders, spec.writeSeek);
    const segSectors = Math.floor(spec.cacheBytes / Math.max(1, spec.cacheSegments) / SECTOR_BYTES);
    this.cache = new HddCache(spec.cacheSegments, segSectors, Math.min(spec.readAheadSectors, segSectors));
    this.busSectorNs = (SECTOR_BYTES / (spec.busMBps * 1e6)) * 1e9;
    // Up to one full-stroke seek plus a revolution; beyond that nothing is pruned.
    const span = Math.max(this.readSeek.timeNs(this.geometry.cylinders), this.writeSeek.timeNs(this.geometry.cylinders));
    this.reachTable = new Float64Array(Math.ceil((span + this.geometry.revolutionNs) / REACH_STEP_NS) + 1);
    for (let k = 0; k < this.reachTable.length; k++) {
      const r = this.readSeek.maxDistanceWithinNs(k * REACH_STEP_NS);
      const w = this.writeSeek.maxDistanceWithinNs(k * REACH_STEP_NS);
      this.reachTable[k] = Math.max(r, w) + 1; // +1 cylinder absorbs rounding in the inverse
    }
    this.pool = new IoPool(this);
    this.kindDone = sharedKind(sim, "storage.hdd.done", onDone);
  }

  /** Commands accepted and not yet completed. */
  get outstanding(): number {
    return this.pool.inUse;
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (req.lba < 0 || req.sectors < 1 || req.lba + req.sectors > this.capacitySectors)
      throw StorageErrors.badConfig(
        `hdd ${this.name}`,
        `IO [${req.lba}, +${req.sectors}) is outside the disk (${this.capacitySectors} sectors)`,
      );
    const now = this.sim.now;
    const io = this.pool.take(req, sink);
    io.t0 = now;
    if (req.isRead) {
      const ready = this.cache.lookupRead(req.lba, req.sectors, now);
      if (ready >= 0) {
        // Cache hit: controller overhead + interface transfer, no mechanism.
        io.a = 1;
        const done = ready + this.spec.commandOverheadNs + req.sectors * this.busSectorNs;
        this.sim.schedule(done - now, this.kindDone, 0, io);
        return;
      }
    } else this.cache.invalidate(req.lba, req.sectors);
    this.enqueue(io);
    if (!this.busy) this.dispatch();
  }

  private enqueue(io: StackIo): void {
    const g = this.geometry;
    if (this.pending === this.pCyl.length) this.growPending();
    const i = this.pending++;
    const zone = g.zoneOf(io.lba);
    this.pIo[i] = io;
    this.pLba[i] = io.lba;
    this.pZone[i] = zone;
    this.pCyl[i] = g.cylinderOf(io.lba, zone);
    this.pAngle[i] = g.angleOf(io.lba, zone);
    this.pT0[i] = io.t0;
    this.pRead[i] = io.isRead ? 1 : 0;
  }

  /** Picks the next media command and starts it. */
  private dispatch(): void {
    if (this.pending === 0) return;
    const now = this.sim.now;
    let start = now;
    const pos = this.cache.stopReadAhead(now);
    if (pos >= 0) {
      start = this.cache.freeAt;
      const last = pos > 0 ? pos - 1 : 0;
      this.headCyl = this.geometry.cylinderOf(last, this.geometry.zoneOf(last));
    }
    // Shortest positioning time first, unless the oldest command has waited past the bound.
    // Positioning >= seek, and seek grows with distance: a command farther than `reach` cylinders
    // cannot beat the best so far and is skipped without computing its seek and rotational wait
    // (exact: the same command wins as with a full scan).
    // The nearest command seeds the bound, so most far ones are skipped; ties go to the lower index,
    // as in a plain first-to-last scan.
    const phase = start % this.geometry.revolutionNs;
    const head = this.headCyl;
    const n = this.pending;
    let oldest = 0;
    let best = 0;
    let bestDist = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (this.pT0[i] < this.pT0[oldest]) oldest = i;
      const d = this.pCyl[i] - head;
      const dist = d < 0 ? -d : d;
      if (dist < bestDist) {
        bestDist = dist;
        best = i;
      }
    }
    let bestPos = this.positioningNs(best, start, phase);
    let reach = this.seekReachNs(bestPos);
    for (let i = 0; i < n; i++) {
      const d = this.pCyl[i] - head;
      if ((d < 0 ? -d : d) > reach || i === best) continue;
      const p = this.positioningNs(i, start, phase);
      if (p < bestPos || (p === bestPos && i < best)) {
        bestPos = p;
        best = i;
        reach = this.seekReachNs(p);
      }
    }
    if (now - this.pT0[oldest] > this.spec.maxCommandAgeNs) {
      best = oldest;
      bestPos = this.positioningNs(oldest, start, phase);
    }
    const io = this.pIo[best];
    const zone = this.pZone[best];
    this.headCyl = this.pCyl[best];
    this.removePending(best);
    if (!io.isRead) this.cache.invalidate(io.lba, io.sectors);
    const end = start + bestPos + io.sectors * this.geometry.zoneSectorNs[zone];
    io.a = 0;
    io.b = zone;
    this.busy = true;
    this.busyNs += end - start;
    this.sim.schedule(end - now, this.kindDone, 0, io);
  }

  /**
   * Cylinders beyond which a read or a write seek takes longer than `ns`: an over-estimate read
   * from a table at `REACH_STEP_NS` steps (rounded up, so it never prunes a command that could win).
   */
  private seekReachNs(ns: number): number {
    const k = Math.ceil(ns / REACH_STEP_NS);
    return k < this.reachTable.length ? this.reachTable[k] : Number.POSITIVE_INFINITY;
  }

  /**
   * Time from `start` until pending command `i` could begin its transfer:
   * its command overhead (processed on arrival, overlapped with the
   * mechanism's current work), the seek, then the rotational wait until its
   * first sector comes under the head. `phase` = start mod one revolution.
   */
  private positioningNs(i: number, start: number, phase: number): number {
    const rev = this.geometry.revolutionNs;
    const ready = this.pT0[i] + this.spec.commandOverheadNs - start;
    const delay = Math.max(ready, 0);
    const d = this.pCyl[i] - this.headCyl;
    const seek = this.pRead[i] === 1 ? this.readSeek.timeNs(d < 0 ? -d : d) : this.writeSeek.timeNs(d < 0 ? -d : d);
    // Angle when the head arrives, as a fraction of a revolution (offsets are a few revolutions at most).
    let at = phase + delay + seek;
    while (at >= rev) at -= rev;
    let wait = this.pAngle[i] - at / rev;
    if (wait < 0) wait += 1;
    return delay + seek + wait * rev;
  }

  /** Saves the disk's mechanical and cache state. No command may be queued or in service. */
  save(): HddState {
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent(`hdd ${this.name}`, this.pool.inUse);
    return {
      version: 1,
      model: this.spec.model,
      headCylinder: this.headCyl,
      cache: this.cache.save(),
      mediaOps: this.mediaOps,
      completed: this.completed,
      busyNs: this.busyNs,
    };
  }

  /** Restores a saved state; validates it first (same drive model, cylinder in range) and changes nothing if it is invalid. */
  restore(state: unknown): void {
    const p = HddStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("hdd", p.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
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
  }

  /** @internal a command finished (media or cache hit). */
  finish(io: StackIo): void {
    const now = this.sim.now;
    if (io.a === 0) {
      this.busy = false;
      this.mediaOps++;
      const g = this.geometry;
      const endLba = io.lba + io.sectors;
      this.headCyl = g.cylinderOf(endLba - 1, io.b);
      if (io.isRead) {
        const bound = Math.min(this.capacitySectors, g.zoneLba[io.b + 1]);
        this.cache.startReadAhead(io.lba, io.sectors, now, g.zoneSectorNs[io.b], bound);
        this.servePendingFromCache(now);
      }
    }
    this.completed++;
    const parent = io.parent as IoRequest;
    const sink = io.parentSink as IoSink;
    this.pool.give(io);
    sink.complete(parent);
    if (!this.busy) this.dispatch();
  }

  /** Queued reads that the new read-ahead stream covers become cache hits (a queued sequential stream). */
  private servePendingFromCache(now: number): void {
    // Each conversion may extend the stream to the next queued command: repeat until nothing changes.
    for (let before = -1; before !== this.pending; ) {
      before = this.pending;
      this.servePendingPass(now);
    }
  }

  private servePendingPass(now: number): void {
    const cache = this.cache;
    for (let i = 0; i < this.pending; ) {
      // The stream's reach is checked on the typed arrays first: most queued commands are far from it.
      const lba = this.pLba[i];
      if (this.pRead[i] === 0 || !(lba >= cache.streamFromLba && lba <= cache.streamToLba)) {
        i++;
        continue;
      }
      const io = this.pIo[i];
      const ready = cache.lookupReadQuiet(io.lba, io.sectors, now);
      if (ready < 0) {
        i++;
        continue;
      }
      io.a = 1;
      this.removePending(i);
      const done = Math.max(ready, io.t0 + this.spec.commandOverheadNs) + io.sectors * this.busSectorNs;
      this.sim.schedule(done - now, this.kindDone, 0, io);
    }
  }

  /** Swap-removes pending command `i`. */
  private removePending(i: number): void {
    const last = --this.pending;
    this.pIo[i] = this.pIo[last];
    this.pLba[i] = this.pLba[last];
    this.pCyl[i] = this.pCyl[last];
    this.pAngle[i] = this.pAngle[last];
    this.pZone[i] = this.pZone[last];
    this.pT0[i] = this.pT0[last];
    this.pRead[i] = this.pRead[last];
  }

  private growPending(): void {
    const n = this.pCyl.length * 2;
    const l = new Float64Array(n);
    l.set(this.pLba);
    this.pLba = l;
    const c = new Float64Array(n);
    c.set(this.pCyl);
    this.pCyl = c;
    const a = new Float64Array(n);
    a.set(this.pAngle);
    this.pAngle = a;
    const z = new Int32Array(n);
    z.set(this.pZone);
    this.pZone = z;
    const t = new Float64Array(n);
    t.set(this.pT0);
    this.pT0 = t;
    const r = new Uint8Array(n);
    r.set(this.pRead);
    this.pRead = r;
  }
}

function onDone(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as Hdd).finish(io);
}
