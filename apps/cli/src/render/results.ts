import { z } from "zod";

/** results.json: everything a run produced, in virtual time only (no wall-clock stamps, so it is byte-identical across runs). */
// zod 4's z.number() rejects NaN and ±Infinity, which scenarios report for undefined quantities (no IO
// completed, a ratio over zero); they become null here, as JSON has no such numbers.
const nonFiniteToNull = (v: unknown): unknown => (typeof v === "number" && !Number.isFinite(v) ? null : v);
const Cell = z.preprocess(nonFiniteToNull, z.union([z.number(), z.string(), z.boolean(), z.null()]));
const RefValue = z.preprocess(nonFiniteToNull, z.union([z.number(), z.string(), z.null()]));
export const ResultsSchema = z
  .object({
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
        // Beside `paper`: true when vmlab computed that figure (the paper's rule, the model's spec) rather than quoting it.
        paperComputed: z.boolean().optional(),
        ours: RefValue,
        unit: z.string().optional(),
        source: z.string().optional(),
        note: z.string().optional(),
        tolerance: z.string().optional(),
        verdict: z.enum(["pass", "fail", "n/a"]).optional(),
      }),
    ),
    notes: z.array(z.string()),
  })
  .superRefine((r, ctx) => {
    // A figure is drawn from its table's rows: one naming no table (an edited results.json) was drawn as an empty frame.
    const names = new Set(r.tables.map((t) => t.name));
    r.figures.forEach((f, i) => {
      if (!names.has(f.table))
        ctx.addIssue({
          code: "custom",
          path: ["figures", i, "table"],
          message: `names no table of the results ("${f.table}"; the tables are ${[...names].map((n) => `"${n}"`).join(", ") || "none"})`,
        });
    });
  });
export type Results = z.infer<typeof ResultsSchema>;

/** A row every cell of which the schema takes as it is: a string, a boolean, null or a finite number. */
function isPlainRow(row: unknown): boolean {
  if (typeof row !== "object" || row === null || Array.isArray(row) || Object.getPrototypeOf(row) !== Object.prototype) return false;
  for (const v of Object.values(row)) {
    const t = typeof v;
    if (!(v === null || t === "string" || t === "boolean" || (t === "number" && Number.isFinite(v)))) return false;
  }
  return true;
}

/**
 * `ResultsSchema.parse(input)`, with the tables' rows checked in one pass and kept as they are when every cell is
 * what the schema would keep unchanged (else the schema parses them, turning NaN and ±Infinity into null, or says
 * what is wrong). zod copied each of a long run's rows, cell by cell: a 16-host PARDA run sampled every 0.18 s for
 * an hour has 960,000 of them, 11 s and about 450 MB to parse.
 */
export function parseResults(input: unknown): Results {
  // JSON read back by `vmlab report` may be anything: null or a list is the schema's to refuse.
  const tables = typeof input === "object" && input !== null ? (input as { tables?: unknown }).tables : undefined;
  const plain =
    Array.isArray(tables) &&
    tables.every(
      (t: unknown) =>
        typeof t === "object" &&
        t !== null &&
        Array.isArray((t as { rows?: unknown }).rows) &&
        (t as { rows: unknown[] }).rows.every(isPlainRow),
    );
  if (!plain) return ResultsSchema.parse(input);
  const given = tables as { rows: Results["tables"][number]["rows"] }[];
  const parsed = ResultsSchema.parse({ ...(input as object), tables: given.map((t) => ({ ...t, rows: [] })) });
  // The parsed table (its keys in the schema's order, unknown ones dropped) with the rows it was given.
  return { ...parsed, tables: parsed.tables.map((t, i) => ({ ...t, rows: given[i].rows })) };
}

/** NaN and ±Infinity become null: JSON has no such numbers. */
const finiteOrNull = (_k: string, v: unknown): unknown => (typeof v === "number" && !Number.isFinite(v) ? null : v);

/** Stable JSON: NaN and ±Infinity become null (JSON has no such numbers), two-space indent, trailing newline. */
export function stringifyResults(r: Results): string {
  return `${JSON.stringify(r, finiteOrNull, 2)}\n`;
}

/** Rows serialized per chunk of `resultsJsonChunks`: a few hundred KB, so a write is neither tiny nor large. */
const ROWS_PER_CHUNK = 2000;

/**
 * The bytes of `stringifyResults(r)`, in chunks, for writing without holding them all: a 16-host PARDA run sampled
 * every 0.18 s for an hour has 960,000 rows, a results.json of 188 MB held as a string of twice that (it has
 * non-Latin-1 characters), beside the rows themselves. Everything but the tables' rows is JSON.stringify's own
 * text; each table's rows are stringified one by one and indented as JSON.stringify indents them there.
 */
export function* resultsJsonChunks(r: Results): Generator<string> {
  const marker = (i: number) => `\u0000vmlab-rows-${i}\u0000`;
  const skeleton = `${JSON.stringify({ ...r, tables: r.tables.map((t, i) => ({ ...t, rows: marker(i) })) }, finiteOrNull, 2)}\n`;
  // Each marker appears once, as the string a row list would be (JSON escapes its NULs); should a scenario's text
  // ever hold one, the whole is stringified at once rather than split at the wrong place.
  const quoted = r.tables.map((_, i) => JSON.stringify(marker(i)));
  if (quoted.some((q) => skeleton.split(q).length !== 2)) {
    yield stringifyResults(r);
    return;
  }
  let rest = skeleton;
  for (const [i, t] of r.tables.entries()) {
    const at = rest.indexOf(quoted[i]);
    const before = rest.slice(0, at);
    yield before;
    rest = rest.slice(at + quoted[i].length);
    if (t.rows.length === 0) {
      yield "[]";
      continue;
    }
    // The list's closing bracket goes at the indent of the line "rows" is on; its rows two spaces further in.
    const outer = " ".repeat(/[^\n]*$/.exec(before)?.[0].match(/^ */)?.[0].length ?? 0);
    const inner = `${outer}  `;
    for (let from = 0; from < t.rows.length; from += ROWS_PER_CHUNK) {
      let chunk = from === 0 ? "[" : ",";
      const to = Math.min(t.rows.length, from + ROWS_PER_CHUNK);
      for (let k = from; k < to; k++)
        chunk += `${k > from ? "," : ""}\n${inner}${JSON.stringify(t.rows[k], finiteOrNull, 2).replaceAll("\n", `\n${inner}`)}`;
      yield chunk;
    }
    yield `\n${outer}]`;
  }
  yield rest;
}
