import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PageTable } from "./page-table.js";

describe("PageTable", () => {
  it("property: behaves like a Map under random set/delete/get", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("set", "delete", "get"), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 1000 })), {
          maxLength: 400,
        }),
        (ops) => {
          const t = new PageTable(256);
          const m = new Map<number, number>();
          for (const [op, k, v] of ops) {
            if (op === "set") {
              t.set(k, v);
              m.set(k, v);
            } else if (op === "delete") expect(t.delete(k)).toBe(m.delete(k));
            else expect(t.get(k)).toBe(m.get(k) ?? -1);
            expect(t.size).toBe(m.size);
          }
          for (const [k, v] of m) expect(t.get(k)).toBe(v);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: with deletions held back (deletePresent) it still behaves like a Map, also across batches and re-sets", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom("set", "deletePresent", "delete", "get"),
            fc.integer({ min: 0, max: 120 }),
            fc.integer({ min: 0, max: 1000 }),
          ),
          { maxLength: 600 },
        ),
        fc.constantFrom(8, 100),
        (ops, maxEntries) => {
          const t = new PageTable(maxEntries);
          const m = new Map<number, number>();
          for (const [op, k, v] of ops) {
            if (op === "set") {
              if (!m.has(k) && m.size === maxEntries) continue; // the caller never exceeds the table's size
              t.set(k, v);
              m.set(k, v);
            } else if (op === "deletePresent") {
              if (!m.has(k)) continue; // only for keys known present
              t.deletePresent(k);
              m.delete(k);
            } else if (op === "delete") expect(t.delete(k)).toBe(m.delete(k));
            else expect(t.get(k)).toBe(m.get(k) ?? -1);
            expect(t.size).toBe(m.size);
          }
          for (let k = 0; k <= 120; k++) expect(t.get(k)).toBe(m.get(k) ?? -1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: keys from 2^31 up to 2^32 − 2 (LUNs of more than 2^31 pages) behave as the small ones, beside them", () => {
    // Keys near both ends of the range: a key past 2^31 was stored as a negative int32 and never found again.
    const key = fc.oneof(
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 2 ** 31 - 30, max: 2 ** 31 + 30 }),
      fc.integer({ min: 2 ** 32 - 60, max: 2 ** 32 - 2 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("set", "deletePresent", "get"), key, fc.integer({ min: 0, max: 1000 })), { maxLength: 400 }),
        (ops) => {
          const t = new PageTable(64, 4);
          const m = new Map<number, number>();
          for (const [op, k, v] of ops) {
            if (op === "set") {
              if (!m.has(k) && m.size === 64) continue;
              t.set(k, v);
              m.set(k, v);
            } else if (op === "deletePresent") {
              if (!m.has(k)) continue;
              t.deletePresent(k);
              m.delete(k);
            } else expect(t.get(k)).toBe(m.get(k) ?? -1);
            expect(t.size).toBe(m.size);
          }
          for (const [k, v] of m) expect(t.get(k)).toBe(v);
        },
      ),
      { numRuns: 300 },
    );
  });
});
