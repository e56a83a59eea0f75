import fc from "fast-check";
import type { CacheDirectory } from "./cache-directory.js";

/** A write around the cache that has landed too: `writeThrough`, then `throughLanded` for the pages it held. */
export function writeThroughLanded(c: CacheDirectory, lba: number, sectors: number): void {
  const held = c.writeThrough(lba, sectors);
  if (held !== null) c.throughLanded(held);
}

// Operations the cache directory's property tests drive.
/** A cache operation on pages [page, page+pages) of 8 sectors. */
export type Op = [kind: "read" | "fill" | "write" | "destage" | "land", page: number, pages: number];

/** Applies `op` (as the array would: a write only if it fits; a destage run lands later) and says what it saw. */
export function apply(c: CacheDirectory, op: Op, inFlight: [number, number][]): string {
  const [kind, page, pages] = op;
  const lba = page * 8;
  const sectors = pages * 8;
  if (kind === "read") return String(c.readHit(lba, sectors));
  if (kind === "fill") {
    c.insertClean(lba, sectors);
    return "";
  }
  if (kind === "write") {
    if (!c.writeFits(lba, sectors)) return "full";
    c.write(lba, sectors);
    return "ok";
  }
  if (kind === "destage") {
    if (!c.takeDestageRun(4)) return "none";
    inFlight.push([c.runStart, c.runPages]);
    return `${c.runStart}+${c.runPages}`;
  }
  const run = inFlight.shift();
  if (run) c.destaged(run[0], run[1]);
  return "";
}

/** Up to 150 page operations over pages 0..60. */
export const ops = fc.array(
  fc.tuple(fc.constantFrom("read", "fill", "write", "destage", "land"), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 })),
  { maxLength: 150 },
) as fc.Arbitrary<Op[]>;

// Cache pages of 8 sectors (4 KiB); LBAs below are in sectors.
/** A cache operation on sectors [lba, lba+sectors): what the sector-level property tests drive. */
export type SOp = [kind: "read" | "fill" | "write" | "through" | "destage" | "land", lba: number, sectors: number];

/** Up to `maxLength` operations of 1–20 sectors starting at sectors 0..`maxLba`. */
export function sectorOpsUpTo(maxLba: number, maxLength: number): fc.Arbitrary<SOp[]> {
  return fc.array(
    fc.tuple(
      fc.constantFrom("read", "fill", "write", "through", "destage", "land"),
      fc.integer({ min: 0, max: maxLba }),
      fc.integer({ min: 1, max: 20 }),
    ),
    { maxLength },
  ) as fc.Arbitrary<SOp[]>;
}
