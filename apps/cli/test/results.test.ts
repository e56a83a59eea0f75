import { describe, expect, it } from "vitest";
import { ResultsSchema, stringifyResults } from "../src/render/results.js";

const base = {
  format: "vmlab-results/1",
  scenario: { id: "s", title: "t", paper: "p", package: "@vmlab/x" },
  seed: 1,
  quick: true,
  config: { a: 1 },
  versions: { vmlab: "0.0.0" },
  metrics: {},
  tables: [],
  figures: [],
  reference: [],
  notes: [],
};

describe("results.json", () => {
  it("accepts a scenario's NaN and ±Infinity (no data, a ratio over zero) and writes them as null", () => {
    // Scenarios report NaN where a quantity is undefined (no IO completed); `vmlab run` must not crash on it.
    const r = ResultsSchema.parse({
      ...base,
      metrics: { ratio: Number.NaN, big: Number.POSITIVE_INFINITY, ok: 2 },
      tables: [{ name: "t", columns: ["x"], rows: [{ x: Number.NaN }, { x: Number.NEGATIVE_INFINITY }, { x: 1 }] }],
      reference: [{ what: "w", paper: 1, ours: Number.NaN }],
    });
    const text = stringifyResults(r);
    const back = JSON.parse(text);
    expect(back.metrics).toEqual({ ratio: null, big: null, ok: 2 });
    expect(back.tables[0].rows).toEqual([{ x: null }, { x: null }, { x: 1 }]);
    expect(back.reference[0].ours).toBeNull();
    // What `vmlab report` reads back is valid and renders the same bytes.
    expect(stringifyResults(ResultsSchema.parse(back))).toBe(text);
  });

  it("keeps a reference row's tolerance and verdict", () => {
    // The schema dropped keys it did not name: a scenario's pass/fail never reached results.json.
    const row = { what: "w", paper: 1, ours: 1.2, tolerance: "±5%", verdict: "fail" };
    const back = JSON.parse(stringifyResults(ResultsSchema.parse({ ...base, reference: [row, { what: "v", paper: "—", ours: 3 }] })));
    expect(back.reference).toEqual([row, { what: "v", paper: "—", ours: 3 }]);
    expect(() => ResultsSchema.parse({ ...base, reference: [{ ...row, verdict: "ok" }] })).toThrow(/verdict/);
  });

  it("writes −0 as 0", () => {
    const text = stringifyResults(ResultsSchema.parse({ ...base, metrics: { z: -0 } }));
    expect(text).toContain('"z": 0');
    expect(text).not.toContain("-0");
  });
});
