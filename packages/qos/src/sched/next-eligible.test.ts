import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Fcfs } from "./fcfs.js";
import { MClock } from "./mclock.js";
import type { HostScheduler } from "./scheduler.js";
import { SfqD } from "./sfq.js";

type Op =
  | { kind: "enqueue"; vm: number; cost: number }
  | { kind: "dispatch" }
  | { kind: "complete"; pick: number }
  | { kind: "tick"; ns: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("enqueue" as const), vm: fc.nat(2), cost: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("dispatch" as const) }),
  fc.record({ kind: fc.constant("complete" as const), pick: fc.nat(7) }),
  fc.record({ kind: fc.constant("tick" as const), ns: fc.integer({ min: 0, max: 4_000_000 }) }),
);

/**
 * The contract of `nextEligibleNs(now)` (scheduler.ts): `now` exactly when `dispatch(now)` would succeed; a later
 * time when only the clock holds requests back (mClock's limits and reservations) — and `dispatch` succeeds then if
 * nothing else happens; +Infinity when only an event (an enqueue, a completion) can let one go. The host's bridge
 * arms its wake-up from it after a failed dispatch, and a caller that asks first must not read "go now" as "never".
 */
function checkContract(make: () => HostScheduler, ops: Op[]): void {
  const s = make();
  const inFlight: number[] = [];
  let now = 0;
  let id = 0;
  const dispatchChecked = () => {
    const at = s.nextEligibleNs(now);
    const got = s.dispatch(now);
    if (got >= 0) {
      expect(at).toBe(now);
      inFlight.push(s.lastVm);
      return;
    }
    expect(at).toBeGreaterThan(now);
    if (s.queued === 0 || s.outstanding >= s.depth) expect(at).toBe(Number.POSITIVE_INFINITY);
    if (at === Number.POSITIVE_INFINITY) return;
    // Only time holds the requests back: at `at` one may go.
    now = at;
    expect(s.nextEligibleNs(now)).toBe(now);
    expect(s.dispatch(now)).toBeGreaterThanOrEqual(0);
    inFlight.push(s.lastVm);
  };
  for (const op of ops) {
    if (op.kind === "enqueue") s.enqueue(op.vm, id++, op.cost, now);
    else if (op.kind === "dispatch") dispatchChecked();
    else if (op.kind === "tick") now += op.ns;
    else if (inFlight.length > 0) s.complete(inFlight.splice(op.pick % inFlight.length, 1)[0], now);
  }
  // Drain: every queued request goes, each time at the moment nextEligibleNs names (or after a completion).
  while (s.queued > 0) {
    if (s.outstanding >= s.depth) s.complete(inFlight.shift() as number, now);
    dispatchChecked();
  }
}

const runs = { numRuns: 150 };

describe("HostScheduler.nextEligibleNs: now when a request may go now, a later time only for a clock, +Infinity for an event", () => {
  it("fcfs", () => {
    const s = new Fcfs(3, 2);
    expect(s.nextEligibleNs(5)).toBe(Number.POSITIVE_INFINITY); // empty: waits for an enqueue
    s.enqueue(0, 0, 1, 5);
    expect(s.nextEligibleNs(5)).toBe(5); // one may go now (this was +Infinity)
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 100 }), (ops) => checkContract(() => new Fcfs(3, 2), ops)),
      runs,
    );
  });

  it("sfq", () => {
    const s = new SfqD([1, 2, 1], 1);
    s.enqueue(1, 0, 1, 7);
    s.enqueue(1, 1, 1, 7);
    expect(s.nextEligibleNs(7)).toBe(7); // this was +Infinity
    expect(s.dispatch(7)).toBe(0);
    expect(s.nextEligibleNs(7)).toBe(Number.POSITIVE_INFINITY); // its one slot taken: waits for a completion
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 100 }), (ops) => checkContract(() => new SfqD([1, 2, 1], 2), ops)),
      runs,
    );
  });

  it("mclock", () => {
    // VM 0 limited to 500 IOPS (L every 2 ms), VM 1 reserved 250 IOPS (R every 4 ms) and limited to 1000, VM 2 free.
    const make = () =>
      new MClock(
        [
          { reservationIops: 0, limitIops: 500, share: 1 },
          { reservationIops: 250, limitIops: 1000, share: 2 },
          { reservationIops: 0, limitIops: Number.POSITIVE_INFINITY, share: 1 },
        ],
        2,
      );
    const m = make();
    m.enqueue(0, 0, 1, 0);
    m.enqueue(0, 1, 1, 0);
    expect(m.nextEligibleNs(0)).toBe(0);
    expect(m.dispatch(0)).toBe(0);
    expect(m.nextEligibleNs(0)).toBe(2e6); // the limit holds the next back 2 ms
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 100 }), (ops) => checkContract(make, ops)),
      runs,
    );
  });
});
