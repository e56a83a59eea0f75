import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";
import { writeThroughLanded } from "./cache-directory.test-support.js";
import { PageTable } from "./page-table.js";

type Op = [kind: "read" | "fill" | "write" | "through" | "destage" | "land", page: number, pages: number];

/** Applies `op` as the array would (a write only if it fits; a destage run lands later) and says what it saw. */
function apply(c: CacheDirectory, op: Op, inFlight: [number, number][]): string {
  const [kind, page, pages] = op;
  const lba = page * 8;
  const sectors = pages * 8;
  if (kind === "read") return String(c.readHit(lba, sectors));
  if (kind === "fill") c.insertClean(lba, sectors);
  else if (kind === "through") writeThroughLanded(c, lba, sectors);
  else if (kind === "write") {
    if (!c.writeFits(lba, sectors)) return "full";
    c.write(lba, sectors);
  } else if (kind === "destage") {
    if (!c.takeDestageRun(4)) return "none";
    inFlight.push([c.runStart, c.runPages]);
    return `${c.runStart}+${c.runPages}`;
  } else {
    const run = inFlight.shift();
    if (run) c.destaged(run[0], run[1]);
  }
  return `${c.dirty}/${c.clean}`;
}

const ops = fc.array(
  fc.tuple(
    fc.constantFrom("read", "fill", "write", "through", "destage", "land"),
    fc.integer({ min: 0, max: 400 }),
    fc.integer({ min: 1, max: 40 }),
  ),
  { maxLength: 120 },
) as fc.Arbitrary<Op[]>;

/** A directory of `capacity` pages that allocates `first` slots up front and grows from there. */
function directory(capacity: number, first: number): CacheDirectory {
  const saved = CacheDirectory.firstSlots;
  CacheDirectory.firstSlots = first;
  try {
    return new CacheDirectory(capacity, 8);
  } finally {
    CacheDirectory.firstSlots = saved;
  }
}

afterEach(() => {
  expect(CacheDirectory.firstSlots).toBe(4096);
});

describe("array cache directory: memory for the pages it holds", () => {
  it("a 64 GiB cache holding 1,000 pages allocates slots and page-table entries for a few thousand, not 8 M", () => {
    // Every esx-disk-perf cell built its array with the cache directory allocated whole: at arrayCacheMiB=65536
    // (8 M pages of 8 KiB) each build filled ~450 MB, and --quick with a 256 MiB test file took 33 s instead of 3 s.
    const d = new CacheDirectory(2 ** 23, 16);
    d.insertClean(0, 1000 * 16);
    expect(d.allocatedSlots).toBeLessThanOrEqual(4096);
    expect(d.pageTableSlots).toBeLessThanOrEqual(2 * 4096);
    expect([d.clean, d.readHit(0, 1000 * 16), d.readHit(1000 * 16, 16)]).toEqual([1000, true, false]);
  });

  it("grows to its whole capacity when it fills, and no further", () => {
    const d = new CacheDirectory(10_000, 8);
    d.insertClean(0, 25_000 * 8);
    expect([d.allocatedSlots, d.clean]).toEqual([10_000, 10_000]);
    expect(d.pageTableSlots).toBeLessThanOrEqual(new PageTable(10_000).slots);
  });

  it("CacheDirectory.firstSlots sets the slots a new or restored directory starts with (else the property below compares whole with whole)", () => {
    const state = directory(300, 300).save();
    for (const first of [1, 7, 300]) {
      expect(directory(300, first).allocatedSlots).toBe(first);
      const restored = directory(300, first);
      const saved = CacheDirectory.firstSlots;
      CacheDirectory.firstSlots = first;
      try {
        restored.restore(state);
      } finally {
        CacheDirectory.firstSlots = saved;
      }
      expect(restored.allocatedSlots).toBe(first);
    }
  });

  it("property: growing from one slot behaves as a directory allocated whole, op by op, through save and restore", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), ops, ops, (capacity, before, after) => {
        const growing = directory(capacity, 1);
        const whole = directory(capacity, capacity);
        const lg: [number, number][] = [];
        const lw: [number, number][] = [];
        for (const op of before) expect(apply(growing, op, lg)).toBe(apply(whole, op, lw));
        while (lw.length > 0) apply(whole, ["land", 0, 0], lw);
        while (lg.length > 0) apply(growing, ["land", 0, 0], lg);
        const state = whole.save();
        expect(growing.save()).toEqual(state);
        // A state restored into a directory that has not grown yet.
        const restored = directory(capacity, 1);
        restored.restore(JSON.parse(JSON.stringify(state)));
        const lr: [number, number][] = [];
        for (const op of after) expect(apply(restored, op, lr)).toBe(apply(whole, op, lw));
        while (lw.length > 0) apply(whole, ["land", 0, 0], lw);
        while (lr.length > 0) apply(restored, ["land", 0, 0], lr);
        expect(restored.save()).toEqual(whole.save());
      }),
      { numRuns: 300 },
    );
  });
});

describe("PageTable growing from a small table", () => {
  it("property: holds what a table sized for all its entries holds, through sets, deletes and batched deletions", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("set", "delete", "deletePresent"), fc.integer({ min: 0, max: 3000 })), { maxLength: 3000 }),
        (steps) => {
          const growing = new PageTable(3001, 1);
          const whole = new PageTable(3001);
          const ref = new Map<number, number>();
          steps.forEach(([kind, key], i) => {
            if (kind === "set") {
              growing.set(key, i);
              whole.set(key, i);
              ref.set(key, i);
            } else if (kind === "delete") {
              expect(growing.delete(key)).toBe(whole.delete(key));
              ref.delete(key);
            } else if (ref.has(key)) {
              growing.deletePresent(key);
              whole.deletePresent(key);
              ref.delete(key);
            }
            expect(growing.get(key)).toBe(ref.get(key) ?? -1);
          });
          expect(growing.size).toBe(ref.size);
          for (let k = 0; k <= 3000; k++) expect(growing.get(k)).toBe(whole.get(k));
        },
      ),
      { numRuns: 100 },
    );
  });
});
