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

  /** When the last booked transfer ends (0 if none): what a saved state keeps, taken when nothing is in flight. */
  get lastEnd(): number {
    return this.timeline.lastEnd;
  }

  /** Forgets every booking and marks the interface busy until `t` (a restored state; 0: idle). */
  reset(t: number): void {
    this.timeline.reset(t);
  }
}
