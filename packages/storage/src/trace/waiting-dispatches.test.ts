import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WaitingDispatches } from "./waiting-dispatches.js";

describe("WaitingDispatches", () => {
  it("gives back the oldest waiting slot of a sector, as a list per sector would, through collisions and removals", () => {
    // 8 slots (16 buckets): sectors collide and probes wrap, so removal's shifting back is exercised. Sectors past 2^32
    // and up to 2^53 differ only in high bits.
    const sectors = fc.uniqueArray(
      fc.oneof(
        fc.integer({ min: 0, max: 64 }).map((s) => s * 8),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      ),
      { minLength: 1, maxLength: 20 },
    );
    const ops = fc.array(fc.record({ add: fc.boolean(), pick: fc.nat() }), { maxLength: 300 });
    fc.assert(
      fc.property(sectors, ops, (pool, steps) => {
        const slots = 8;
        const index = new WaitingDispatches(slots);
        const model = new Map<number, number[]>();
        const free = Array.from({ length: slots }, (_, k) => k);
        for (const { add, pick } of steps) {
          const sector = pool[pick % pool.length];
          if (add && free.length > 0) {
            const slot = free.splice(pick % free.length, 1)[0];
            index.add(sector, slot);
            model.set(sector, [...(model.get(sector) ?? []), slot]);
          } else {
            const list = model.get(sector) ?? [];
            const expected = list.length > 0 ? list[0] : -1;
            expect(index.takeOldest(sector)).toBe(expected);
            if (expected >= 0) {
              free.push(expected);
              if (list.length > 1) model.set(sector, list.slice(1));
              else model.delete(sector);
            }
          }
        }
        // Whatever is left is still found, each sector's slots oldest first, and then nothing.
        for (const sector of pool) {
          for (const slot of model.get(sector) ?? []) expect(index.takeOldest(sector)).toBe(slot);
          expect(index.takeOldest(sector)).toBe(-1);
        }
      }),
      { numRuns: 500 },
    );
  });
});
