import { StorageErrors } from "../errors.js";
import { checkHddCacheState, type HddCacheState } from "./hdd-cache-state.js";
import type { HddGeometry } from "./hdd-geometry.js";
import { RecencyList } from "./recency-list.js";

// The cache's saved state is declared beside its checks; `HddCache`'s module exports it as it always has.
export { type HddCacheState, HddCacheStateSchema } from "./hdd-cache-state.js";

/**
 * The drive's segmented read cache with read-ahead. After a media read the
 * head keeps reading the following sectors into the segment ("read-ahead")
 * until another command needs the mechanism. A read that falls in a
 * segment is served from the buffer without a seek; a read that falls in
 * the part of the active read-ahead not yet read waits until the head gets
 * there — which is what lets a sequential stream run at the media rate.
 * While the host keeps consuming the stream, the read-ahead window slides
 * forward (adaptive read-ahead); a read whose first sectors are in the segment
 * and that runs past the window joins the stream (the head reads the rest). A
 * head that has read the whole window stops there: a read starting past it is a
 * miss, and a hit that slides the window on, or a read from the segment or its
 * end that runs past it, has the head read on from where it stopped once that
 * sector comes round again.
 *
 * Availability of read-ahead data is computed from the stream's start time
 * and the zone's sector time, so no events are needed.
 */
export class HddCache {
  private readonly segStart: Float64Array;
  private readonly segEnd: Float64Array;
  private readonly segUse: Float64Array;
  private useClock = 0;
  /** Segments by `segUse`: the read-ahead's victim is the first, found without a scan. */
  private readonly lru: RecencyList;
  /** Active read-ahead segment, or -1. */
  private ra = -1;
  /**
   * The segment of the stream `stopReadAhead` stopped last (-1 once a new one starts): the head may still be reading the
   * sectors promised to a waiting hit into it, at the stream's times (`raBaseLba`, `raBaseTime`, `raSectorNs`).
   */
  private filling = -1;
  /** LBA whose read completes at `raBaseTime + raSectorNs` (the first sector read ahead). */
  private raBaseLba = 0;
  private raBaseTime = 0;
  private raSectorNs = 0;
  /** Exclusive end of the planned read-ahead. */
  private raLimit = 0;
  /** Exclusive end of what waiting hits were promised (the head must read that far before it may leave). */
  private raPromised = 0;
  /** Exclusive end LBA the stream may not pass (end of zone or disk). */
  private raBound = 0;
  hits = 0;
  misses = 0;
  /** How far a stream may run ahead of its oldest buffered sector: half the cache. */
  private readonly streamReach: number;

  constructor(
    readonly segments: number,
    readonly segmentSectors: number,
    readonly readAheadSectors: number,
    /**
     * One revolution of the platter (ns): how long a stopped head waits for the next sector to come round again.
     * Required: with none, a head that stopped reading ahead would read on at once, as no disk can.
     */
    readonly revolutionNs: number,
    /** Sectors the head reads ahead after a media read continuing a run before another command may take it (`HddSpec.minPrefetchSectors`). */
    readonly minPrefetchSectors = 0,
  ) {
    if (!(Number.isFinite(revolutionNs) && revolutionNs > 0))
      throw StorageErrors.badConfig("hdd cache", `revolutionNs must be a finite number of ns > 0, got ${revolutionNs}`);
    this.segStart = new Float64Array(Math.max(1, segments));
    this.segEnd = new Float64Array(Math.max(1, segments));
    this.segUse = new Float64Array(Math.max(1, segments));
    this.lru = new RecencyList(segments);
    this.lru.rebuild(this.segUse);
    this.streamReach = Math.max(segmentSectors, Math.floor((segments * segmentSectors) / 2));
  }

  /**
   * Time (ns, >= now) at which [lba, lba+n) can be returned from the buffer,
   * or -1 on a miss. A hit in the unread part of the read-ahead is promised:
   * the head will not leave before reading it.
   */
  lookupRead(lba: number, n: number, now: number, processed = now): number {
    const end = lba + n;
    const ra = this.ra;
    // A read starting at most one read-ahead past the window continues the stream: the head keeps
    // reading through (sequential-stream detection: how a drive serves a deep queue of sequential
    // reads at the media rate). Any read that fits the stream's reach (half the cache) joins it; the
    // segment then drops its oldest sectors, as when the window slides below. (Bounding the new end by
    // the segment's start instead broke a stream of reads longer than the read-ahead every half cache:
    // the slide leaves the start exactly one reach behind the window, so the next such read never fit.)
    // A read whose first sectors are already in the segment joins too (the buffer serves them, the head
    // reads the rest): bounded below by the stream's base instead, a read starting a few sectors before a
    // restarted stream's base was a media read, a seek and a rotation slower than one starting at it.
    // Once the head has read the whole window it stops there: a read starting in the segment or at its end
    // has it read on from there once that sector comes round (`resume`), as a hit inside the window does;
    // one starting past it is a miss (joined, it was served as if the head had read on through the idle time).
    // Still reading once the controller has processed this read (`processed`), not only at its arrival: a head that
    // reached the window's end in between has stopped, and only the processed command can have it read on (`resume`).
    let reading = ra >= 0 && this.raBaseTime + (this.raLimit - this.raBaseLba) * this.raSectorNs >= processed;
    const joins =
      ra >= 0 &&
      end > this.raLimit &&
      lba >= this.segStart[ra] &&
      lba <= this.raLimit + (reading ? this.readAheadSectors : 0) &&
      n <= this.streamReach &&
      end <= this.raBound;
    // A read the head has still to read for the stream is served from it only if that is no later than reading it as a
    // media command (`pays`); otherwise the drive drops the prefetch and repositions, as below.
    if (ra >= 0 && lba >= this.segStart[ra] && (joins || end <= this.raLimit) && this.pays(lba, n, now, processed, reading, joins)) {
      if (joins) {
        if (!reading) {
          this.resume(ra, processed);
          reading = true;
        }
        this.raLimit = end;
      }
      this.hits++;
      this.touch(ra);
      if (end > this.raPromised) this.raPromised = end;
      // Slide the window: keep reading ahead of the consumer. A head that has stopped at the window's end reads on
      // from there once the sector comes round again (`resume`): sliding the window as if it had read on through the
      // idle time served sectors it never read.
      const want = Math.min(this.raBound, end + this.readAheadSectors);
      if (want > this.raLimit) {
        if (!reading) this.resume(ra, processed);
        this.raLimit = want;
      }
      if (this.raLimit - this.segStart[ra] > this.streamReach) this.segStart[ra] = this.raLimit - this.streamReach;
      if (lba < this.segStart[ra]) this.segStart[ra] = lba;
      if (this.raLimit - this.segStart[ra] > this.segmentSectors) this.fit(ra);
      // Sectors before the stream's base are in the buffer (a resumed stream's base time is still to come).
      if (end <= this.raBaseLba) return now;
      const ready = this.raBaseTime + (end - this.raBaseLba) * this.raSectorNs;
      return Math.max(ready, now);
    }
    // Non-short-circuit tests (`&`): a random read misses every segment, and one predictable branch
    // per segment beats three unpredictable ones.
    const segStart = this.segStart;
    const segEnd = this.segEnd;
    for (let i = 0; i < this.segments; i++) {
      if (+(i !== ra) & +(lba >= segStart[i]) & +(end <= segEnd[i])) {
        this.hits++;
        this.touch(i);
        // The stopped stream's segment holds sectors its head reads on to for a waiting hit (`stopReadAhead`): a read
        // of them is served as the head reads them (it was served at once, ~4 ms before the head got there).
        if (i === this.filling && end > this.raBaseLba) return Math.max(now, this.raBaseTime + (end - this.raBaseLba) * this.raSectorNs);
        return now;
      }
    }
    this.misses++;
    return -1;
  }

  /**
   * Whether a read of [lba, lba+n) from the stream (joining it if `joins`; the head still `reading` ahead or stopped at
   * the window's end) has its last sector read no later than the same read as a media command would (`mediaEnd`: the
   * head leaving the stream as `stopReadAhead` would at `now`, the command processed at `processed`; with media
   * commands queued, the head reaching the soonest of them, as `dispatch` would). Based on how drives describe
   * prefetch: the Cheetah 15K.5 product manual (§4.5.2 "Prefetch operation") says the drive prefetches only when it
   * senses a prefetch hit is likely and stops when it decides one is not (it ignores mode page 08h's Max Prefetch and
   * Prefetch Ceiling); IBM's Ultrastar manual ends read-ahead when a new command arrives unless it is on the current
   * head and track. So a read the prefetch has still to read waits for it only while that beats repositioning.
   * Without this, any read up to a read-ahead past the window joined it and
   * any read in the window's unread part waited for the head (an 8-sector read ~1,000 sectors on waited 4 ms where a
   * media read took 0.2 ms; random reads at 16 OIO over 200,000 sectors ran at half the IOPS of no read-ahead).
   * Sectors already in the buffer always pay; a read another segment holds whole never waits for the stream.
   */
  private pays(lba: number, n: number, now: number, processed: number, reading: boolean, joins: boolean): boolean {
    const end = lba + n;
    let baseLba = this.raBaseLba;
    let baseTime = this.raBaseTime;
    let pos: number;
    let start = now;
    if (reading) {
      // Where `stopReadAhead(now)` leaves the head, and when it is free.
      pos = baseLba + Math.floor((now - baseTime) / this.raSectorNs);
      if (pos < this.raPromised) pos = this.raPromised;
      if (pos > this.raLimit) pos = this.raLimit;
      if (pos < baseLba) pos = baseLba;
      if (pos > baseLba) start = Math.max(now, baseTime + (pos - baseLba) * this.raSectorNs);
    } else {
      // Stopped at the window's end, all of it read: a hit inside it is in the buffer; a join reads on once the head's
      // sector comes round (`resume`).
      if (!joins) return true;
      pos = this.raLimit;
      const stopped = baseTime + (this.raLimit - baseLba) * this.raSectorNs;
      baseTime = stopped + Math.ceil((processed - stopped) / this.revolutionNs) * this.revolutionNs;
      baseLba = this.raLimit;
    }
    if (end <= baseLba) return true;
    const ready = baseTime + (end - baseLba) * this.raSectorNs;
    if (ready <= now) return true;
    // Held whole by another segment (what an earlier stream read): that segment serves it at once, where the stream
    // would have it wait for the head to read it again (a read of 563 sectors 4.3 ms instead of 1.0 ms).
    const segStart = this.segStart;
    const segEnd = this.segEnd;
    for (let i = 0; i < this.segments; i++) if (i !== this.ra && lba >= segStart[i] && end <= segEnd[i]) return false;
    const media = this.mediaEnd;
    if (media === null) return true;
    // Ties (and the event clock's rounding) go to the stream: a sequential read is the same read either way.
    return ready <= media(lba, n, pos, start, processed) + 1;
  }

  /**
   * Set by the disk: when a media read of [lba, lba+n) would have its last sector read, the head having read up to
   * `headLba` (exclusive) and free from `start`, the command processed at `processed`. Null: every stream hit pays.
   */
  mediaEnd: ((lba: number, n: number, headLba: number, start: number, processed: number) => number) | null = null;

  /**
   * The head stopped at the end of the read-ahead window (`raLimit`, read by then) and has stayed there (nothing has
   * used the mechanism since): it reads on from `raLimit` when that sector next passes under it after `from` (when
   * the controller has processed the command that restarts it: the firmware cannot restart the head before), a whole
   * number of revolutions after it stopped. The stream restarts there: what was read is the segment's, and nothing before the
   * new base is left to read.
   */
  private resume(ra: number, from: number): void {
    const stopped = this.raBaseTime + (this.raLimit - this.raBaseLba) * this.raSectorNs;
    const rev = this.revolutionNs;
    this.raBaseTime = stopped + Math.ceil((from - stopped) / rev) * rev;
    this.raBaseLba = this.raLimit;
    this.segEnd[ra] = this.raLimit;
    if (this.raPromised < this.raLimit) this.raPromised = this.raLimit;
  }

  /**
   * The earliest the data of a stream hit [lba, lba+n), which `lookupRead` just answered at `now` with `ready`
   * (> now: the head still reads some of it), may start crossing the interface at `busSectorNs` a sector: the
   * transfer overlaps the reading, as a media read's does, but no sector starts crossing before the head has read
   * it. Sector `lba + j` not read by `now` is read at `raBaseTime + (lba + j + 1 - raBaseLba) * raSectorNs`; a
   * start (>= now) that has it cross at `start + j * busSectorNs` is bounded by the first such sector (an interface
   * slower than the media) or the last (a faster one).
   */
  transferStart(lba: number, n: number, ready: number, busSectorNs: number, now: number): number {
    const read = now > this.raBaseTime ? Math.floor((now - this.raBaseTime) / this.raSectorNs) : 0;
    const unread = this.raBaseLba + read;
    const j0 = unread > lba ? Math.min(unread - lba, n - 1) : 0;
    const first = this.raBaseTime + (lba + j0 + 1 - this.raBaseLba) * this.raSectorNs - j0 * busSectorNs;
    const last = ready - (n - 1) * busSectorNs;
    // Sectors read by `now` are in the buffer: any start from `now` on lets them cross.
    return Math.max(now, first, last);
  }

  /**
   * Keeps the segments together within the cache (`segments` × `segmentSectors`) after segment `keep` grew: a stream's
   * segment may hold more than a segment (up to its reach, half the cache), taking the room of the least recently used
   * other segments, which give up their data. (Each kept its own: after an 8 MiB stream, 15 segments of 1 MiB and the
   * stream's 7.75 MiB, 22.75 MiB in a 16 MB cache.) The stream's segment takes at least a whole segment: its window.
   */
  private fit(keep: number): void {
    const n = this.segments;
    const seg = this.segmentSectors;
    let total = 0;
    for (let i = 0; i < n; i++) total += this.held(i);
    while (total > n * seg) {
      let victim = -1;
      for (let i = 0; i < n; i++) if (i !== keep && this.held(i) > 0 && (victim < 0 || this.segUse[i] < this.segUse[victim])) victim = i;
      if (victim < 0) break;
      total -= this.held(victim);
      this.segStart[victim] = this.segEnd[victim]; // emptied, it keeps where its run ended (`continuesRun`)
    }
    this.noteOversized();
  }

  /** Sets `oversized` from the segments as they are now. */
  private noteOversized(): void {
    this.oversized = false;
    for (let i = 0; i < this.segments; i++) if (this.held(i) > this.segmentSectors) this.oversized = true;
  }

  /** Sectors segment `i` takes in the cache: the stream's its planned window too, and at least a segment. */
  private held(i: number): number {
    if (i === this.ra) return Math.max(this.segmentSectors, this.raLimit - this.segStart[i]);
    return Math.max(0, this.segEnd[i] - this.segStart[i]);
  }

  /** Whether a segment may hold more than `segmentSectors` (a stream's grew past it): only then can a new one not fit. */
  private oversized = false;

  /** Marks segment `seg` most recently used. */
  private touch(seg: number): void {
    this.segUse[seg] = ++this.useClock;
    this.lru.restamped(seg, this.segUse);
  }

  /**
   * Like `lookupRead` but only for the active read-ahead stream: a queued read, already counted as a
   * miss when the drive took it, re-checked when a stream starts. A re-check is not a new read: a
   * miss stays one miss, and a hit turns that miss into a hit.
   */
  lookupReadQuiet(lba: number, n: number, now: number, processed = now): number {
    // From the segment's start: a queued read of sectors the stream's media read brought in (the same read twice,
    // queued together) was left a media read a revolution later, as the head had just passed them.
    if (this.ra < 0 || lba < this.segStart[this.ra] || lba > this.raLimit + this.readAheadSectors) return -1;
    const ready = this.lookupRead(lba, n, now, processed);
    this.misses--;
    return ready;
  }

  /** First LBA `lookupReadQuiet` can hit (+∞ without a stream): lets the disk skip far commands cheaply. */
  get streamFromLba(): number {
    return this.ra < 0 ? Number.POSITIVE_INFINITY : this.segStart[this.ra];
  }

  /** Last LBA `lookupReadQuiet` can hit. */
  get streamToLba(): number {
    return this.raLimit + this.readAheadSectors;
  }

  save(): HddCacheState {
    return {
      version: 1,
      segStart: Array.from(this.segStart),
      segEnd: Array.from(this.segEnd),
      segUse: Array.from(this.segUse),
      useClock: this.useClock,
      ra: this.ra,
      raBaseLba: this.raBaseLba,
      raBaseTime: this.raBaseTime,
      raSectorNs: this.raSectorNs,
      raLimit: this.raLimit,
      raPromised: this.raPromised,
      raBound: this.raBound,
      freeAt: this.freeAt,
      hits: this.hits,
      misses: this.misses,
    };
  }

  /**
   * Restores a saved state; validates it first — against the zones and size of the disk it caches, a running read-ahead
   * as one the drive can run (`checkHddCacheState`) — and changes nothing if it is invalid.
   */
  restore(
    state: unknown,
    drive: HddGeometry,
    capacitySectors: number,
    /** The stream's base time in this simulation, when the state's counts from the save's revolution (`HddState.cacheTimesFromRevolution`). */
    baseTime?: number,
  ): void {
    const s = checkHddCacheState(state, this.segStart.length, drive, capacitySectors, baseTime);
    this.segStart.set(s.segStart);
    this.segEnd.set(s.segEnd);
    this.segUse.set(s.segUse);
    this.useClock = s.useClock;
    this.lru.rebuild(this.segUse);
    this.ra = s.ra;
    // Saved idle: the media command that stopped a stream ended after its promised sectors were read.
    this.filling = -1;
    this.raBaseLba = s.raBaseLba;
    this.raBaseTime = s.raBaseTime;
    this.raSectorNs = s.raSectorNs;
    this.raLimit = s.raLimit;
    this.raPromised = s.raPromised;
    this.raBound = s.raBound;
    this.freeAt = s.freeAt;
    this.hits = s.hits;
    this.misses = s.misses;
    this.noteOversized();
  }

  /** A write to [lba, lba+n): drop overlapping cached data. */
  invalidate(lba: number, n: number): void {
    const end = lba + n;
    const ra = this.ra;
    const segStart = this.segStart;
    const segEnd = this.segEnd;
    for (let i = 0; i < this.segments; i++) {
      // Non-short-circuit (`&`), as in `lookupRead`: writes rarely overlap a segment.
      // Emptied, a segment keeps where its run ended (`continuesRun`).
      if (+(i !== ra) & +(lba < segEnd[i]) & +(end > segStart[i])) segStart[i] = segEnd[i];
    }
  }

  /** True if a read-ahead stream is running. */
  get streaming(): boolean {
    return this.ra >= 0;
  }

  /**
   * Stops the read-ahead because the mechanism is needed at `now`. Returns
   * the LBA the head has reached (the segment keeps what was read), or -1 if
   * no stream was running; `freeAt` then says when the head is free (after
   * promised sectors).
   */
  stopReadAhead(now: number): number {
    const ra = this.ra;
    if (ra < 0) return -1;
    let pos = this.raBaseLba + Math.floor((now - this.raBaseTime) / this.raSectorNs);
    if (pos < this.raPromised) pos = this.raPromised;
    if (pos > this.raLimit) pos = this.raLimit;
    if (pos < this.raBaseLba) pos = this.raBaseLba;
    this.freeAt = this.raBaseTime + (pos - this.raBaseLba) * this.raSectorNs;
    // Nothing read past the base: free now (a resumed stream's base time may still be to come).
    if (this.freeAt < now || pos === this.raBaseLba) this.freeAt = now;
    this.segEnd[ra] = pos;
    this.filling = ra;
    this.ra = -1;
    return pos;
  }

  /**
   * Whether a media read from `lba` continues a run a segment holds (it starts in it or at its end): the drive senses
   * a sequential stream, whose next reads the minimum prefetch will serve (the Cheetah 15K.5 manual: the drive
   * prefetches when it senses a prefetch hit is likely). A random read's prefetch would only delay the next command.
   * An empty segment counts at its end, where its run ended: a read-ahead as large as the segment keeps none of its
   * read's data, and stopped at once it holds nothing; a write or the room for another segment empties one to its end.
   */
  private continuesRun(lba: number): boolean {
    const segStart = this.segStart;
    const segEnd = this.segEnd;
    for (let i = 0; i < this.segments; i++)
      if (segStart[i] <= lba && lba <= segEnd[i] && (segStart[i] < segEnd[i] || this.segUse[i] > 0)) return true;
    return false;
  }

  /** Set by `stopReadAhead`: when the head is free to move. */
  freeAt = 0;

  /**
   * A media read of [lba, lba+n) ended at `endTime`; the head continues
   * reading ahead at `sectorNs` per sector, up to `bound` (end of the zone).
   * With read-ahead off, the least recently used segment keeps the read's data and no stream starts.
   */
  startReadAhead(lba: number, n: number, endTime: number, sectorNs: number, bound: number): void {
    // The head has read what the stopped stream promised (the media read that ended here started after that).
    this.filling = -1;
    if (this.segments === 0 || this.readAheadSectors === 0) {
      // Read-ahead off (prefetch disabled, SCSI DRA) with the read cache on: the segment keeps what the read read, as a
      // drive's cache does (a re-read was a media read, the drive no different from one with its read cache disabled).
      if (this.segments > 0) {
        const seg = this.lru.first;
        this.touch(seg);
        this.segStart[seg] = Math.max(lba, lba + n - this.segmentSectors);
        this.segEnd[seg] = lba + n;
        if (this.oversized) this.fit(seg);
      }
      return;
    }
    // Whether the read continues a run the cache holds, asked before a segment is taken for its stream.
    const continues = this.minPrefetchSectors > 0 && this.continuesRun(lba);
    // Least recently used: the lowest `segUse`, the lowest index among equals.
    const victim = this.lru.first;
    const end = lba + n;
    this.ra = victim;
    this.touch(victim);
    this.raBaseLba = end;
    this.raBaseTime = endTime;
    this.raSectorNs = sectorNs;
    this.raBound = bound;
    this.raLimit = Math.min(bound, end + this.readAheadSectors);
    // The minimum prefetch, after a read that continues a run the cache holds (a sequential stream), is promised as a
    // waiting hit's sectors are: the head reads that far before it may leave.
    this.raPromised = Math.min(this.raLimit, end + (continues ? this.minPrefetchSectors : 0));
    this.segStart[victim] = Math.max(lba, this.raLimit - this.segmentSectors);
    this.segEnd[victim] = end;
    if (this.oversized) this.fit(victim);
  }
}
