/**
 * A disk's positioning-time arithmetic for a read the read-ahead stream might serve, and the media transfer and head
 * cylinder arithmetic `Hdd`'s dispatch shares with it (seek and rotational wait come from `HddQueue`, as when the
 * command is dispatched).
 */
import type { Simulation } from "@vmlab/core-vm";
import type { HddGeometry } from "./hdd-geometry.js";
import type { HddQueue } from "./hdd-queue.js";
import type { HddSpec } from "./hdd-spec.js";

/**
 * When a media read of [lba, lba+n) would have read its last sector, dispatched alone with the head leaving the
 * read-ahead stream at sector `headLba` (exclusive), free from `start`, the command processed at `processed`: as
 * `Hdd.dispatch` (hdd.ts) times it (seek and rotational wait from `positioningNs`'s arithmetic, then the transfer).
 */
export function mediaReadEnd(
  sim: Simulation,
  spec: HddSpec,
  g: HddGeometry,
  q: HddQueue,
  lba: number,
  n: number,
  headLba: number,
  start: number,
  processed: number,
): number {
  const head = cylinderBefore(g, headLba);
  const zone = g.zoneOf(lba);
  const phase = g.phaseOf(start);
  let pos = q.readPositioningNs(lba, g.cylinderOf(lba, zone), g.angleOf(lba, zone), processed, head, headLba, start, phase);
  // Media commands queued: the head would go first to the one it reaches soonest (`dispatch`), and a read the stream
  // serves holds it until its last sector is read — so the stream must reach this read no later than the head
  // could reach any of them (a read ~1,000 sectors on held the head 4 ms while queued random reads waited).
  if (q.count > 0) {
    if (sim.now - q.oldestArrival() > spec.maxCommandAgeNs) {
      // The oldest has waited past the starvation bound: `dispatch` sends the head to it next, whatever is closer, so
      // the stream may hold the head for this read only if, leaving from its last sector, the head still gets to that
      // command's first sector as it comes round (a younger read ~1,000 sectors on held the head, and the starved
      // command then waited a revolution more). Unless that command is this very read (a queued read re-checked).
      const s = q.oldestSlot();
      const p = q.positioningNs(s, head, headLba, start, phase);
      if (q.lba[s] !== lba || q.io[s].sectors !== n) {
        // No seek if it starts where this read ends: it continues the transfer (`HddQueue.positioning`).
        const d = q.lba[s] === lba + n ? 0 : q.cyl[s] - cylinderBefore(g, lba + n);
        return start + p - q.seekNs(d < 0 ? -d : d, q.read[s]);
      }
      pos = p;
    } else {
      q.shortestPositioning(head, headLba, start, phase);
      if (q.chosenPos < pos) pos = q.chosenPos;
    }
  }
  return start + pos + mediaTransferNs(g, lba, n, zone);
}

/** Media transfer time of [lba, lba+n) starting in `zone`: each zone's part at that zone's rate (one zone: one product). */
export function mediaTransferNs(g: HddGeometry, lba: number, n: number, zone: number): number {
  return lba + n > g.zoneLba[zone + 1] ? g.transferNs(lba, n, zone) : n * g.zoneSectorNs[zone];
}

/** The cylinder of the sector before `lba` (of sector 0 for 0): where the head is once it has read up to `lba`. */
export function cylinderBefore(g: HddGeometry, lba: number): number {
  const last = lba > 0 ? lba - 1 : 0;
  return g.cylinderOf(last, g.zoneOf(last));
}
