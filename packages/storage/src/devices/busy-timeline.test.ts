import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BusyTimeline } from "./busy-timeline.js";

/** The straightforward reference: every booking kept; the earliest start is `earliest` or some booking's end. */
function naiveBook(booked: [number, number][], earliest: number, duration: number): number {
  const fits = (t: number) => booked.every(([s, e]) => t + duration <= s || t >= e);
  const candidates = [earliest, ...booked.map(([, e]) => e).filter((e) => e > earliest)].sort((a, b) => a - b);
  const start = candidates.find(fits) as number;
  booked.push([start, start + duration]);
  return start + duration;
}

describe("BusyTimeline", () => {
  it("books a transfer in the first gap long enough, before later bookings", () => {
    const t = new BusyTimeline();
    expect(t.book(0, 100, 20)).toBe(120); // [100, 120)
    expect(t.book(0, 0, 20)).toBe(20); // the idle channel before it: [0, 20)
    expect(t.book(0, 10, 90)).toBe(210); // no gap of 90 before 120: after it
    expect(t.book(0, 20, 80)).toBe(100); // exactly fills [20, 100)
    expect(t.lastEnd).toBe(210);
  });

  it("property: the same ends as a reference that keeps every booking, and bookings never overlap", () => {
    const op = fc.record({
      advance: fc.integer({ min: 0, max: 50 }),
      after: fc.integer({ min: 0, max: 200 }),
      duration: fc.integer({ min: 1, max: 60 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const t = new BusyTimeline();
        const booked: [number, number][] = [];
        let now = 0;
        for (const o of ops) {
          now += o.advance;
          // Bookings start no earlier than now (a transfer is never booked in the past).
          const end = t.book(now, now + o.after, o.duration);
          expect(end).toBe(naiveBook(booked, now + o.after, o.duration));
        }
        const sorted = [...booked].sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i][0]).toBeGreaterThanOrEqual(sorted[i - 1][1]);
      }),
    );
  });

  it("reset: busy until a restored time, nothing else", () => {
    const t = new BusyTimeline();
    t.book(0, 0, 500);
    t.reset(50);
    expect(t.book(0, 0, 10)).toBe(60);
    t.reset(0);
    expect(t.lastEnd).toBe(0);
    expect(t.book(0, 0, 10)).toBe(10);
  });
});
