import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheDirectory } from "./cache-directory.js";
import { writeThroughLanded } from "./cache-directory.test-support.js";

// Cache pages of 8 sectors; a destage window of 4 pages ([0, 4), [4, 8), …).
const write = (c: CacheDirectory, page: number, pages = 1) => c.write(page * 8, pages * 8);

describe("array cache directory: destage order (oldest dirty first)", () => {
  it("a page destaged as another run's neighbour and dirtied again waits behind the pages dirtied before it", () => {
    const c = new CacheDirectory(64, 8);
    write(c, 0);
    write(c, 1);
    expect(c.takeDestageRun(4)).toBe(true); // page 0's run takes its neighbour page 1 along
    expect([c.runStart, c.runPages]).toEqual([0, 2]);
    c.destaged(0, 2);
    write(c, 10); // dirty first
    write(c, 1); // dirty again, after page 10
    // Page 1's entry from its first dirtying is stale: page 10 has been dirty longer.
    expect(c.takeDestageRun(4)).toBe(true);
    expect([c.runStart, c.runPages]).toEqual([10, 1]);
    expect(c.takeDestageRun(4)).toBe(true);
    expect([c.runStart, c.runPages]).toEqual([1, 1]);
    expect(c.takeDestageRun(4)).toBe(false);
  });

  it("a page a write through cleaned and dirtied again waits behind the pages dirtied before it", () => {
    const c = new CacheDirectory(64, 8);
    write(c, 0);
    writeThroughLanded(c, 0, 8); // page 0 clean: the disks hold its data
    write(c, 10);
    write(c, 0);
    expect(c.takeDestageRun(4)).toBe(true);
    expect(c.runStart).toBe(10);
  });

  it("a restored directory keeps the order: a stale entry saved with it does not put its page first", () => {
    const c = new CacheDirectory(64, 8);
    write(c, 0);
    write(c, 1);
    c.takeDestageRun(4);
    c.destaged(0, 2);
    write(c, 10);
    write(c, 1);
    const copy = new CacheDirectory(64, 8);
    copy.restore(c.save());
    expect(copy.takeDestageRun(4)).toBe(true);
    expect(copy.runStart).toBe(10);
  });

  it("property: each run holds the page dirty longest, no page is out for destage twice at once, and the watermark counts agree", () => {
    type Op = [kind: "write" | "through" | "destage" | "land" | "save", page: number, pages: number];
    const ops = fc.array(
      fc.tuple(
        fc.constantFrom("write", "through", "destage", "land", "save"),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 1, max: 3 }),
      ),
      { minLength: 40, maxLength: 120 },
    ) as fc.Arbitrary<Op[]>;
    fc.assert(
      fc.property(ops, (list) => {
        let c = new CacheDirectory(64, 8);
        // Model: each dirty page and when it last became dirty (a page rewritten while out: when that destage landed).
        const dirtySince = new Map<number, number>();
        const out = new Set<number>();
        const rewritten = new Set<number>();
        const runs: [number, number][] = [];
        let t = 0;
        for (const [kind, page, pages] of list) {
          t++;
          if (kind === "write") {
            for (let p = page; p < page + pages; p++) {
              if (out.has(p)) rewritten.add(p);
              else if (!dirtySince.has(p)) dirtySince.set(p, t);
            }
            write(c, page, pages);
          } else if (kind === "through") {
            for (let p = page; p < page + pages; p++) {
              dirtySince.delete(p);
              rewritten.delete(p);
            }
            writeThroughLanded(c, page * 8, pages * 8);
          } else if (kind === "destage") {
            if (!c.takeDestageRun(4)) {
              expect(dirtySince.size).toBe(0);
              continue;
            }
            let oldest = -1;
            for (const [p, since] of dirtySince) if (oldest < 0 || since < (dirtySince.get(oldest) as number)) oldest = p;
            expect(oldest).toBeGreaterThanOrEqual(c.runStart);
            expect(oldest).toBeLessThan(c.runStart + c.runPages);
            for (let p = c.runStart; p < c.runStart + c.runPages; p++) {
              expect(out.has(p)).toBe(false);
              expect(dirtySince.delete(p)).toBe(true);
              out.add(p);
            }
            runs.push([c.runStart, c.runPages]);
          } else if (kind === "land") {
            const run = runs.shift();
            if (!run) continue;
            c.destaged(run[0], run[1]);
            for (let p = run[0]; p < run[0] + run[1]; p++) {
              out.delete(p);
              if (rewritten.delete(p)) dirtySince.set(p, t);
            }
          } else if (runs.length === 0) {
            const copy = new CacheDirectory(64, 8);
            copy.restore(c.save());
            c = copy;
          }
          expect(c.dirty).toBe(dirtySince.size);
          // What the array's destage watermarks count: pages not on disk, and pages dirty once the runs out land.
          expect([c.notOnDisk, c.dirtyAfterDestage]).toEqual([dirtySince.size + out.size, dirtySince.size + rewritten.size]);
        }
      }),
    );
  });
});
