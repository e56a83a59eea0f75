import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue, type PendingEvent } from "./event-queue.js";

/** The reference: every pending event in an array, the earliest found by sorting on (time, seq). */
class ReferenceQueue {
  events: PendingEvent[] = [];
  nextSeq = 0;
  push(time: number, kind: number, num: number): number {
    const seq = this.nextSeq++;
    this.events.push({ time, seq, kind, num, obj: { seq } });
    return seq;
  }
  sorted(): PendingEvent[] {
    return [...this.events].sort((a, b) => a.time - b.time || a.seq - b.seq);
  }
  pop(limit = Number.POSITIVE_INFINITY): PendingEvent | undefined {
    let at = -1;
    for (let i = 0; i < this.events.length; i++) {
      const e = this.events[i];
      const b = this.events[at];
      if (at < 0 || e.time < b.time || (e.time === b.time && e.seq < b.seq)) at = i;
    }
    if (at < 0 || this.events[at].time > limit) return undefined;
    return this.events.splice(at, 1)[0];
  }
  cancel(seq: number): boolean {
    const before = this.events.length;
    this.events = this.events.filter((e) => e.seq !== seq);
    return this.events.length < before;
  }
}

type Op =
  | { op: "push"; delay: number; kind: number }
  | { op: "pop"; limitDelay: number | null }
  | { op: "cancel"; back: number }
  | { op: "peek" };

/** Delays from several scales at once, with many ties (0, small integers) and far-future outliers. */
const delayArb = fc.oneof(
  fc.constantFrom(0, 0, 1, 2, 3),
  fc.integer({ min: 0, max: 50 }),
  fc.integer({ min: 0, max: 5_000 }),
  fc.integer({ min: 0, max: 2 ** 40 }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("push" as const), delay: delayArb, kind: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("pop" as const), limitDelay: fc.option(delayArb, { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel" as const), back: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("peek" as const) }) },
);

/** Replays ops on both queues, checking every observable result; returns the number of pops that fired. */
function replay(ops: Op[], start: number): number {
  const q = new EventQueue(16);
  const ref = new ReferenceQueue();
  let now = start;
  let fired = 0;
  for (const o of ops) {
    if (o.op === "push") {
      const seq = q.push(now + o.delay, o.kind, o.delay, { seq: q.sequence });
      expect(seq).toBe(ref.push(now + o.delay, o.kind, o.delay));
    } else if (o.op === "pop") {
      const limit = o.limitDelay === null ? Number.POSITIVE_INFINITY : now + o.limitDelay;
      const want = ref.pop(limit);
      const got = q.pop(limit);
      expect(got).toBe(want !== undefined);
      if (want !== undefined) {
        expect({ time: q.time, seq: q.seq, kind: q.kind, num: q.num, obj: q.obj }).toEqual(want);
        now = q.time;
        fired++;
      } else if (limit !== Number.POSITIVE_INFINITY) {
        // As Simulation.run does: a run up to `limit` that finds nothing due leaves the clock there.
        now = limit;
      }
    } else if (o.op === "cancel") {
      // Aim at recent handles: some pending, some fired, some cancelled, some never issued.
      const seq = ref.nextSeq - 1 - o.back + 2;
      expect(q.cancel(seq)).toBe(ref.cancel(seq));
    } else {
      expect(q.peekTime()).toBe(ref.sorted()[0]?.time ?? Number.POSITIVE_INFINITY);
    }
    expect(q.size).toBe(ref.events.length);
  }
  expect(q.entries()).toEqual(ref.sorted());
  // Drain: the rest must come out in (time, seq) order too.
  for (const want of ref.sorted()) {
    expect(q.pop()).toBe(true);
    expect([q.time, q.seq]).toEqual([want.time, want.seq]);
  }
  expect(q.pop()).toBe(false);
  return fired;
}

describe("EventQueue", () => {
  it("pops in (time, seq) order under interleaved push/pop/cancel/peek (property)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400, size: "max" }), fc.constantFrom(0, 1_000_000, 2 ** 45), (ops, start) => {
        replay(ops, start);
      }),
      { numRuns: 150 },
    );
  });

  it("pops in (time, seq) order on a small calendar with a moving year (property)", () => {
    // Few pending events keep B = 16 buckets, so delays up to 40 ns straddle the year and the far heap.
    const small: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("push" as const), delay: fc.integer({ min: 0, max: 40 }), kind: fc.constant(1) }),
      fc.record({ op: fc.constant("pop" as const), limitDelay: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }) }),
      fc.record({ op: fc.constant("cancel" as const), back: fc.integer({ min: 0, max: 8 }) }),
    );
    fc.assert(
      fc.property(fc.array(small, { maxLength: 200, size: "max" }), (ops) => {
        replay(ops, 0);
      }),
      { numRuns: 300 },
    );
  });

  it("runs in small clock steps (a machine running the kernel to its own clock) in (time, seq) order (property)", () => {
    // Pops up to now + 0..3 ns, as Simulation.run({ until }) in small steps does, between pushes that reach past
    // the 16-bucket year: the year moves a bucket at a time while far events wait to be migrated.
    const stepped: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant("push" as const), delay: fc.integer({ min: 0, max: 48 }), kind: fc.constant(1) }),
      },
      // Just past the year (B·W = 16 ns while few events are pending): the far heap.
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant("push" as const), delay: fc.integer({ min: 16, max: 20 }), kind: fc.constant(1) }),
      },
      { weight: 6, arbitrary: fc.record({ op: fc.constant("pop" as const), limitDelay: fc.integer({ min: 0, max: 2 }) }) },
    );
    fc.assert(
      fc.property(fc.array(stepped, { minLength: 20, maxLength: 300, size: "max" }), (ops) => {
        replay(ops, 0);
      }),
      { numRuns: 400 },
    );
  });

  it("pops an event that was in the far heap when a pop(limit) found nothing due stepped the year over it", () => {
    // B = 16, W = 1: 16 lies beyond the first year and waits in the far heap. Each pop(limit) below finds
    // nothing due and steps one bucket; the event must still come out once limit reaches 16.
    const q = new EventQueue(16);
    q.push(0, 1, 0, undefined);
    q.push(16, 1, 1, undefined);
    expect(q.pop()).toBe(true);
    for (let limit = 0; limit < 16; limit++) expect(q.pop(limit)).toBe(false);
    expect(q.pop(16)).toBe(true);
    expect([q.time, q.num]).toEqual([16, 1]);
    expect(q.size).toBe(0);
  });

  it("keeps exact order through calendar resizes and width changes (long runs, many ties)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1_000_000 })), {
          minLength: 500,
          maxLength: 2000,
        }),
        (delays) => {
          // Fill (growing the calendar), hold for a while, then drain (shrinking it).
          const ops: Op[] = [
            ...delays.map((d, i) => ({ op: "push" as const, delay: d, kind: (i % 3) + 1 })),
            ...delays.slice(0, 400).flatMap((d) => [
              { op: "pop" as const, limitDelay: null },
              { op: "push" as const, delay: d, kind: 1 },
            ]),
            ...delays.map(() => ({ op: "pop" as const, limitDelay: null })),
          ];
          replay(ops, 0);
        },
      ),
      { numRuns: 10 },
    );
  });

  it("moves far-future events into the calendar before the year reaches them", () => {
    // A fresh calendar spans 16 buckets of 1 ns: an event at 20 waits in the far heap.
    const q = new EventQueue();
    q.push(0, 1, 0, undefined);
    q.push(20, 1, 20, undefined);
    q.push(10, 1, 10, undefined);
    expect(q.pop() && q.pop()).toBe(true);
    expect(q.time).toBe(10);
    q.push(21, 1, 21, undefined); // inside the year now, so straight into a bucket
    const order: number[] = [];
    while (q.pop()) order.push(q.num);
    expect(order).toEqual([20, 21]);
  });

  it("fires ties in scheduling order", () => {
    const q = new EventQueue();
    for (let i = 0; i < 100; i++) q.push(i % 2 === 0 ? 50 : 10, 1, i, undefined);
    const order: number[] = [];
    while (q.pop()) order.push(q.num);
    const odd = [...Array(50).keys()].map((i) => 2 * i + 1);
    const even = odd.map((i) => i - 1);
    expect(order).toEqual([...odd, ...even]);
  });

  it("cancels in O(1) without leaving the cancelled event behind", () => {
    const q = new EventQueue();
    const handles: number[] = [];
    for (let i = 0; i < 10_000; i++) handles.push(q.push(1_000_000_000 + i, 1, i, undefined));
    for (let i = 0; i < 10_000; i += 2) expect(q.cancel(handles[i])).toBe(true);
    expect(q.cancel(handles[0])).toBe(false);
    expect(q.cancel(-1)).toBe(false);
    expect(q.cancel(1.5)).toBe(false);
    expect(q.cancel(99_999)).toBe(false);
    expect(q.size).toBe(5_000);
    let n = 0;
    while (q.pop()) {
      expect(q.num % 2).toBe(1);
      n++;
    }
    expect(n).toBe(5_000);
  });

  it("keeps working after cancels empty a large calendar and a pop shrinks it", () => {
    const q = new EventQueue(16);
    const handles: number[] = [];
    for (let i = 0; i < 1_000; i++) handles.push(q.push(1_000 + 7 * i, 1, i, undefined));
    // Keep the latest event: its bucket lies in the upper half, which the shrink drops.
    for (let i = 0; i < 999; i++) q.cancel(handles[i]);
    expect(q.pop()).toBe(true); // the queue shrinks with nothing left in it
    expect(q.num).toBe(999);
    expect(q.pop()).toBe(false);
    expect(q.peekTime()).toBe(Number.POSITIVE_INFINITY);
    for (const t of [5_000, 3_000, 4_000]) q.push(t, 1, t, undefined);
    const order: number[] = [];
    while (q.pop()) order.push(q.num);
    expect(order).toEqual([3_000, 4_000, 5_000]);
  });

  it("finds long-lived events again after 10^5 later pushes (sequence index overflow)", () => {
    const q = new EventQueue(16);
    const timer = q.push(10 ** 12, 7, 0, undefined);
    q.cancel(q.push(5, 1, 0, undefined)); // build the index early
    for (let i = 0; i < 100_000; i++) {
      q.push(i, 1, i, undefined);
      q.pop();
    }
    expect(q.cancel(timer)).toBe(true);
    expect(q.size).toBe(0);
  });

  it("cancels an event whose index entry is held by another pending event", () => {
    const q = new EventQueue(16); // a 64-entry index
    const first = q.push(10 ** 9, 1, 1, undefined);
    expect(q.cancel(q.push(1, 1, 0, undefined))).toBe(true);
    while (q.sequence < 64) {
      q.push(2, 1, 0, undefined);
      q.pop();
    }
    const second = q.push(10 ** 9 + 1, 1, 2, undefined); // same entry as `first`
    expect(second % 64).toBe(first % 64);
    expect(q.cancel(second)).toBe(true);
    expect(q.cancel(second)).toBe(false);
    expect(q.pop()).toBe(true);
    expect(q.num).toBe(1);
    expect(q.size).toBe(0);
  });

  it("sizes buckets at the event spacing, and at twice it in the smallest calendar", () => {
    const q = new EventQueue(16);
    for (let i = 0; i < 40; i++) q.push(1_000 * i, 1, i, undefined);
    expect(q.shape).toEqual({ buckets: 64, width: 1024 });
    while (q.size > 7) q.pop(); // shrinks to 32 buckets, then to 16
    expect(q.shape).toEqual({ buckets: 16, width: 2048 });
  });

  it("keeps a hold model's calendar at one bucket per distinct time", () => {
    const q = new EventQueue();
    let x = 1;
    const next = () => {
      x = (x * 48271) % 2147483647;
      return Math.round(-1000 * Math.log(x / 2147483647));
    };
    for (let i = 0; i < 10_000; i++) q.push(next(), 1, 0, undefined);
    for (let i = 0; i < 50_000; i++) {
      q.pop();
      q.push(q.time + next(), 1, 0, undefined);
    }
    expect(q.shape).toEqual({ buckets: 16384, width: 1 });
  });
});
