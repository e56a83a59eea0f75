import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Table } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { tableCsvChunks, tableToCsv } from "../src/render/csv.js";
import { writeFilesAtomically } from "../src/render/output.js";
import { parseResults, type Results, ResultsSchema, resultsJsonChunks, stringifyResults } from "../src/render/results.js";
import { scratchDir } from "./scratch.js";

const results = (tables: Table[], notes: string[] = []): Results =>
  ResultsSchema.parse({
    format: "vmlab-results/1",
    scenario: { id: "s", title: "ρ ∝ β", paper: "p", package: "@vmlab/qos" },
    seed: 1,
    quick: false,
    config: { shares: [1, 2], nested: { a: [] } },
    versions: { vmlab: "0.0.0" },
    metrics: { m: Number.NaN, n: 1.5 },
    tables,
    // A figure is of a table the results have (the schema refuses one naming none).
    figures: tables.some((t) => t.name === "ts") ? [{ name: "f", title: "F", table: "ts", spec: { mark: "line" } }] : [],
    reference: [{ what: "w", paper: 1, ours: 2 }],
    notes,
  });

/** `rows` rows of a PARDA-style time series, with the odd cell: NaN, a quote, a newline, a comma, a non-Latin-1 label. */
function series(rows: number): Table {
  return {
    name: "ts",
    columns: ["run", "t_s", "window", "note"],
    rows: Array.from({ length: rows }, (_, i) => ({
      run: i % 3 === 0 ? "static depths ∝ shares" : "FCFS",
      t_s: i * 0.18,
      window: i % 1000 === 7 ? Number.NaN : (i * 37) % 64,
      note: i % 5000 === 1 ? 'say "hi",\nthen go' : null,
    })),
  };
}

/** The CSV as it was written before chunking: one string of every line. */
function csvReference(t: Table): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return "";
    const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[t.columns.map(cell).join(","), ...t.rows.map((r) => t.columns.map((c) => cell(r[c])).join(","))].join("\n")}\n`;
}

describe("results.json and the CSVs in chunks", () => {
  // A 16-host PARDA run sampled every 0.18 s for an hour held its 188 MB results.json as one string (twice that in
  // memory: it has non-Latin-1 characters) and its 51 MB CSV likewise, beside the rows they were made of.
  it("have the very bytes of the whole text, each chunk a bounded part of it", () => {
    const long = series(50_000);
    const r = results([long, { name: "empty", columns: ["x"], rows: [] }, { name: "one", columns: ["x"], rows: [{ x: 1 }] }]);
    const chunks = [...resultsJsonChunks(r)];
    const whole = stringifyResults(r);
    expect(chunks.join("")).toBe(whole);
    expect(whole.length).toBeGreaterThan(5_000_000);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(1_000_000);
    const csv = [...tableCsvChunks(long)];
    expect(csv.join("")).toBe(csvReference(long));
    expect(tableToCsv(long)).toBe(csvReference(long));
    expect(Math.max(...csv.map((c) => c.length))).toBeLessThan(200_000);
  });

  it("match for results with no tables, empty tables, and text that looks like the row marker", () => {
    for (const r of [
      results([]),
      results([{ name: "e", columns: [], rows: [] }]),
      results([series(3)], ["\u0000vmlab-rows-0\u0000"]),
      results([series(2), series(2)]),
    ]) {
      expect([...resultsJsonChunks(r)].join("")).toBe(stringifyResults(r));
      for (const t of r.tables) expect(tableToCsv(t)).toBe(csvReference(t));
    }
  });

  it("are written whole by writeFilesAtomically", async () => {
    const dir = join(scratchDir("chunked-output"), "out");
    const r = results([series(5000)]);
    await writeFilesAtomically(
      dir,
      new Map<string, string | Iterable<string>>([
        ["results.json", resultsJsonChunks(r)],
        ["ts.csv", tableCsvChunks(r.tables[0])],
        ["plain.txt", "text\n"],
      ]),
    );
    expect(readFileSync(join(dir, "results.json"), "utf8")).toBe(stringifyResults(r));
    expect(readFileSync(join(dir, "ts.csv"), "utf8")).toBe(csvReference(r.tables[0]));
    expect(readFileSync(join(dir, "plain.txt"), "utf8")).toBe("text\n");
  });
});

describe("vmlab run --json", () => {
  // It printed stringifyResults' one string: a long time series held twice over, and past V8's longest string
  // (~512 Mi characters) not printable at all, after the files were written.
  it("prints results.json's very bytes in the bounded chunks the file is written in", async () => {
    const out = join(scratchDir("run-json-chunks"), "pp");
    const writes: string[] = [];
    const io = { stdout: (t: string) => void writes.push(t), stderr: () => {}, stderrIsTTY: false };
    const argv = ["run", "parda-proportional", "--quick", "--set", "durationS=10", "--set", "measureFromS=5"];
    // Four hosts sampled every 5 ms for 10 s: 8,000 rows of time series per run.
    const code = await main([...argv, "--set", "sampleS=0.005", "--out", out, "--json"], io);
    expect(code).toBe(0);
    const file = readFileSync(join(out, "results.json"), "utf8");
    expect(writes.join("")).toBe(file);
    expect(file.length).toBeGreaterThan(2_000_000);
    expect(writes.length).toBeGreaterThan(5);
    expect(Math.max(...writes.map((w) => w.length))).toBeLessThan(1_000_000);
  });
});

describe("parseResults", () => {
  // zod copied each row of a long run cell by cell: 960,000 rows took 11 s and about 450 MB.
  it("keeps plain rows as given, and parses to what ResultsSchema.parse gives", () => {
    const input = {
      ...results([series(3)]),
      tables: [
        { ...series(2000), extra: "dropped" },
        { name: "e", columns: [], rows: [] },
      ],
    };
    // series() has a NaN every 1000 rows: not plain, so the schema parses those tables.
    const plainRows = series(2000).rows.map((r) => ({ ...r, window: Number.isFinite(r.window) ? r.window : 0 }));
    const plainInput = { ...input, tables: [{ ...input.tables[0], rows: plainRows }, input.tables[1]] };
    const fast = parseResults(plainInput);
    expect(fast.tables[0].rows).toBe(plainRows);
    expect(fast).toEqual(ResultsSchema.parse(plainInput));
    expect(stringifyResults(fast)).toBe(stringifyResults(ResultsSchema.parse(plainInput)));
    expect(Object.keys(fast.tables[0])).toEqual(["name", "columns", "rows"]);
    // Rows with NaN, or cells the schema refuses, go through the schema as before.
    expect(parseResults(input)).toEqual(ResultsSchema.parse(input));
    const bad = { ...input, tables: [{ name: "t", columns: ["x"], rows: [{ x: [1] }] }] };
    expect(() => parseResults(bad)).toThrow();
    expect(() => ResultsSchema.parse(bad)).toThrow();
    expect(() => parseResults({ ...input, tables: "no" })).toThrow();
  });
});
