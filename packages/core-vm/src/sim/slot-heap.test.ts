import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SlotHeap } from "./slot-heap.js";

describe("SlotHeap", () => {
  it("property: pops every slot earliest time first, equal times in seq order, past removals and growth", () => {
    fc.assert(
      fc.property(
        // Coarse times so ties are common; more entries than the heap's first 16 places.
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
        (times, removed) => {
          const heap = new SlotHeap(times.length);
          // Slot s gets seq (n - s) so seq order is not slot order.
          const n = times.length;
          for (let s = 0; s < n; s++) heap.push(times[s], n - s, s);
          for (let s = 0; s < n; s++) if (removed[s]) heap.remove(s);
          const want = times
            .map((t, s) => ({ t, seq: n - s, s }))
            .filter((e) => !removed[e.s])
            .sort((a, b) => a.t - b.t || a.seq - b.seq);
          expect(heap.size).toBe(want.length);
          const got: number[] = [];
          while (heap.size > 0) {
            const s = heap.minSlot();
            expect(heap.minTime()).toBe(times[s]);
            expect(heap.popMin()).toBe(s);
            got.push(s);
          }
          expect(got).toEqual(want.map((e) => e.s));
          expect(heap.minTime()).toBe(Number.POSITIVE_INFINITY);
        },
      ),
    );
  });

  it("popMin on an empty heap returns -1 and leaves it empty: the next push is kept", () => {
    const heap = new SlotHeap(4);
    expect(heap.popMin()).toBe(-1);
    expect(heap.size).toBe(0);
    heap.push(5, 1, 3);
    expect(heap.size).toBe(1);
    expect(heap.minTime()).toBe(5);
    expect(heap.popMin()).toBe(3);
    expect(heap.popMin()).toBe(-1);
    expect(heap.size).toBe(0);
  });
});
