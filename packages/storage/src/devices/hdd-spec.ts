import type { SeekFigures } from "./seek-curve.js";

/** A hard disk's figures, as its product manual states them. */
export interface HddSpec {
  /** Product name (cited in reports). */
  model: string;
  /** Formatted capacity, 512-byte sectors. */
  capacitySectors: number;
  rpm: number;
  /** Recording surfaces (heads). */
  heads: number;
  /** Seek figures for reads. */
  readSeek: SeekFigures;
  /** Seek figures for writes (longer settle). */
  writeSeek: SeekFigures;
  /** Sustained media rate at the outer diameter, MB/s (10^6 B). */
  outerMBps: number;
  /** Sustained media rate at the inner diameter, MB/s. */
  innerMBps: number;
  /**
   * Recording zones (constant sectors per track within a zone), their rates spaced linearly from `outerMBps` to
   * `innerMBps`. One zone is a uniform disk at `outerMBps`: `innerMBps` then only has to be no greater.
   */
  zones: number;
  /** Interface rate, MB/s: every command's data crosses the one interface (cache hits, buffered writes, media reads and writes). */
  busMBps: number;
  /** Controller overhead per command, ns. */
  commandOverheadNs: number;
  /** On-drive cache, bytes. */
  cacheBytes: number;
  /**
   * Cache segments: each holds one run of data (what a read or its read-ahead read), replaced least recently used
   * first. One read-ahead runs at a time, and it stops as soon as another command needs the head (once it has read
   * `minPrefetchSectors`, after a read that continues a run); with no minimum (the default), sequential streams
   * interleaved at the drive one command at a time each lose theirs whatever the count.
   */
  cacheSegments: number;
  /**
   * Read-ahead after a media read, sectors (bounded by the segment size). 0: no read-ahead (prefetch disabled), the
   * segments still keeping what reads read; with `cacheSegments` 0 too, the read cache is disabled.
   */
  readAheadSectors: number;
  /**
   * Minimum prefetch, sectors (after SCSI mode page 08h's MINIMUM PRE-FETCH): after a media read that continues a run
   * the cache holds (a sequential stream), the head reads at least this far ahead before it leaves for another
   * command, so each of several interleaved sequential streams finds its next reads in its own segment. Only then: the
   * SCSI field applies it after every read, which costs each random read's successor up to that many sectors' media
   * time, where a drive prefetches when it senses a prefetch hit is likely (the Cheetah 15K.5 manual); an assumption.
   * At most the read-ahead (a larger figure reads the whole read-ahead). 0 or absent (the default): the read-ahead
   * stops as soon as another command needs the head.
   */
  minPrefetchSectors?: number;
  /** Tagged command queue depth the drive accepts (SCSI TCQ / SATA NCQ). */
  queueDepth: number;
  /** Starvation bound of the shortest-positioning-time-first reordering, ns: an older command goes first. */
  maxCommandAgeNs: number;
}

/**
 * Seagate Cheetah 15K.5 (ST3300655SS, 300 GB, SAS), from Seagate's data sheet
 * and product manual (100384784): 15,000 RPM (average latency 2.0 ms);
 * average seek 3.5 ms read / 4.0 ms write; track-to-track 0.2 ms read /
 * 0.4 ms write; sustained transfer 73–125 MB/s; 16 MB cache; 3 Gb/s SAS.
 *
 * Assumptions (not spec-sheet figures; configurable): full-stroke seek
 * 7.4 ms read / 7.9 ms write (recalled from the 15K.4/15K.5 manuals, not
 * verified); 8 heads; 24 zones with a linear rate from outer to inner;
 * 50 µs command overhead; 16 segments of 1 MiB; 512 KiB read-ahead, no
 * minimum prefetch; queue depth 64; 500 ms starvation bound.
 */
export const CHEETAH_15K5: HddSpec = {
  model: "Seagate Cheetah 15K.5 ST3300655SS",
  capacitySectors: 585_937_500,
  rpm: 15_000,
  heads: 8,
  readSeek: { trackToTrackMs: 0.2, averageMs: 3.5, fullStrokeMs: 7.4 },
  writeSeek: { trackToTrackMs: 0.4, averageMs: 4.0, fullStrokeMs: 7.9 },
  outerMBps: 125,
  innerMBps: 73,
  zones: 24,
  busMBps: 300,
  commandOverheadNs: 50_000,
  cacheBytes: 16 * 1024 * 1024,
  cacheSegments: 16,
  readAheadSectors: 1024,
  queueDepth: 64,
  maxCommandAgeNs: 500_000_000,
};
