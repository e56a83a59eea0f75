import { describe, expect, it } from "vitest";
import type { StackIo } from "../iostack/stack-io.js";
import { HddGeometry } from "./hdd-geometry.js";
import { HddQueue } from "./hdd-queue.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { SeekCurve } from "./seek-curve.js";

const geometry = new HddGeometry(CHEETAH_15K5);
const readSeek = new SeekCurve(geometry.cylinders, CHEETAH_15K5.readSeek);
const writeSeek = new SeekCurve(geometry.cylinders, CHEETAH_15K5.writeSeek);
const rev = geometry.revolutionNs;
const newQueue = () => new HddQueue(readSeek, writeSeek, rev, CHEETAH_15K5.commandOverheadNs);

/** A small seeded generator (mulberry32), so failures replay. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The search as the disk did it before the queue kept a cylinder order: seed with the nearest
 * command (lowest slot among equals), then scan the slots first to last, skipping commands beyond
 * the seek reach of the best so far, ties to the lower slot.
 */
function scanSearch(q: HddQueue, head: number, headLba: number, start: number, phase: number): { best: number; pos: number } {
  const n = q.count;
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const d = q.cyl[i] - head;
    const dist = d < 0 ? -d : d;
    if (dist < bestDist) {
      bestDist = dist;
      best = i;
    }
  }
  let bestPos = q.positioningNs(best, head, headLba, start, phase);
  let reach = q.seekReachNs(bestPos);
  for (let i = 0; i < n; i++) {
    const d = q.cyl[i] - head;
    if ((d < 0 ? -d : d) > reach || i === best) continue;
    const p = q.positioningNs(i, head, headLba, start, phase);
    if (p < bestPos || (p === bestPos && i < best)) {
      bestPos = p;
      best = i;
      reach = q.seekReachNs(p);
    }
  }
  return { best, pos: bestPos };
}

/** No pruning at all: the first slot with the least positioning time. */
function fullScan(q: HddQueue, head: number, headLba: number, start: number, phase: number): number {
  let best = 0;
  for (let i = 1; i < q.count; i++)
    if (q.positioningNs(i, head, headLba, start, phase) < q.positioningNs(best, head, headLba, start, phase)) best = i;
  return best;
}

function command(lba: number, t0: number, isRead: boolean): StackIo {
  return { lba, t0, isRead } as StackIo;
}

describe("HddQueue: the shortest-positioning search", () => {
  it("picks exactly the command the slot scan picks (ties included), over random queues with adds and removes", () => {
    const r = rng(12345);
    let searches = 0;
    let ties = 0;
    for (let trial = 0; trial < 400; trial++) {
      const q = newQueue();
      // Some trials crowd commands onto a few cylinders and angles so that equal times occur.
      const crowded = trial % 3 === 0;
      const cyls = Array.from({ length: 4 }, () => Math.floor(r() * geometry.cylinders));
      const angles = [0, 0.25, 0.5, 0.75];
      let now = r() * 1e9;
      for (let step = 0; step < 120; step++) {
        now += r() * 2e6;
        if (q.count > 0 && (r() < 0.45 || q.count > 70)) q.remove(Math.floor(r() * q.count));
        else {
          const cyl = crowded ? cyls[Math.floor(r() * cyls.length)] : Math.floor(r() * geometry.cylinders);
          const angle = crowded ? angles[Math.floor(r() * angles.length)] : r();
          const t0 = crowded && r() < 0.5 ? Math.floor(now / 1e7) * 1e7 : now;
          q.add(command(cyl * 1000, t0, r() < 0.7), cyl, angle, 0);
        }
        if (q.count === 0) continue;
        // Now and then the head has just transferred up to a queued command's first sector, on its cylinder or the one
        // before: that command continues the transfer, with no seek.
        const continued = r() < 0.2 ? Math.floor(r() * q.count) : -1;
        const headLba = continued >= 0 ? q.lba[continued] : -1;
        const head =
          continued >= 0
            ? Math.max(0, q.cyl[continued] - (r() < 0.5 ? 1 : 0))
            : r() < 0.3
              ? q.cyl[Math.floor(r() * q.count)]
              : Math.floor(r() * geometry.cylinders);
        const start = now + (r() < 0.5 ? 0 : r() * 3e5);
        const phase = start % rev;
        const want = scanSearch(q, head, headLba, start, phase);
        const got = q.shortestPositioning(head, headLba, start, phase);
        expect(got).toBe(want.best);
        expect(q.chosenPos).toBe(want.pos);
        expect(got).toBe(fullScan(q, head, headLba, start, phase));
        searches++;
        let atBest = 0;
        for (let i = 0; i < q.count; i++) if (q.positioningNs(i, head, headLba, start, phase) === want.pos) atBest++;
        if (atBest > 1) ties++;
      }
    }
    expect(searches).toBeGreaterThan(30_000);
    expect(ties).toBeGreaterThan(100); // the tie-break was exercised
  });

  it("the seek reach never prunes a command whose seek fits: reach(seek(d)) >= d for every distance, read and write", () => {
    const q = newQueue();
    let pruned = 0;
    for (const curve of [readSeek, writeSeek])
      for (let d = 1; d < geometry.cylinders; d++) if (!(q.seekReachNs(curve.timeNs(d)) >= d)) pruned++;
    expect(pruned).toBe(0);
    let prev = 0;
    for (let ns = 0; ns < 20e6; ns += 1_000) {
      const reach = q.seekReachNs(ns);
      expect(reach).toBeGreaterThanOrEqual(prev); // grows with time, so a smaller best never widens it
      prev = reach;
    }
  });

  it("seeks exactly as the seek curves do, reads and writes, at every distance", () => {
    const q = newQueue();
    let differ = 0;
    for (let d = 0; d < geometry.cylinders; d++) {
      if (q.seekNs(d, 1) !== readSeek.timeNs(d)) differ++;
      if (q.seekNs(d, 0) !== writeSeek.timeNs(d)) differ++;
    }
    expect(differ).toBe(0);
  });

  it("tracks the oldest command and its lowest slot through adds and removes", () => {
    const r = rng(7);
    const q = newQueue();
    let now = 0;
    for (let step = 0; step < 5000; step++) {
      if (q.count > 0 && r() < 0.5) q.remove(Math.floor(r() * q.count));
      else {
        if (r() < 0.7) now += Math.floor(r() * 3) * 1e5; // equal arrival times now and then
        q.add(command(0, now, true), Math.floor(r() * 100), r(), 0);
      }
      let oldest = 0;
      for (let i = 1; i < q.count; i++) if (q.t0[i] < q.t0[oldest]) oldest = i;
      expect(q.oldestArrival()).toBe(q.count === 0 ? Number.POSITIVE_INFINITY : q.t0[oldest]);
      if (q.count > 0) expect(q.oldestSlot()).toBe(oldest);
    }
  });

  it("keeps each command's fields in its slot and moves the last slot into a removed one", () => {
    const q = newQueue();
    const ios = [0, 1, 2, 3].map((i) => command(i * 10, i, i % 2 === 0));
    for (const [i, io] of ios.entries()) q.add(io, 100 - i, i / 4, i);
    q.remove(1);
    expect(q.count).toBe(3);
    expect(q.io.slice(0, 3)).toEqual([ios[0], ios[3], ios[2]]);
    expect(Array.from(q.cyl.subarray(0, 3))).toEqual([100, 97, 98]);
    expect(Array.from(q.zone.subarray(0, 3))).toEqual([0, 3, 2]);
    expect(Array.from(q.read.subarray(0, 3))).toEqual([1, 0, 1]);
    expect(q.ready[1]).toBe(3 + CHEETAH_15K5.commandOverheadNs);
  });
});
