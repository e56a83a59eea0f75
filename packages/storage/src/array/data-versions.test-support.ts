import type { IoRequest } from "../io.js";
import type { IoSink } from "../iostack/target.js";
import type { ArrayLun } from "./array-lun.js";
import type { CacheDirectory } from "./cache-directory.js";
import { CLEAN } from "./cache-directory-state.js";
import type { StorageArray } from "./storage-array.js";

/**
 * The cache directory's private parts the oracle reads: which sectors a page holds and its state. The model
 * carries no data, so which version a read or a destage carries follows from what the cache holds, and only the
 * directory knows that; `readHit` would tell validity too, but it refreshes clean pages' recency (it would steer
 * the run). Read-only.
 */
interface CacheInside {
  map: { get(page: number): number };
  valid: Int32Array;
  state: Uint8Array;
}

/** A host command at a LUN, as the oracle follows it. A write's version is its id. */
interface HostIo {
  id: number;
  lba: number;
  sectors: number;
  isRead: boolean;
  /** Read: per sector, the take number of the newest write completed before it was issued (0: none). */
  floor: Int32Array | null;
  /** Read: per sector, the versions its data may be (set once it is served: a hit, or a miss's RAID read landing). */
  served: (readonly number[])[] | null;
  /** Read: a hit or a miss has started it. Write: the cache has taken its data. */
  started: boolean;
}

/** A command at the RAID group. */
interface RaidIo {
  lba: number;
  sectors: number;
  /** Write: the version each sector carries (-1: the sector is written back as read, unchanged). */
  carried: Int32Array | null;
  /** Read (or a RAID-5 destage write that reads its pages' missing sectors): the versions each sector may read. */
  may: Set<number>[] | null;
  /** A host miss: the version of each sector the cache held when it was issued (-1: none). */
  cachedAtIssue: Int32Array | null;
}

/** Version of data the cache took from a read that a write may have raced (no single version). */
const RACED = -2;

/**
 * A data-version oracle for a `StorageArray`. Every host write is a version (its id); the array's order for them
 * is the order its cache takes their data (`CacheDirectory.write` absorbing one, `writeThrough` passing one to
 * the disks): a take number. The oracle follows, by wrapping the array's public targets and the cache's calls:
 *
 * - the version each sector the cache holds carries (a write's, or what the RAID read that brought it in read);
 * - the version each sector of the RAID group (the array's disks, seen through `RaidGroup.submit`) holds once
 *   the writes to it have landed; a destage carries what the cache holds when it is sent;
 * - for each RAID read, the versions it may read: the disks' at issue, or any write of its sectors out meanwhile
 *   (the members reorder what they hold, so either order is possible).
 *
 * A host read returns, per sector, what the cache holds when it is served (a hit; or a miss's sector the cache
 * holds then: a miss of a page held only in part goes to the disks whole, and a controller merges the sectors it
 * holds, which the model, carrying no data, does not) or else what its RAID read may have read. Checks (`problems`): every version a read may return is one allowed for it — not older, in the
 * array's order, than the newest write completed before the read was issued; the cache takes a read's data only
 * when no write raced it and it is the newest; no two writes of the same sectors are at the disks at once (they
 * reorder them). `idleProblems` then checks that every sector's newest version is in the cache (dirty) or on the
 * disks, and that clean cached sectors are the disks'; `durableProblems` that the writes completed before a
 * point are in the battery-backed cache (not clean: the disks may lack a clean page's data) or on the disks.
 *
 * Commands are told apart by id (unique per host command); a cache take is matched to the first host write not
 * yet taken with its sectors (the array takes writes of the same sectors in arrival order).
 */
export class ArrayDataOracle {
  readonly problems: string[] = [];
  /** Host writes and reads by id. */
  private readonly host = new Map<number, HostIo>();
  /** Take number per version (a write's id); version 0, the disks' first data, is 0. */
  private readonly takeOf = new Map<number, number>([[0, 0]]);
  private takes = 0;
  /** Per sector: the version the array took last (its newest). */
  private readonly newest = new Map<number, number>();
  /** Per sector: the take number of the newest write completed to the host. */
  private readonly completedFloor = new Map<number, number>();
  /** Per sector the cache holds: its version. */
  private readonly cached = new Map<number, number>();
  /** Per sector of the disks: the version of the last write landed (absent: 0). */
  private readonly disks = new Map<number, number>();
  private readonly raidOut = new Map<IoRequest, RaidIo>();
  /** The RAID command completing now: a cache fill takes its data. */
  private landing: RaidIo | null = null;
  private readonly inside: CacheInside;
  private readonly ps: number;

  constructor(
    private readonly array: StorageArray,
    luns = 1,
  ) {
    const cache = array.cache as CacheDirectory;
    this.inside = cache as unknown as CacheInside;
    this.ps = cache.pageSectors;
    for (let i = 0; i < luns; i++) this.watchLun(array.lun(i));
    this.watchRaid();
    this.watchCache(cache);
  }

  private problem(what: string): void {
    if (this.problems.length < 20) this.problems.push(what);
  }

  private valid(s: number): boolean {
    const slot = this.inside.map.get(Math.floor(s / this.ps));
    return slot >= 0 && ((this.inside.valid[slot] >>> (s % this.ps)) & 1) === 1;
  }

  /** Whether sector `s` is in the cache and its page is not clean: battery-backed data the disks may lack. */
  private safeInCache(s: number): boolean {
    const slot = this.inside.map.get(Math.floor(s / this.ps));
    return this.valid(s) && this.inside.state[slot] !== CLEAN;
  }

  private take(v: number): number {
    return this.takeOf.get(v) ?? Number.POSITIVE_INFINITY;
  }

  private watchLun(lun: ArrayLun): void {
    const submit = lun.submit.bind(lun);
    const off = lun.offsetSectors;
    lun.submit = (req: IoRequest, sink: IoSink) => {
      const io: HostIo = {
        id: req.id,
        lba: req.lba + off,
        sectors: req.sectors,
        isRead: req.isRead,
        floor: null,
        served: null,
        started: false,
      };
      if (this.host.has(io.id)) throw new Error(`host id ${io.id} used twice`);
      this.host.set(io.id, io);
      if (io.isRead) io.floor = Int32Array.from({ length: io.sectors }, (_, i) => this.completedFloor.get(io.lba + i) ?? 0);
      submit(req, { complete: (r: IoRequest) => this.hostDone(io, r, sink) });
    };
  }

  private hostDone(io: HostIo, r: IoRequest, sink: IoSink): void {
    this.host.delete(io.id);
    if (io.isRead) this.checkRead(io);
    else {
      const t = this.take(io.id);
      if (!io.started) this.problem(`write ${io.id} ${io.lba}+${io.sectors} completed before the cache took its data`);
      for (let s = io.lba; s < io.lba + io.sectors; s++) if (t > (this.completedFloor.get(s) ?? 0)) this.completedFloor.set(s, t);
    }
    sink.complete(r);
  }

  private checkRead(io: HostIo): void {
    const served = io.served;
    const floor = io.floor as Int32Array;
    if (served === null) {
      this.problem(`read ${io.id} ${io.lba}+${io.sectors} completed unserved`);
      return;
    }
    for (let i = 0; i < io.sectors; i++)
      for (const v of served[i])
        if (!(this.take(v) >= floor[i])) {
          const why = v === RACED ? "data a write raced" : `version ${v} (take ${this.take(v)})`;
          this.problem(
            `read ${io.id} ${io.lba}+${io.sectors}: sector ${io.lba + i} may be ${why}, older than take ${floor[i]}, completed before it was issued`,
          );
          return;
        }
  }

  /** The first host command with these sectors and direction not yet started. */
  private firstUnstarted(lba: number, sectors: number, isRead: boolean): HostIo {
    for (const io of this.host.values()) if (!io.started && io.isRead === isRead && io.lba === lba && io.sectors === sectors) return io;
    throw new Error(`no host ${isRead ? "read" : "write"} ${lba}+${sectors} waiting`);
  }

  private watchRaid(): void {
    const raid = this.array.raid;
    const submit = raid.submit.bind(raid);
    raid.submit = (req: IoRequest, sink: IoSink) => {
      const io: RaidIo = { lba: req.lba, sectors: req.sectors, carried: null, may: null, cachedAtIssue: null };
      if (req.isRead) {
        io.may = this.mayRead(req.lba, req.sectors);
        if (req.id >= 0) {
          // A host miss (some sector not cached).
          (this.host.get(req.id) as HostIo).started = true;
          io.cachedAtIssue = Int32Array.from({ length: io.sectors }, (_, i) =>
            this.valid(io.lba + i) ? (this.cached.get(io.lba + i) ?? RACED) : -1,
          );
        }
      } else {
        for (const o of this.raidOut.values())
          if (o.carried !== null && o.lba < io.lba + io.sectors && io.lba < o.lba + o.sectors)
            this.problem(`write ${io.lba}+${io.sectors} sent to the disks while write ${o.lba}+${o.sectors} is at them`);
        // A write-through carries its host write; a destage (id -1) what the cache holds now; a sector it lacks is
        // one a RAID-5 read-modify-write reads as old data and writes back.
        const carried = new Int32Array(io.sectors).fill(req.id);
        if (req.id < 0) {
          let lacks = false;
          for (let i = 0; i < io.sectors; i++) {
            const v = this.valid(io.lba + i) ? this.cached.get(io.lba + i) : undefined;
            carried[i] = v ?? -1;
            lacks ||= v === undefined;
          }
          if (lacks) io.may = this.mayRead(io.lba, io.sectors);
        }
        io.carried = carried;
        // Reads out of these sectors may read this write's data.
        for (const r of this.raidOut.values()) if (r.may !== null) this.mayAlsoRead(r, io);
      }
      this.raidOut.set(req, io);
      submit(req, { complete: (r: IoRequest) => this.raidDone(req, io, r, sink) });
    };
  }

  /** What a RAID read of [lba, +sectors) issued now may read: the disks' versions, or any write's out. */
  private mayRead(lba: number, sectors: number): Set<number>[] {
    const may = Array.from({ length: sectors }, (_, i) => new Set([this.disks.get(lba + i) ?? 0]));
    const r: RaidIo = { lba, sectors, carried: null, may, cachedAtIssue: null };
    for (const w of this.raidOut.values()) if (w.carried !== null) this.mayAlsoRead(r, w);
    return may;
  }

  private mayAlsoRead(r: RaidIo, w: RaidIo): void {
    const may = r.may as Set<number>[];
    const carried = w.carried as Int32Array;
    if (r === w) return;
    for (let s = Math.max(r.lba, w.lba); s < Math.min(r.lba + r.sectors, w.lba + w.sectors); s++) {
      const v = carried[s - w.lba];
      if (v >= 0) may[s - r.lba].add(v);
    }
  }

  private raidDone(req: IoRequest, io: RaidIo, r: IoRequest, sink: IoSink): void {
    this.raidOut.delete(req);
    if (io.carried !== null) for (let i = 0; i < io.sectors; i++) if (io.carried[i] >= 0) this.disks.set(io.lba + i, io.carried[i]);
    if (io.cachedAtIssue !== null) {
      // A host miss: the sectors the cache held when it was issued from there, the rest what the disks may have given.
      const h = this.host.get(req.id) as HostIo;
      const at = io.cachedAtIssue;
      h.served = (io.may as Set<number>[]).map((m, i) => (at[i] === -1 ? [...m] : [at[i]]));
    }
    this.landing = io;
    try {
      sink.complete(r);
    } finally {
      this.landing = null;
    }
  }

  private watchCache(cache: CacheDirectory): void {
    const write = cache.write.bind(cache);
    cache.write = (lba: number, sectors: number) => {
      write(lba, sectors);
      this.took(lba, sectors);
    };
    const writeThrough = cache.writeThrough.bind(cache);
    cache.writeThrough = (lba: number, sectors: number) => {
      const held = writeThrough(lba, sectors);
      this.took(lba, sectors);
      return held;
    };
    const insertClean = cache.insertClean.bind(cache);
    cache.insertClean = (lba: number, sectors: number) => {
      const before = this.validRange(lba, sectors);
      insertClean(lba, sectors);
      this.filledFrom(lba, sectors, before, "a read miss");
    };
    const filled = cache.filled.bind(cache);
    cache.filled = (start: number, pages: number) => {
      const lba = start * this.ps;
      const before = this.validRange(lba, pages * this.ps);
      filled(start, pages);
      this.filledFrom(lba, pages * this.ps, before, "a destage fill");
    };
    const readHit = cache.readHit.bind(cache);
    cache.readHit = (lba: number, sectors: number) => {
      const hit = readHit(lba, sectors);
      if (hit) {
        const h = this.firstUnstarted(lba, sectors, true);
        h.started = true;
        h.served = Array.from({ length: sectors }, (_, i) => [this.cached.get(lba + i) ?? RACED]);
      }
      return hit;
    };
  }

  private validRange(lba: number, sectors: number): boolean[] {
    return Array.from({ length: sectors }, (_, i) => this.valid(lba + i));
  }

  /** The cache took host write data for [lba, +sectors): the array's next version of those sectors. */
  private took(lba: number, sectors: number): void {
    const w = this.firstUnstarted(lba, sectors, false);
    w.started = true;
    this.takeOf.set(w.id, ++this.takes);
    for (let s = lba; s < lba + sectors; s++) this.newest.set(s, w.id);
    this.sweep();
    for (let s = lba; s < lba + sectors; s++) if (this.valid(s)) this.cached.set(s, w.id);
  }

  /** The cache took the sectors it lacked of [lba, +sectors) from the RAID command landing now. */
  private filledFrom(lba: number, sectors: number, before: boolean[], what: string): void {
    this.sweep();
    const from = this.landing;
    for (let i = 0; i < sectors; i++) {
      const s = lba + i;
      if (before[i] || !this.valid(s)) continue;
      const may = from?.may?.[s - from.lba];
      if (may === undefined) {
        this.problem(`${what} cached sector ${s}, which no RAID read landing now read`);
        this.cached.set(s, RACED);
      } else if (may.size !== 1 || !may.has(this.newest.get(s) ?? 0)) {
        this.problem(`${what} cached sector ${s} as versions {${[...may]}}, the newest is ${this.newest.get(s) ?? 0}`);
        this.cached.set(s, RACED);
      } else this.cached.set(s, [...may][0]);
    }
  }

  /** Drops the sectors the cache no longer holds (evicted). */
  private sweep(): void {
    for (const s of this.cached.keys()) if (!this.valid(s)) this.cached.delete(s);
  }

  /** The take number of the newest write completed to the host, per sector: `durableProblems` checks against it. */
  completedNow(): Map<number, number> {
    return new Map(this.completedFloor);
  }

  /** Sectors of writes completed by `completed` (`completedNow`) in neither the battery-backed cache nor on the disks. */
  durableProblems(completed: Map<number, number>, when: string): string[] {
    for (const [s, t] of completed) {
      const inCache = this.safeInCache(s) && this.take(this.cached.get(s) ?? RACED) >= t;
      if (!inCache && !(this.take(this.disks.get(s) ?? 0) >= t))
        return [
          `${when}: sector ${s}'s write of take ${t} completed, but the cache holds ${this.valid(s) ? `version ${this.cached.get(s)} in a clean page` : "nothing"} and the disks version ${this.disks.get(s) ?? 0}`,
        ];
    }
    return [];
  }

  /** Once idle: each sector's newest version is dirty in the cache or on the disks; a clean cached sector is the disks'. */
  idleProblems(): string[] {
    const out: string[] = [];
    if (!this.array.idle || this.raidOut.size > 0 || this.host.size > 0) out.push("not idle");
    for (const [s, v] of this.newest) {
      const disk = this.disks.get(s) ?? 0;
      if (this.safeInCache(s)) {
        if (this.cached.get(s) !== v) out.push(`idle: sector ${s} dirty in the cache at version ${this.cached.get(s)}, the newest is ${v}`);
      } else if (disk !== v) out.push(`idle: sector ${s} on the disks at version ${disk}, the newest is ${v}`);
      if (this.valid(s) && !this.safeInCache(s) && this.cached.get(s) !== disk)
        out.push(`idle: sector ${s} clean in the cache at version ${this.cached.get(s)}, the disks hold ${disk}`);
      if (out.length >= 3) break;
    }
    return out;
  }
}
