import { describeIssues, type Simulation } from "@vmlab/core-vm";
import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { fitsTarget, type IoRequest, misfitText, SECTOR_BYTES } from "../io.js";
import { sharedKind } from "../iostack/event-kinds.js";
import { IoPool, type StackIo } from "../iostack/stack-io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { BusyTimeline } from "./busy-timeline.js";
import { DriveInterface } from "./drive-interface.js";
import { FtlStateSchema, PageFtl } from "./ftl.js";
import { GENERIC_MLC_SSD, type SsdSpec } from "./ssd-spec.js";
import { MAX_DEVICE_STEP_NS, MIN_RATE_MBPS } from "./step-limit.js";

const time = z.number().nonnegative();
/**
 * When a die or channel is next free: a virtual time the simulation can reach (2^53 ns). Beyond it the
 * next IO on that die threw VMLAB_SIM_BAD_DELAY from the event queue, far from the restore that let it in.
 */
const bookedUntil = time.max(Number.MAX_SAFE_INTEGER);

/** An SSD's saved state (taken when no IO is in flight). */
export const SsdStateSchema = z.object({
  version: z.literal(1),
  /**
   * The drive's model (`SsdSpec.model`), refused by a drive of another, as a disk's state is. Absent in states saved
   * before it was recorded: those restore unchecked, as they always did.
   */
  model: z.string().optional(),
  /**
   * The flash page size, bytes: the FTL maps logical pages, so with another page size every mapping would stand
   * for other sectors. Absent in states saved before it was recorded: those restore unchecked, as they always did.
   */
  pageBytes: z.number().int().positive().optional(),
  ftl: FtlStateSchema,
  /** When each die is next free, and each channel's last booking ends (virtual ns). */
  dieFree: z.array(bookedUntil),
  chanFree: z.array(bookedUntil),
  nextDie: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  gcNs: time,
  /**
   * Sectors the host has written (`writeAmplification`'s denominator). Absent in states saved before it was
   * recorded: those restore as if every host page programmed had been a whole page's writes.
   */
  hostSectorsWritten: z.number().int().nonnegative().optional(),
});
/** An `Ssd`'s saved state (when idle): its model, page size, FTL and counters. */
export type SsdState = z.infer<typeof SsdStateSchema>;

/**
 * A flash SSD: `channels × diesPerChannel` dies working in parallel behind a
 * page-mapped FTL. Each page operation is placed on its die's timeline (first
 * come, first served) and its channel's (`BusyTimeline`: the first idle gap
 * long enough, so the channel does not sit idle while a die has data ready):
 * a read holds the die for tR then until its page has crossed the channel; a
 * write crosses the channel, then holds the die for tPROG. Writes are striped over dies round-robin. When a die runs low on
 * free blocks, garbage collection runs in the foreground on that die (valid
 * pages copied back inside the die, then tBERS), which is what makes
 * sustained random writes fall off a cliff once the spare area is used up.
 * A write touching part of a page programs the whole page (the
 * read-modify-write's read is not charged: an assumption).
 * In front of the flash: one controller, which takes each command's
 * `commandOverheadNs` one after another in arrival order, and the host
 * interface (`busMBps`), which every page's worth of a command's data crosses
 * in its first idle gap (`BusyTimeline`) — a read's page once it is off the
 * channel (a page never written: once the command is processed), a write's
 * page before it goes down its channel.
 */
export class Ssd implements BlockTarget {
  readonly capacitySectors: number;
  /** No head to move: a RAID mirror over SSDs reads from the least busy copy. */
  readonly nonRotational = true;
  readonly ftl: PageFtl;
  private readonly sectorsPerPage: number;
  private readonly dieFree: Float64Array;
  private readonly channelTimes: BusyTimeline[];
  private readonly xferNs: number;
  /** The host interface: each page's worth of data crosses it in the first idle gap from when it is ready. */
  private readonly link: DriveInterface;
  /** When the controller has processed every command taken so far (`commandOverheadNs` each, in arrival order). */
  private controllerFreeAt = 0;
  private nextDie = 0;
  private readonly pool: IoPool;
  private readonly kindDone: number;
  completed = 0;
  /** Time dies spent in GC (ns), summed over dies. */
  gcNs = 0;
  /** Sectors the host has written: a write of part of a page still programs the whole page. */
  private hostSectorsWritten = 0;

  constructor(
    private readonly sim: Simulation,
    readonly spec: SsdSpec = GENERIC_MLC_SSD,
    readonly name = "ssd",
  ) {
    if (!(spec.pageBytes >= SECTOR_BYTES && spec.pageBytes % SECTOR_BYTES === 0))
      throw StorageErrors.badConfig(`ssd ${name}`, `pageBytes must be a multiple of ${SECTOR_BYTES} bytes, got ${spec.pageBytes}`);
    // A channel rate of 0, below 0 or NaN was refused as "channels, dies per channel, pages per block and channel
    // rate must be >= 1", which named no field and a rule it did not apply (0.5 MB/s is a legal rate).
    if (!(spec.channelMBps >= MIN_RATE_MBPS))
      throw StorageErrors.badConfig(
        `ssd ${name}`,
        `channelMBps (the channel rate) must be >= ${MIN_RATE_MBPS} MB/s, got ${spec.channelMBps}`,
      );
    // A fraction of a die or block, or a negative or non-finite time, was accepted and gave wrong timings
    // without a word (a negative tPROG completed writes in the command overhead alone).
    for (const k of ["channels", "diesPerChannel", "pagesPerBlock", "blocksPerDie", "gcFreeBlocks"] as const)
      if (!(Number.isInteger(spec[k]) && spec[k] >= 1))
        throw StorageErrors.badConfig(`ssd ${name}`, `${k} must be a whole number >= 1, got ${spec[k]}`);
    for (const k of ["pageReadNs", "pageProgramNs", "blockEraseNs", "commandOverheadNs"] as const)
      if (!(Number.isFinite(spec[k]) && spec[k] >= 0 && spec[k] <= MAX_DEVICE_STEP_NS))
        throw StorageErrors.badConfig(`ssd ${name}`, `${k} must be a time from 0 to 1e9 ns (1 s; in ns: tPROG is ~600000), got ${spec[k]}`);
    if (!Number.isFinite(spec.channelMBps))
      throw StorageErrors.badConfig(`ssd ${name}`, `channelMBps must be finite, got ${spec.channelMBps}`);
    if (!(Number.isFinite(spec.busMBps) && spec.busMBps >= MIN_RATE_MBPS))
      throw StorageErrors.badConfig(
        `ssd ${name}`,
        `busMBps (the host interface rate) must be finite and >= ${MIN_RATE_MBPS} MB/s, got ${spec.busMBps}`,
      );
    this.ftl = new PageFtl(spec, `ssd ${name}`);
    this.sectorsPerPage = spec.pageBytes / SECTOR_BYTES;
    this.capacitySectors = this.ftl.logicalPages * this.sectorsPerPage;
    this.dieFree = new Float64Array(this.ftl.dies);
    this.channelTimes = Array.from({ length: spec.channels }, () => new BusyTimeline());
    this.xferNs = (spec.pageBytes / (spec.channelMBps * 1e6)) * 1e9;
    this.link = new DriveInterface(spec.busMBps);
    this.pool = new IoPool(this);
    this.kindDone = sharedKind(sim, "storage.ssd.done", onDone);
  }

  /**
   * Bytes programmed into flash (host pages and GC copies) over bytes the host wrote. Counted in pages over
   * host pages, a 512-byte write on 4 KiB pages (which programs the whole page) weighed as much as a 4 KiB
   * one, and a 4 KiB write straddling two pages as one page: amplification 1 for what programs 8× or 2× the data.
   */
  get writeAmplification(): number {
    const f = this.ftl;
    return f.hostWrites === 0 ? 1 : ((f.hostWrites + f.gcCopies) * this.sectorsPerPage) / this.hostSectorsWritten;
  }

  /** The simulation it runs on (`BlockTarget.simulation`). */
  get simulation(): Simulation {
    return this.sim;
  }

  submit(req: IoRequest, sink: IoSink): void {
    if (!fitsTarget(req, this.capacitySectors))
      throw StorageErrors.badConfig(`ssd ${this.name}`, misfitText(req, "the SSD", this.capacitySectors));
    const now = this.sim.now;
    const t = Math.max(now, this.controllerFreeAt) + this.spec.commandOverheadNs;
    this.controllerFreeAt = t;
    if (!req.isRead) this.hostSectorsWritten += req.sectors;
    const spp = this.sectorsPerPage;
    const first = Math.floor(req.lba / spp);
    const last = Math.floor((req.lba + req.sectors - 1) / spp);
    const end = req.lba + req.sectors;
    let done = t;
    for (let lp = first; lp <= last; lp++) {
      // The command's sectors in this page: what crosses the host interface for it.
      const sectors = Math.min(end, (lp + 1) * spp) - Math.max(req.lba, lp * spp);
      const pageDone = req.isRead
        ? this.link.transfer(now, this.readPage(lp, t, now), sectors)
        : this.writePage(lp, t, this.link.transfer(now, t, sectors), now);
      if (pageDone > done) done = pageDone;
    }
    const io = this.pool.take(req, sink);
    // Virtual time is whole ns and transfers end at fractions of one: the command completes at the first whole
    // ns its work is over by (rounded to the nearest, a read could complete a third of a ns before its data had
    // crossed the interface, and a state saved then was not idle, so a restore — every resource free — was not exact).
    this.sim.schedule(Math.ceil(done) - now, this.kindDone, 0, io);
  }

  private readPage(lp: number, t: number, now: number): number {
    const pp = this.ftl.lookup(lp);
    if (pp < 0) return t; // never written: the FTL answers zeros without touching flash
    const die = this.ftl.dieOf(pp);
    const ch = die % this.spec.channels;
    const rEnd = Math.max(t, this.dieFree[die]) + this.spec.pageReadNs;
    const xEnd = this.channelTimes[ch].book(now, rEnd, this.xferNs);
    this.dieFree[die] = xEnd;
    return xEnd;
  }

  /** Programs logical page `lp` of a command processed at `t` whose data for it is in the controller at `dataIn`. */
  private writePage(lp: number, t: number, dataIn: number, now: number): number {
    // Round-robin over the dies, passing over a die already holding its share of the data (else
    // write-once pages pile up on some dies until their GC finds nothing to free).
    let die = this.nextDie;
    while (!this.ftl.hasRoom(die, lp)) die = (die + 1) % this.ftl.dies;
    this.nextDie = (die + 1) % this.ftl.dies;
    const ch = die % this.spec.channels;
    const s = this.spec;
    // Foreground GC on this die before it takes the page.
    while (this.ftl.needsGc(die)) {
      const copied = this.ftl.collect(die);
      if (copied < 0) break;
      const gc = copied * (s.pageReadNs + s.pageProgramNs) + s.blockEraseNs;
      this.dieFree[die] = Math.max(t, this.dieFree[die]) + gc;
      this.gcNs += gc;
    }
    this.ftl.write(lp, die);
    const xEnd = this.channelTimes[ch].book(now, dataIn, this.xferNs);
    const pEnd = Math.max(xEnd, this.dieFree[die]) + s.pageProgramNs;
    this.dieFree[die] = pEnd;
    return pEnd;
  }

  /** Saves the drive (a preconditioned SSD can be restored instead of filled again). No IO may be in flight. */
  save(): SsdState {
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent(`ssd ${this.name}`, this.pool.inUse);
    return {
      version: 1,
      model: this.spec.model,
      pageBytes: this.spec.pageBytes,
      ftl: this.ftl.save(),
      dieFree: Array.from(this.dieFree),
      // Nothing is in flight, so every channel booking is over by now: its last end says all.
      chanFree: this.channelTimes.map((c) => c.lastEnd),
      nextDie: this.nextDie,
      completed: this.completed,
      gcNs: this.gcNs,
      hostSectorsWritten: this.hostSectorsWritten,
    };
  }

  /** Restores a saved state; validates it first and changes nothing if it is invalid. */
  restore(state: unknown): void {
    const p = SsdStateSchema.safeParse(state);
    if (!p.success) throw StorageErrors.badState("ssd", describeIssues(p.error));
    const s = p.data;
    // A state from another model with the same dies and pages restored without a word (its FTL fits, its timings
    // and wear are another drive's), where a disk refuses another model's.
    if (s.model !== undefined && s.model !== this.spec.model)
      throw StorageErrors.badState("ssd", `saved from a "${s.model}", this drive is a "${this.spec.model}"`);
    if (s.dieFree.length !== this.dieFree.length || s.chanFree.length !== this.channelTimes.length || s.nextDie >= this.ftl.dies)
      throw StorageErrors.badState("ssd", "die or channel count differs from this SSD's spec");
    if (s.pageBytes !== undefined && s.pageBytes !== this.spec.pageBytes)
      throw StorageErrors.badState(
        "ssd",
        `saved from a drive with ${s.pageBytes}-byte pages, this one has ${this.spec.pageBytes}-byte pages (every logical page would stand for other sectors)`,
      );
    // Each host page programmed carries at least one of the host's sectors and at most a page's worth.
    const pages = s.ftl.hostWrites;
    const hostSectors = s.hostSectorsWritten ?? pages * this.sectorsPerPage;
    if (hostSectors < pages || hostSectors > pages * this.sectorsPerPage)
      throw StorageErrors.badState(
        "ssd",
        `${hostSectors} host sectors written cannot fill ${pages} host pages programmed (1 to ${this.sectorsPerPage} sectors each)`,
      );
    if (this.pool.inUse > 0) throw StorageErrors.notQuiescent(`ssd ${this.name}`, this.pool.inUse, "restore");
    this.ftl.restore(s.ftl);
    // Nothing was in flight when the state was saved, so every die and channel was free by then; restored into
    // a simulation at an earlier time (a preconditioned drive in a new one, at 0), the saved times are the old
    // simulation's, and kept as they were they held every die busy until then (seconds for the first read).
    const now = this.sim.now;
    for (const [i, t] of s.dieFree.entries()) this.dieFree[i] = Math.min(t, now);
    for (const [i, t] of s.chanFree.entries()) this.channelTimes[i].reset(Math.min(t, now));
    this.nextDie = s.nextDie;
    this.completed = s.completed;
    this.gcNs = s.gcNs;
    this.hostSectorsWritten = hostSectors;
    // Nothing was in flight when the state was saved: the controller and the host interface were done with
    // every command by then (each command completes after both), so neither holds anything past that time.
    this.link.reset(0);
    this.controllerFreeAt = 0;
  }

  /** @internal */
  finish(io: StackIo): void {
    this.completed++;
    this.pool.complete(io);
  }
}

function onDone(_num: number, obj: unknown): void {
  const io = obj as StackIo;
  (io.owner as Ssd).finish(io);
}
