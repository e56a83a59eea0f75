import type { Simulation } from "@vmlab/core-vm";
import { sharedKind } from "../iostack/event-kinds.js";
import type { IoPool, StackIo } from "../iostack/stack-io.js";
import type { Hdd } from "./hdd.js";
import type { HddWriteBuffer } from "./hdd-write-buffer.js";

/**
 * A disk's write cache at work (`HddOptions.writeCache`): writes complete once their data is in the buffer and the
 * drive's own write-backs put it on the media later; writes wait for room, writes too large for the buffer for older
 * buffered data of their sectors to be written back, and flushes for the write-backs queued before them.
 * `HddWriteBuffer` says what the buffer holds; this decides when a write goes in (`Hdd.buffer` puts it there). The
 * `Hdd` keeps the mechanism, the interface and the counters: it dispatches after a write-back ends or room frees, then
 * asks `wakeForRoom` (a write-back the dispatch starts frees room as it is written).
 */
export class HddWriteCache {
  /** Room in the write buffer for the oldest waiting write (its handler calls `Hdd.roomFreed`). */
  private readonly kindRoom: number;
  /** When the pending room event (`kindRoom`) fires (+∞ when none is pending). */
  private roomWakeAt = Number.POSITIVE_INFINITY;
  /**
   * Writes too large for the write cache, which go to the media, waiting for older buffered data of their
   * sectors to be written back first (arrival order; each with the write-back number it waits up to in `b`
   * and when the controller processed it in `a`).
   */
  private readonly afterWriteBacks: StackIo[] = [];

  constructor(
    private readonly drive: Hdd,
    private readonly sim: Simulation,
    /** The drive's pool, which its write-backs go back to. */
    private readonly pool: IoPool,
    /** What the buffer holds. */
    private readonly buffer: HddWriteBuffer,
    private readonly kindFlushDone: number,
  ) {
    this.kindRoom = sharedKind(sim, "storage.hdd.room", onRoom);
  }

  /** A write that fits the buffer, processed by the controller at `processed`: it completes from the buffer, or waits for room. */
  take(io: StackIo, processed: number): void {
    const wb = this.buffer;
    if (wb.waiting.length === 0 && wb.hasRoom(io, this.sim.now)) this.drive.buffer(wb, io, processed);
    else {
      // Its data crosses once there is room; t0 from now on: when the controller has processed it.
      io.t0 = processed;
      wb.waiting.push(io);
      this.wakeForRoom();
    }
  }

  /**
   * A write too large for the buffer, processed at `processed`, goes to the media. Buffered data of its sectors from
   * writes that completed before it arrived must reach the media first, or the mechanism (shortest positioning first)
   * could write it over this write's data, and reads after this write completed would be served the older data from
   * the buffer. It waits for those write-backs (a drive might drop the superseded data instead: this only happens for
   * a write larger than the whole write cache over data not yet written back). True if it waits (`writeBackDone`
   * queues it); false if the drive queues it now.
   */
  holdsBack(io: StackIo, processed: number): boolean {
    const wb = this.buffer;
    if (wb.dirty === 0 || !wb.holdsOlder(io.lba, io.sectors, wb.lastNumbered)) return false;
    io.a = processed;
    io.b = wb.lastNumbered;
    this.afterWriteBacks.push(io);
    return true;
  }

  /**
   * A write-back reached the media: its buffer space is free, for writes waiting for it. It had no submitter and no
   * tag. The mechanism is idle: the drive dispatches next.
   */
  writeBackDone(w: StackIo): void {
    const now = this.sim.now;
    const wb = this.buffer;
    wb.done(w);
    this.pool.give(w);
    // Large writes waiting for older data of their sectors to reach the media go to the queue once it has.
    const held = this.afterWriteBacks;
    for (let i = 0; i < held.length; ) {
      const io = held[i];
      if (wb.holdsOlder(io.lba, io.sectors, io.b)) i++;
      else {
        held.splice(i, 1);
        this.drive.enqueue(io, io.a);
      }
    }
    // Flushes complete from their own events: their sinks may submit at once, which must not run inside
    // this handler (the mechanism is idle here until the drive's dispatch after it). A flush is a command: it takes
    // its command overhead (`process`) however soon its write-backs end.
    for (let f = wb.nextFlushDone(); f !== null; f = wb.nextFlushDone())
      this.sim.schedule(Math.max(0, f.t0 - now), this.kindFlushDone, 0, f);
    this.admitWaiting(now);
  }

  /** The room event fired: the write-back being written has freed room for the oldest waiting write. */
  roomFreed(): void {
    this.roomWakeAt = Number.POSITIVE_INFINITY;
    this.admitWaiting(this.sim.now);
  }

  /** Writes waiting for room go in, oldest first, while there is room for the oldest. */
  private admitWaiting(now: number): void {
    const wb = this.buffer;
    const waiting = wb.waiting;
    // Each was processed when it arrived (its `t0` says when): its data crosses now, or once processed.
    for (let io = waiting.peek(); io !== null && wb.hasRoom(io, now); io = waiting.peek()) {
      const w = waiting.shift() as StackIo;
      this.drive.buffer(wb, w, Math.max(now, w.t0));
    }
  }

  /**
   * The oldest waiting write fits once the write-back being written has freed enough of its space (`fitsAt`): an
   * event then lets it in. (Room that only a write-back's end makes lets it in from `writeBackDone`.)
   */
  wakeForRoom(): void {
    const wb = this.buffer;
    const io = wb.waiting.peek();
    if (io === null) return;
    const now = this.sim.now;
    const at = wb.fitsAt(io, now);
    if (at <= now || at === Number.POSITIVE_INFINITY || at >= this.roomWakeAt) return;
    this.roomWakeAt = at;
    // A ns past it: `writtenBy` at the rounded time counts the sectors as written.
    this.sim.schedule(Math.ceil(at - now) + 1, this.kindRoom, 0, this.drive);
  }
}

function onRoom(_num: number, obj: unknown): void {
  (obj as Hdd).roomFreed();
}
