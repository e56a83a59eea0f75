import { SECTOR_BYTES } from "../io.js";
import { BusyTimeline } from "./busy-timeline.js";

/**
 * A drive's one host interface (its SAS or SATA link): every command's data crosses it at `busMBps`, one
 * transfer after another, each in the first idle gap from when its data is ready (`BusyTimeline`: data ready
 * early does not queue behind a transfer booked before it that starts later), so no mix of commands moves more
 * than the link's rate. `Hdd` and `Ssd` each have one.
 */
export class DriveInterface {
  /** Time one sector's data takes to cross, ns. */
  readonly sectorNs: number;
  private readonly timeline = new BusyTimeline();

  constructor(busMBps: number) {
    this.sectorNs = (SECTOR_BYTES / (busMBps * 1e6)) * 1e9;
  }

  /** Books `sectors` sectors' data (a fraction for part of one) to cross from `earliest` (>= `now`) on; returns when it has crossed. */
  transfer(now: number, earliest: number, sectors: number): number {
    return this.timeline.book(now, earliest, sectors * this.sectorNs);
  }

  /**
   * A media read's data crosses as the head reads it (`mediaStart`..`mediaEnd`): booked as late as it can be,
   * ending with the media transfer. Returns when it has crossed: `mediaEnd`, or later when the interface is busy.
   */
  mediaRead(now: number, mediaStart: number, mediaEnd: number, sectors: number): number {
    const ns = sectors * this.sectorNs;
    return this.timeline.book(now, Math.max(mediaStart, mediaEnd - ns), ns);
  }

  /**
   * When a media write ends: the head writes its `sectors` over `mediaStart`..`mediaEnd`, its data having crossed the
   * interface by `dataAt` (booked with `transfer` when the write was queued, from `dataFrom`, the earliest it could
   * start crossing). Every sector's data must be in the buffer when the head reaches that sector; an idle interface's
   * timing is taken as the drive's overlap of the transfer with its processing of the command (data that would be
   * late even then, the head at the sector as processing ends, holds the end back until it has crossed). Data that
   * other transfers held back later than that makes the head miss its first sector: it writes the whole command when
   * the sector comes round again, whole revolutions (`revolutionNs`) later.
   */
  mediaWrite(dataFrom: number, dataAt: number, mediaStart: number, mediaEnd: number, sectors: number, revolutionNs: number): number {
    // The head may start writing once sector k's data (in at dataStart + (k + 1) * sectorNs) is in by the time it
    // writes sector k (start + k * the media's time a sector): the first sector bounds the start on an interface
    // faster than the media, the last on a slower one.
    const mediaSectorNs = (mediaEnd - mediaStart) / sectors;
    const lead = this.sectorNs + Math.max(0, (sectors - 1) * (this.sectorNs - mediaSectorNs));
    const need = dataAt - sectors * this.sectorNs + lead;
    // Later than the head needs it and than the idle interface would have it (by more than a float's rounding: completions fall on whole ns).
    if (need - Math.max(mediaStart, dataFrom + lead) >= 0.5) return mediaEnd + Math.ceil((need - mediaStart) / revolutionNs) * revolutionNs;
    return Math.max(mediaEnd, dataAt);
  }

  /** When the last booked transfer ends (0 if none): what a saved state keeps, taken when nothing is in flight. */
  get lastEnd(): number {
    return this.timeline.lastEnd;
  }

  /** Forgets every booking and marks the interface busy until `t` (a restored state; 0: idle). */
  reset(t: number): void {
    this.timeline.reset(t);
  }
}
