import { StorageErrors } from "../errors.js";

/** The three seek figures a drive's product manual gives, in ms. */
export interface SeekFigures {
  /** Single-track (track-to-track) seek, ms. */
  trackToTrackMs: number;
  /** Average seek (weighted over all seek combinations), ms. */
  averageMs: number;
  /** Full-stroke seek, ms. */
  fullStrokeMs: number;
}

/**
 * Seek time as a function of distance in cylinders, the classic two-piece
 * curve (Ruemmler & Wilkes, "An introduction to disk drive modeling", 1994):
 *
 *   t(d) = a + b·√d        for 1 ≤ d ≤ d*   (acceleration-limited: short seeks)
 *   t(d) = c + e·d         for d > d*       (coast at top speed: long seeks)
 *   t(0) = 0
 *
 * fitted so that t(1) is the track-to-track figure, t(C−1) the full-stroke
 * figure, the curve and its slope are continuous at d*, and its average over
 * random seeks — distance density 2(C−d)/C², as for uniformly chosen start
 * and end cylinders, which is how product manuals define "average seek" —
 * equals the average-seek figure. The one free parameter d* is found by
 * bisection.
 */
export class SeekCurve {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly e: number;
  /** d*: the boundary between the √d and the linear part, in cylinders. */
  readonly knee: number;

  constructor(
    readonly cylinders: number,
    readonly figures: SeekFigures,
    /** Who the figures belong to, for errors (a disk's read or write seek). */
    what = "seek curve",
  ) {
    const { trackToTrackMs: t1, averageMs: avg, fullStrokeMs: full } = figures;
    if (!(cylinders >= 16 && t1 > 0 && t1 < avg && avg < full))
      throw StorageErrors.badConfig(
        what,
        `need cylinders >= 16 and 0 < track-to-track < average < full stroke, got ${cylinders}, ${t1}, ${avg}, ${full} ms`,
      );
    const maxD = cylinders - 1;
    const key = `${cylinders}/${t1}/${avg}/${full}`;
    const known = fitted.get(key);
    if (known) {
      this.a = known.a;
      this.b = known.b;
      this.c = known.c;
      this.e = known.e;
      this.knee = known.k;
      return;
    }
    // The average of a curve with knee k falls as k falls (more of it is linear and below the chord);
    // bracket [2, maxD] and bisect on log k.
    const averageFor = (k: number) => averageSeek(params(k, t1, full, maxD), cylinders);
    let lo = 2;
    let hi = maxD;
    const most = averageFor(hi);
    const least = averageFor(lo);
    if (most < avg || least > avg)
      throw StorageErrors.badConfig(
        what,
        `no √d/linear curve through track-to-track ${t1} ms and full stroke ${full} ms has average ${avg} ms: ` +
          `over ${cylinders} cylinders such curves average ${inward(least, 1)}–${inward(most, -1)} ms; ` +
          `set averageMs in that range (or change the other two figures)`,
      );
    for (let i = 0; i < 100; i++) {
      const mid = Math.sqrt(lo * hi);
      if (averageFor(mid) > avg) hi = mid;
      else lo = mid;
    }
    const p = params(Math.sqrt(lo * hi), t1, full, maxD);
    fitted.set(key, p);
    this.a = p.a;
    this.b = p.b;
    this.c = p.c;
    this.e = p.e;
    this.knee = p.k;
  }

  /** Seek time in ns for a distance of `d` cylinders. */
  timeNs(d: number): number {
    if (d <= 0) return 0;
    const ms = d <= this.knee ? this.a + this.b * Math.sqrt(d) : this.c + this.e * d;
    return ms * 1e6;
  }

  /**
   * The longest distance (cylinders, not rounded) whose seek takes at most
   * `ns`: the inverse of `timeNs`, which increases with d. The disk's SPTF
   * scan uses it to skip queued commands whose seek alone already exceeds the
   * best positioning time found so far.
   */
  maxDistanceWithinNs(ns: number): number {
    const ms = ns / 1e6;
    if (ms < this.a + this.b) return 0; // below t(1): only d = 0
    const atKnee = this.a + this.b * Math.sqrt(this.knee);
    if (ms <= atKnee) {
      const r = (ms - this.a) / this.b;
      return r * r;
    }
    return (ms - this.c) / this.e;
  }

  /** The model's average over random seeks (ms), for checking the fit. */
  averageMs(): number {
    return averageSeek(this, this.cylinders);
  }
}

/** `ms` to two decimals, rounded up (`dir` 1) or down (-1): the range an error names holds only averages that fit. */
function inward(ms: number, dir: 1 | -1): string {
  return ((dir > 0 ? Math.ceil(ms * 100) : Math.floor(ms * 100)) / 100).toFixed(2);
}

/** Fits already done, by (cylinders, figures): the fit is pure and every disk of an array shares it. */
const fitted = new Map<string, CurveParams>();

interface CurveParams {
  a: number;
  b: number;
  c: number;
  e: number;
  k: number;
}

function params(k: number, t1: number, full: number, maxD: number): CurveParams {
  // Value and slope continuous at k: e = b/(2√k), c = a + b√k/2; t(1) = a + b; t(maxD) = full.
  const sk = Math.sqrt(k);
  const b = (full - t1) / (sk / 2 + maxD / (2 * sk) - 1);
  const a = t1 - b;
  return { a, b, c: a + (b * sk) / 2, e: b / (2 * sk), k };
}

function seekMs(p: CurveParams, d: number): number {
  return d <= p.k ? p.a + p.b * Math.sqrt(d) : p.c + p.e * d;
}

/** Σ_{d≥1} t(d)·2(C−d) / Σ_{d≥1} 2(C−d): the average over all seek combinations with d ≥ 1. */
function averageSeek(p: { a: number; b: number; c: number; e: number; knee?: number; k?: number }, cylinders: number): number {
  const curve: CurveParams = { a: p.a, b: p.b, c: p.c, e: p.e, k: p.k ?? p.knee ?? 0 };
  // Sample the sum on at most ~4,000 points (midpoint rule over blocks of distances): exact enough and fast.
  const maxD = cylinders - 1;
  const step = Math.max(1, Math.floor(maxD / 4000));
  let num = 0;
  let den = 0;
  for (let d0 = 1; d0 <= maxD; d0 += step) {
    const d1 = Math.min(maxD, d0 + step - 1);
    const n = d1 - d0 + 1;
    const dm = (d0 + d1) / 2;
    const w = (cylinders - dm) * n;
    num += seekMs(curve, d0 === d1 ? d0 : dm) * w;
    den += w;
  }
  return num / den;
}
