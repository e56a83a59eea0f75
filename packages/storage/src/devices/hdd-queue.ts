import type { StackIo } from "../iostack/stack-io.js";
import type { SeekCurve } from "./seek-curve.js";

/** Step of the seek-reach table (the SPTF search's pruning bound), ns. */
const REACH_STEP_NS = 50_000;

/**
 * How far (ns) a first sector may seem to have passed under the head and still count as reached:
 * the event clock keeps whole ns, so a command that ends at a fractional time completes up to half a
 * ns late, and the next sector on the track then looks just missed — a full revolution lost on
 * every other back-to-back sequential command.
 */
const CLOCK_SLACK_NS = 1;

/**
 * A disk's queue of media commands waiting for the mechanism, with each
 * command's geometry worked out on arrival, and the shortest-positioning-time
 * search over it.
 *
 * Commands sit in numbered slots 0..count−1; removing one moves the last slot
 * into its place. The slot number is the tie-break between commands with
 * equal positioning times (the lower wins) and the order in which the disk
 * re-checks queued reads against its cache, so it is kept exactly. Beside the
 * slots, `order` lists the slots by cylinder: the search walks outward from
 * the head and stops at the first command farther than the seek reach of the
 * best positioning time so far (a table over-estimate: such a command's seek
 * alone is longer), instead of scanning the whole queue.
 *
 * The slot arrays are read by the disk; only this class writes them.
 */
export class HddQueue {
  /** Commands queued. */
  count = 0;
  io: StackIo[] = [];
  lba = new Float64Array(64);
  cyl = new Float64Array(64);
  /** Angle of the first sector, fraction of a revolution. */
  angle = new Float64Array(64);
  zone = new Int32Array(64);
  /** Arrival time. */
  t0 = new Float64Array(64);
  /** The earliest the command could start positioning: once the drive has processed it (a write-back: once its data is in). */
  ready = new Float64Array(64);
  /** 1 for a read, 0 for a write. */
  read = new Uint8Array(64);
  /** When a host write's data has crossed the interface (booked when it was queued); 0 for other commands. */
  dataAt = new Float64Array(64);
  /** Slots sorted by cylinder (ties in any order), each slot's position in it, and the cylinders in that order. */
  private order = new Int32Array(64);
  private rank = new Int32Array(64);
  private orderCyl = new Float64Array(64);
  /** Where in `order` the last removed command was (mostly the one just served: the head is still near it), so the next search starts there. */
  private hint = 0;
  /**
   * Smallest arrival time among queued commands (+∞ when none), kept so the starvation check needs
   * no scan; stale once the command holding it left (recomputed when next asked for).
   */
  private oldestT0 = Number.POSITIVE_INFINITY;
  private oldestStale = false;
  /** The read then the write seek curve's a, b, c, e, knee (`SeekCurve.timeNs` without choosing an object). */
  private readonly seekParams: Float64Array;
  /** `seekReachNs` by multiples of `REACH_STEP_NS`. */
  private readonly reachTable: Float64Array;
  /** Positioning time of the command `shortestPositioning` chose. */
  chosenPos = 0;
  /** −CLOCK_SLACK_NS as a fraction of a revolution: a rotational wait below it is a sector just missed. */
  private readonly missedBelow: number;

  constructor(
    readSeek: SeekCurve,
    writeSeek: SeekCurve,
    private readonly revolutionNs: number,
    private readonly commandOverheadNs: number,
  ) {
    const { a: ra, b: rb, c: rc, e: re, knee: rk } = readSeek;
    const { a: wa, b: wb, c: wc, e: we, knee: wk } = writeSeek;
    this.seekParams = Float64Array.of(ra, rb, rc, re, rk, wa, wb, wc, we, wk);
    this.missedBelow = -CLOCK_SLACK_NS / revolutionNs;
    // Up to one full-stroke seek plus a revolution; beyond that nothing is pruned.
    const cylinders = readSeek.cylinders;
    const span = Math.max(readSeek.timeNs(cylinders), writeSeek.timeNs(cylinders));
    this.reachTable = new Float64Array(Math.ceil((span + revolutionNs) / REACH_STEP_NS) + 1);
    for (let k = 0; k < this.reachTable.length; k++) {
      const r = readSeek.maxDistanceWithinNs(k * REACH_STEP_NS);
      const w = writeSeek.maxDistanceWithinNs(k * REACH_STEP_NS);
      this.reachTable[k] = Math.max(r, w) + 1; // +1 cylinder absorbs rounding in the inverse
    }
  }

  /**
   * Queues `io` (arrived at `io.t0`), whose first sector is at cylinder `cyl`, angle `angle`, in zone `zone`;
   * it can start positioning from `ready` (by default `io.t0` + the command overhead); a host write's data has crossed
   * the interface by `dataAt`.
   */
  add(io: StackIo, cyl: number, angle: number, zone: number, ready = io.t0 + this.commandOverheadNs, dataAt = 0): void {
    if (this.count === this.cyl.length) this.grow();
    const s = this.count++;
    this.io[s] = io;
    this.lba[s] = io.lba;
    this.zone[s] = zone;
    this.cyl[s] = cyl;
    this.angle[s] = angle;
    this.t0[s] = io.t0;
    this.ready[s] = ready;
    this.read[s] = io.isRead ? 1 : 0;
    this.dataAt[s] = dataAt;
    if (io.t0 < this.oldestT0) this.oldestT0 = io.t0;
    // Insertion into the cylinder order, from its far end.
    const order = this.order;
    const rank = this.rank;
    const orderCyl = this.orderCyl;
    let k = s;
    while (k > 0 && orderCyl[k - 1] > cyl) {
      const moved = order[k - 1];
      order[k] = moved;
      orderCyl[k] = orderCyl[k - 1];
      rank[moved] = k;
      k--;
    }
    order[k] = s;
    orderCyl[k] = cyl;
    rank[s] = k;
  }

  /** Removes slot `s`; the last slot moves into it. */
  remove(s: number): void {
    if (this.t0[s] === this.oldestT0) this.oldestStale = true;
    const last = --this.count;
    const order = this.order;
    const rank = this.rank;
    const orderCyl = this.orderCyl;
    this.hint = rank[s];
    for (let k = rank[s]; k < last; k++) {
      const moved = order[k + 1];
      order[k] = moved;
      orderCyl[k] = orderCyl[k + 1];
      rank[moved] = k;
    }
    if (s === last) return;
    this.io[s] = this.io[last];
    this.lba[s] = this.lba[last];
    this.cyl[s] = this.cyl[last];
    this.angle[s] = this.angle[last];
    this.zone[s] = this.zone[last];
    this.t0[s] = this.t0[last];
    this.ready[s] = this.ready[last];
    this.read[s] = this.read[last];
    this.dataAt[s] = this.dataAt[last];
    const k = rank[last];
    order[k] = s;
    rank[s] = k;
  }

  /** Smallest arrival time among queued commands (+∞ when none). */
  oldestArrival(): number {
    if (this.oldestStale) {
      let t = Number.POSITIVE_INFINITY;
      for (let s = 0; s < this.count; s++) if (this.t0[s] < t) t = this.t0[s];
      this.oldestT0 = t;
      this.oldestStale = false;
    }
    return this.oldestT0;
  }

  /** The lowest slot among the commands that arrived first. */
  oldestSlot(): number {
    let oldest = 0;
    for (let s = 1; s < this.count; s++) if (this.t0[s] < this.t0[oldest]) oldest = s;
    return oldest;
  }

  /**
   * The queued command with the shortest positioning time from `start` with the head at cylinder
   * `head`, having transferred up to sector `headLba` (exclusive; −1 if not known), the lowest slot
   * among equal times; its time is left in `chosenPos`. `phase` is `start` modulo one revolution.
   * The queue must not be empty.
   *
   * Positioning >= seek, and seek grows with distance: walking outward from the head in order of
   * distance, once the next command is farther than `reach` cylinders neither it nor any command
   * beyond it can beat the best so far (exact: the same command wins as with a full scan). The
   * choice is the least (time, slot) pair, so the order commands are visited in does not matter;
   * nearest first only makes the reach shrink sooner. The one command that needs no seek from another
   * cylinder — the one continuing the head's transfer (`positioning`) — is on the next cylinder at
   * most, within any reach (>= 1).
   */
  shortestPositioning(head: number, headLba: number, start: number, phase: number): number {
    const n = this.count;
    const order = this.order;
    const cyl = this.orderCyl;
    // First position in the order whose cylinder is >= head, stepping from where the last removed command was.
    let lo = Math.min(this.hint, n);
    while (lo > 0 && cyl[lo - 1] >= head) lo--;
    while (lo < n && cyl[lo] < head) lo++;
    let left = lo - 1;
    let right = lo;
    let best = -1;
    let bestPos = Number.POSITIVE_INFINITY;
    let reach = Number.POSITIVE_INFINITY;
    for (let visited = 0; visited < n; visited++) {
      const dl = left >= 0 ? head - cyl[left] : Number.POSITIVE_INFINITY;
      const dr = right < n ? cyl[right] - head : Number.POSITIVE_INFINITY;
      let s: number;
      if (dl <= dr) {
        if (dl > reach) break;
        s = order[left--];
      } else {
        if (dr > reach) break;
        s = order[right++];
      }
      const p = this.positioningNs(s, head, headLba, start, phase);
      if (p < bestPos || (p === bestPos && s < best)) {
        bestPos = p;
        best = s;
        reach = this.seekReachNs(p);
      }
    }
    this.chosenPos = bestPos;
    return best;
  }

  /**
   * Cylinders beyond which a read or a write seek takes longer than `ns`: an over-estimate read
   * from a table at `REACH_STEP_NS` steps (rounded up, so it never prunes a command that could win).
   */
  seekReachNs(ns: number): number {
    const k = Math.ceil(ns / REACH_STEP_NS);
    return k < this.reachTable.length ? this.reachTable[k] : Number.POSITIVE_INFINITY;
  }

  /**
   * Time from `start` until the command in slot `s` could begin its transfer, the head at
   * cylinder `head`: what is left of its command overhead (the controller processes commands one
   * after another from their arrival, overlapped with the mechanism's current work), the seek, then the rotational wait until its first sector comes under the
   * head. `phase` = start mod one revolution; `headLba` the sector after the last one the head transferred
   * (−1 if not known).
   */
  positioningNs(s: number, head: number, headLba: number, start: number, phase: number): number {
    return this.positioning(this.lba[s], this.cyl[s], this.angle[s], this.ready[s], this.read[s], head, headLba, start, phase);
  }

  /**
   * `positioningNs` for a read not in the queue: its first sector `lba` at cylinder `cyl`, angle `angle`, the drive
   * done processing it at `ready` (the same arithmetic, so a read the disk weighs against its read-ahead stream is
   * timed as the queue would time it).
   */
  readPositioningNs(
    lba: number,
    cyl: number,
    angle: number,
    ready: number,
    head: number,
    headLba: number,
    start: number,
    phase: number,
  ): number {
    return this.positioning(lba, cyl, angle, ready, 1, head, headLba, start, phase);
  }

  /**
   * The positioning time of a command whose first sector `lba` is at cylinder `cyl`, angle `angle`, processed at
   * `ready`, a read (1) or a write (0).
   */
  private positioning(
    lba: number,
    cyl: number,
    angle: number,
    ready: number,
    read: number,
    head: number,
    headLba: number,
    start: number,
    phase: number,
  ): number {
    const rev = this.revolutionNs;
    const delay = Math.max(ready - start, 0);
    // A command starting at the sector after the head's last one continues its transfer: on the next cylinder, the
    // skew puts that sector under the head after the switch, as for one transfer running over the cylinder's end
    // (`HddGeometry.angleOf`: the switch is folded into the sustained rate). Charged a seek, its first sector (angle 0)
    // had just passed: a revolution lost, and with later writes of the stream queued, SPTF served them first and
    // left it until the starvation bound (500 ms).
    const d = lba === headLba ? 0 : cyl - head;
    const seek = this.seekNs(d < 0 ? -d : d, read);
    // Angle when the head arrives, as a fraction of a revolution (offsets are a few revolutions at most).
    let at = phase + delay + seek;
    while (at >= rev) at -= rev;
    // A wait below −CLOCK_SLACK_NS is a sector just missed: one revolution added without a branch.
    // A wait in [−CLOCK_SLACK_NS, 0) is the sector under the head now, its start a rounding error ago:
    // the transfer is timed from that start, so rounding errors do not add up over a stream of commands.
    const wait = angle - at / rev;
    const ahead = wait + +(wait < this.missedBelow);
    return delay + seek + ahead * rev;
  }

  /**
   * `timeNs(d)` of the read (`read` = 1) or the write (0) seek curve, bit for bit: the same
   * operations on the same parameters, picked by offset rather than by a branch between two objects
   * (reads and writes are mixed at random, so that branch is mispredicted often).
   */
  seekNs(d: number, read: number): number {
    if (d <= 0) return 0;
    const p = this.seekParams;
    const o = (read ^ 1) * 5;
    const ms = d <= p[o + 4] ? p[o] + p[o + 1] * Math.sqrt(d) : p[o + 2] + p[o + 3] * d;
    return ms * 1e6;
  }

  private grow(): void {
    const n = this.cyl.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.lba = f64(this.lba);
    this.cyl = f64(this.cyl);
    this.angle = f64(this.angle);
    this.t0 = f64(this.t0);
    this.ready = f64(this.ready);
    this.dataAt = f64(this.dataAt);
    this.zone = i32(this.zone);
    this.order = i32(this.order);
    this.rank = i32(this.rank);
    this.orderCyl = f64(this.orderCyl);
    const r = new Uint8Array(n);
    r.set(this.read);
    this.read = r;
  }
}
