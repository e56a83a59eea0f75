import { z } from "zod";
import { StorageErrors } from "../errors.js";
import { SECTOR_BYTES } from "../io.js";

/**
 * An Iometer access specification (Iometer User's Guide, "Edit Access
 * Specification"): transfer size, % read, % random, alignment, burst length
 * and transfer delay — plus the worker's outstanding IOs ("# of Outstanding
 * I/Os" on the Disk Targets tab) and the region of the disk it uses.
 */
// Strict: a misspelt field ("outstandingIOs", as Iometer's "# of Outstanding I/Os" suggests) was dropped and its
// default or the required field's error took its place — a worker meant for 8 IOs ran at 1 without a word.
export const AccessSpecSchema = z.strictObject({
  ioSizeBytes: z.number().int().min(SECTOR_BYTES).multipleOf(SECTOR_BYTES).describe("transfer request size in bytes (a multiple of 512)"),
  readPercent: z.number().min(0).max(100).describe("percentage of IOs that are reads"),
  randomPercent: z.number().min(0).max(100).describe("percentage of IOs at a random offset; the rest follow the previous IO"),
  outstandingIos: z.number().int().min(1).max(1024).describe("IOs kept outstanding by the worker (closed loop)"),
  alignmentBytes: z
    .number()
    .int()
    .min(0)
    .multipleOf(SECTOR_BYTES)
    .default(0)
    .describe(
      "every IO starts at a multiple of this many bytes from the target's start (sequential IOs too, leaving a hole if the size is not a multiple); 0 = Iometer's default, sector boundaries (as 512); Iometer's \"Request Size Boundaries\" is the transfer size",
    ),
  burstLength: z.number().int().min(1).default(1).describe("IOs issued back to back before a transfer delay"),
  transferDelayNs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("Iometer's transfer delay, ns: before each burst the worker issues nothing for this long (closed loop only)"),
  regionSectors: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("size of the tested region in sectors from startSector; 0 = to the end of the target"),
  startSector: z.number().int().min(0).default(0).describe("first sector of the tested region"),
});
/** A parsed Iometer access spec (every field filled in): size, % read, % random, alignment, bursts, transfer delay, region, outstanding IOs. */
export type AccessSpec = z.output<typeof AccessSpecSchema>;
/** An Iometer access spec as written: what `new IometerWorkload(spec)` and `parseAccessSpec` take (omitted fields get their defaults). */
export type AccessSpecInput = z.input<typeof AccessSpecSchema>;

/** Parses an access spec, turning zod's issues into a VmlabError. */
export function parseAccessSpec(input: unknown): AccessSpec {
  const p = AccessSpecSchema.safeParse(input);
  if (!p.success)
    throw StorageErrors.badConfig("access spec", p.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  return p.data;
}
