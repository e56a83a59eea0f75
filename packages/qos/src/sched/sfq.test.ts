import { isVmlabError } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SfqD } from "./sfq.js";

/** Runs SFQ(D) with every VM backlogged from t=0; completions pick outstanding requests in the order `picks` says. */
function runBacklogged(shares: number[], costs: number[][], depth: number, picks: number[]) {
  const sfq = new SfqD(shares, depth);
  const costOf = new Map<number, number>();
  let id = 0;
  costs.forEach((list, vm) => {
    for (const c of list) {
      costOf.set(id, c);
      sfq.enqueue(vm, id++, c, 0);
    }
  });
  const dispatched: { vm: number; cost: number }[] = [];
  const completed: { vm: number; cost: number }[] = [];
  /** Completions that happened while every VM still had requests queued (all backlogged). */
  let completedWhileBacklogged = 0;
  const inFlight: { vm: number; cost: number }[] = [];
  let step = 0;
  for (;;) {
    for (let got = sfq.dispatch(0); got >= 0; got = sfq.dispatch(0)) {
      const d = { vm: sfq.lastVm, cost: costOf.get(got)! };
      dispatched.push(d);
      inFlight.push(d);
      expect(sfq.outstanding).toBeLessThanOrEqual(depth);
    }
    if (inFlight.length === 0) break;
    const k = picks[step++ % picks.length] % inFlight.length;
    const [done] = inFlight.splice(k, 1);
    completed.push(done);
    if (shares.every((_, vm) => sfq.queuedOf(vm) > 0)) completedWhileBacklogged = completed.length;
    sfq.complete(done.vm, 0);
  }
  return { dispatched, completed: completed.slice(0, completedWhileBacklogged) };
}

/**
 * Largest |W_f/φ_f − W_g/φ_g| − bound over all windows of `seq`, up to `end`
 * (default: while every VM still has later entries, i.e. all are backlogged).
 */
function worstExcess(seq: { vm: number; cost: number }[], shares: number[], bound: (f: number, g: number) => number, end?: number): number {
  const n = shares.length;
  if (end === undefined) {
    const lastIndex = new Array<number>(n).fill(-1);
    seq.forEach((e, i) => {
      lastIndex[e.vm] = i;
    });
    end = Math.min(...lastIndex);
  }
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= end; i++) {
    const w = new Array<number>(n).fill(0);
    for (let j = i; j <= end; j++) {
      w[seq[j].vm] += seq[j].cost;
      for (let f = 0; f < n; f++)
        for (let g = f + 1; g < n; g++) {
          const excess = Math.abs(w[f] / shares[f] - w[g] / shares[g]) - bound(f, g);
          if (excess > worst) worst = excess;
        }
    }
  }
  return worst;
}

const sharesArb = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 2, maxLength: 4 });

describe("SFQ(D)", () => {
  it("never has more than D requests outstanding, whatever the arrivals, completions and depth changes", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("enqueue" as const), vm: fc.nat(), cost: fc.integer({ min: 1, max: 16 }) }),
      fc.record({ kind: fc.constant("dispatch" as const) }),
      fc.record({ kind: fc.constant("complete" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("depth" as const), depth: fc.integer({ min: 1, max: 8 }) }),
    );
    fc.assert(
      fc.property(sharesArb, fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 300 }), (shares, depth, ops) => {
        const sfq = new SfqD(shares, depth);
        const inFlight: number[] = [];
        let id = 0;
        let d = depth;
        for (const o of ops) {
          if (o.kind === "enqueue") sfq.enqueue(o.vm % shares.length, id++, o.cost, 0);
          else if (o.kind === "depth") {
            sfq.setDepth(o.depth);
            d = o.depth;
          } else if (o.kind === "complete" && inFlight.length > 0) {
            const [vm] = inFlight.splice(o.pick % inFlight.length, 1);
            sfq.complete(vm, 0);
          } else if (o.kind === "dispatch") {
            const before = sfq.outstanding;
            const got = sfq.dispatch(0);
            if (got >= 0) {
              // A dispatch is only allowed below the bound in force, so it never takes the count past D
              // (after a depth cut the excess only drains).
              expect(before).toBeLessThan(d);
              expect(sfq.outstanding).toBeLessThanOrEqual(d);
              inFlight.push(sfq.lastVm);
            }
          }
          expect(sfq.outstanding).toBe(inFlight.length);
        }
        // Work conservation: with room below D, a queued request always goes; at D, none does.
        while (sfq.outstanding < d && sfq.queued > 0) expect(sfq.dispatch(0)).toBeGreaterThanOrEqual(0);
        if (sfq.queued > 0) expect(sfq.dispatch(0)).toBe(-1);
      }),
    );
  });

  it("dispatches backlogged VMs' work within the SFQ bound c_f/φ_f + c_g/φ_g over every window", () => {
    fc.assert(
      fc.property(
        sharesArb.chain((shares) =>
          fc.tuple(
            fc.constant(shares),
            fc.array(fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 10, maxLength: 40 }), {
              minLength: shares.length,
              maxLength: shares.length,
            }),
            fc.integer({ min: 1, max: 6 }),
            fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
          ),
        ),
        ([shares, costs, depth, picks]) => {
          const { dispatched, completed } = runBacklogged(shares, costs, depth, picks);
          const cmax = costs.map((c) => Math.max(...c));
          const sfqBound = (f: number, g: number) => cmax[f] / shares[f] + cmax[g] / shares[g];
          expect(worstExcess(dispatched, shares, sfqBound)).toBeLessThanOrEqual(1e-9);
          // Completions may reorder up to D in-flight requests: SFQ(D)'s (D+1)-wide bound (Jin et al. 2004).
          expect(worstExcess(completed, shares, (f, g) => (depth + 1) * sfqBound(f, g), completed.length - 1)).toBeLessThanOrEqual(1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("splits a long backlogged run in the ratio of the shares", () => {
    const shares = [1, 2, 4];
    const costs = shares.map(() => new Array<number>(700).fill(1));
    const { dispatched } = runBacklogged(shares, costs, 4, [0]);
    const firstThousand = dispatched.slice(0, 700);
    const count = [0, 0, 0];
    for (const d of firstThousand) count[d.vm]++;
    expect(count[0]).toBe(100);
    expect(count[1]).toBe(200);
    expect(count[2]).toBe(400);
  });

  it("a VM that was idle does not bank credit: it restarts at the current virtual time", () => {
    const sfq = new SfqD([1, 1], 1);
    for (let i = 0; i < 100; i++) sfq.enqueue(0, i, 1, 0);
    for (let i = 0; i < 50; i++) {
      sfq.dispatch(0);
      sfq.complete(0, 0);
    }
    for (let i = 0; i < 10; i++) sfq.enqueue(1, 100 + i, 1, 0);
    const order: number[] = [];
    for (let i = 0; i < 20; i++) {
      sfq.dispatch(0);
      order.push(sfq.lastVm);
      sfq.complete(sfq.lastVm, 0);
    }
    // Alternates rather than giving VM 1 ten in a row.
    expect(order.filter((v) => v === 1).length).toBe(10);
    expect(order.slice(0, 4).filter((v) => v === 1).length).toBe(2);
  });

  it("after the system goes idle, virtual time restarts at the largest finish tag: a VM that used idle capacity owes nothing", () => {
    const sfq = new SfqD([1, 1], 1);
    // VM 0 alone: one request of cost 100 (start tag 0, finish tag 100), served; then nothing is queued or outstanding.
    sfq.enqueue(0, 0, 100, 0);
    sfq.dispatch(0);
    sfq.complete(0, 0);
    // Both return with ten unit requests each: both start at 100, so they alternate from the start.
    for (let i = 0; i < 10; i++) {
      sfq.enqueue(1, 100 + i, 1, 0);
      sfq.enqueue(0, 200 + i, 1, 0);
    }
    const order: number[] = [];
    for (let i = 0; i < 10; i++) {
      sfq.dispatch(0);
      order.push(sfq.lastVm);
      sfq.complete(sfq.lastVm, 0);
    }
    expect(order.filter((v) => v === 0).length).toBe(5);
  });

  it("setShare changes a VM's φ for requests tagged from then on, and refuses a share <= 0", () => {
    const sfq = new SfqD([1, 1], 1);
    sfq.setShare(1, 3);
    expect(() => sfq.setShare(0, 0)).toThrow(/^shares\[0\]: must be a finite number > 0/);
    for (let i = 0; i < 40; i++) {
      sfq.enqueue(0, i, 1, 0);
      sfq.enqueue(1, 100 + i, 1, 0);
    }
    const served = [0, 0];
    for (let i = 0; i < 40; i++) {
      sfq.dispatch(0);
      served[sfq.lastVm]++;
      sfq.complete(sfq.lastVm, 0);
    }
    expect(served).toEqual([10, 30]);
  });

  it("a completion with nothing outstanding does not open a slot beyond D", () => {
    const sfq = new SfqD([1], 2);
    sfq.complete(0, 0);
    for (let i = 0; i < 5; i++) sfq.enqueue(0, i, 1, 0);
    expect([sfq.dispatch(0), sfq.dispatch(0), sfq.dispatch(0)]).toEqual([0, 1, -1]);
  });

  it("rejects a negative share and a zero depth, naming the key", () => {
    try {
      new SfqD([1, -2], 4);
      expect.unreachable();
    } catch (e) {
      expect(isVmlabError(e) && e.code).toBe("VMLAB_QOS_BAD_CONFIG");
      expect(isVmlabError(e) && e.details.key).toBe("shares[1]");
    }
    expect(() => new SfqD([1], 0)).toThrow(/depth/);
  });
});
