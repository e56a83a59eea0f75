import { z } from "zod";

/** results.json: everything a run produced, in virtual time only (no wall-clock stamps, so it is byte-identical across runs). */
// zod 4's z.number() rejects NaN and ±Infinity, which scenarios report for undefined quantities (no IO
// completed, a ratio over zero); they become null here, as JSON has no such numbers.
const nonFiniteToNull = (v: unknown): unknown => (typeof v === "number" && !Number.isFinite(v) ? null : v);
const Cell = z.preprocess(nonFiniteToNull, z.union([z.number(), z.string(), z.boolean(), z.null()]));
const RefValue = z.preprocess(nonFiniteToNull, z.union([z.number(), z.string(), z.null()]));
export const ResultsSchema = z.object({
  format: z.literal("vmlab-results/1"),
  scenario: z.object({ id: z.string(), title: z.string(), paper: z.string(), package: z.string() }),
  seed: z.number().int(),
  quick: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  versions: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), z.preprocess(nonFiniteToNull, z.number().nullable())),
  tables: z.array(z.object({ name: z.string(), columns: z.array(z.string()), rows: z.array(z.record(z.string(), Cell)) })),
  figures: z.array(z.object({ name: z.string(), title: z.string(), table: z.string(), spec: z.record(z.string(), z.unknown()) })),
  reference: z.array(
    z.object({
      what: z.string(),
      paper: RefValue,
      ours: RefValue,
      unit: z.string().optional(),
      source: z.string().optional(),
      note: z.string().optional(),
    }),
  ),
  notes: z.array(z.string()),
});
export type Results = z.infer<typeof ResultsSchema>;

/** Stable JSON: NaN and ±Infinity become null (JSON has no such numbers), two-space indent, trailing newline. */
export function stringifyResults(r: Results): string {
  return `${JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
}
