import { isVmlabError } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_VIC, VicCoalescer } from "../vic/coalescer.js";
import { MClock, type MClockSpec } from "./mclock.js";
import type { HostScheduler } from "./scheduler.js";
import { SfqD } from "./sfq.js";

type Op = { kind: "enqueue"; vm: number; cost: number } | { kind: "dispatch" } | { kind: "complete" } | { kind: "tick"; ns: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("enqueue" as const), vm: fc.nat(3), cost: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("dispatch" as const) }),
  fc.record({ kind: fc.constant("complete" as const) }),
  fc.record({ kind: fc.constant("tick" as const), ns: fc.integer({ min: 0, max: 5_000_000 }) }),
);

/** Applies ops; returns what each dispatch returned (id and VM) so two schedulers can be compared. */
function apply(s: HostScheduler, ops: Op[], state: { id: number; now: number; inFlight: number[] }): string[] {
  const out: string[] = [];
  for (const o of ops) {
    if (o.kind === "enqueue") s.enqueue(o.vm, state.id++, o.cost, state.now);
    else if (o.kind === "tick") state.now += o.ns;
    else if (o.kind === "complete") {
      const vm = state.inFlight.shift();
      if (vm !== undefined) s.complete(vm, state.now);
    } else {
      const got = s.dispatch(state.now);
      out.push(`${got}/${got >= 0 ? s.lastVm : "-"}`);
      if (got >= 0) state.inFlight.push(s.lastVm);
    }
  }
  return out;
}

function roundTrip<S extends HostScheduler & { save(): unknown; restore(x: unknown): void }>(make: () => S) {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), fc.array(opArb, { maxLength: 120 }), (before, after) => {
      const a = make();
      const st = { id: 0, now: 0, inFlight: [] as number[] };
      apply(a, before, st);
      const saved = JSON.parse(JSON.stringify(a.save()));
      const b = make();
      b.restore(saved);
      expect(b.save()).toEqual(saved);
      const stB = { id: st.id, now: st.now, inFlight: [...st.inFlight] };
      expect(apply(b, after, stB)).toEqual(apply(a, after, st));
    }),
    { numRuns: 80 },
  );
}

const specs: MClockSpec[] = [
  { reservationIops: 300, limitIops: Number.POSITIVE_INFINITY, share: 1 },
  { reservationIops: 0, limitIops: 200, share: 1 },
  { reservationIops: 0, limitIops: Number.POSITIVE_INFINITY, share: 2 },
  { reservationIops: 50, limitIops: 400, share: 3 },
];

describe("save/restore round trips (through JSON)", () => {
  it("SFQ(D): a restored scheduler continues exactly like the original", () => {
    roundTrip(() => new SfqD([1, 2, 3, 4], 3));
  });

  it("mClock: tags (including ±Infinity) survive JSON and the restored scheduler continues identically", () => {
    roundTrip(() => new MClock(specs, 3));
  });

  it("vIC coalescer: counters and credit survive, and later decisions match", () => {
    const a = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0, rateWindowCompletions: 4 });
    for (let i = 0; i < 40; i++) a.issue();
    for (let i = 0; i < 7; i++) a.complete(i * 1000);
    const b = new VicCoalescer({ ...DEFAULT_VIC, iopsThreshold: 0, rateWindowCompletions: 4 });
    b.restore(JSON.parse(JSON.stringify(a.save())));
    for (let i = 7; i < 30; i++) expect(b.complete(i * 1000)).toBe(a.complete(i * 1000));
    expect(b.save()).toEqual(a.save());
  });

  it("rejects corrupt state and changes nothing", () => {
    const s = new SfqD([1, 1], 2);
    s.enqueue(0, 1, 1, 0);
    const before = JSON.stringify(s.save());
    for (const bad of [{}, { ...s.save(), depth: 0 }, { ...s.save(), queues: [] }, { ...s.save(), shares: [1, -1] }]) {
      try {
        s.restore(bad);
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_QOS_INVALID_STATE");
      }
    }
    expect(JSON.stringify(s.save())).toBe(before);
    expect(() => new SfqD([1, 1, 1], 2).restore(s.save())).toThrow(/3 VMs|2 VMs/);
    expect(() => new MClock(specs, 2).restore({ ...new MClock(specs, 2).save(), tags: [] })).toThrow(/mClock/);
    expect(() => new VicCoalescer(DEFAULT_VIC).restore({ version: 1, cif: -1 })).toThrow(/vIC/);
  });
});

describe("schedulers refuse what they could not save or serve", () => {
  const one: MClockSpec = { reservationIops: 0, limitIops: Number.POSITIVE_INFINITY, share: 1 };
  const code = (f: () => unknown): string => {
    try {
      f();
      return "ran";
    } catch (e) {
      if (!isVmlabError(e)) throw e;
      return `${e.code} ${String(e.details.key ?? e.details.index)}`;
    }
  };

  it("refuses a request cost that is not a finite number > 0 and an id that is not a non-negative int32", () => {
    for (const make of [() => new SfqD([1, 1], 4), () => new MClock([one, one], 4), () => new SfqD([1], 1)]) {
      // NaN failed in dispatch with a TypeError; 0 and -5 gave tags that save() wrote and restore() refused.
      for (const cost of [Number.NaN, 0, -5, Number.POSITIVE_INFINITY])
        expect(code(() => make().enqueue(0, 1, cost, 0))).toBe("VMLAB_QOS_BAD_CONFIG cost");
      // 1.5 was stored as id 1; -1 came back from dispatch as "nothing to send".
      for (const id of [1.5, -1, 2 ** 31]) expect(code(() => make().enqueue(0, id, 1, 0))).toBe("VMLAB_QOS_BAD_CONFIG id");
    }
  });

  it("mClock refuses a fractional VM and a misspelt spec key; neither scheduler takes zero VMs", () => {
    const m = new MClock([one, one], 4);
    expect(code(() => m.enqueue(1.5, 0, 1, 0))).toBe("VMLAB_QOS_UNKNOWN_FLOW 1.5"); // TypeError
    expect(code(() => m.complete(0.5, 0))).toBe("VMLAB_QOS_UNKNOWN_FLOW 0.5"); // took one off `outstanding`
    const misspelt = JSON.parse('[{"reservationIops": 0, "limitIops": 1e9, "limitIOPS": 50, "share": 1}]') as MClockSpec[];
    expect(code(() => new MClock(misspelt, 4))).toBe("VMLAB_QOS_BAD_CONFIG vms[0].limitIOPS"); // ran unlimited
    // With no VM each saved a state its own restore refused.
    expect(code(() => new SfqD([], 4))).toBe("VMLAB_QOS_BAD_CONFIG shares");
    expect(code(() => new MClock([], 4))).toBe("VMLAB_QOS_BAD_CONFIG vms");
    expect(code(() => new SfqD([1], 4).queuedOf(5))).toBe("VMLAB_QOS_UNKNOWN_FLOW 5"); // TypeError
  });
});
