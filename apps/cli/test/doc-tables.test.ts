// The docs' generated tables, prose values and figures (CONTRIBUTING.md, "Generated tables and
// figures") are what the scenario runs produce: each marked run is made once with the built CLI (runs
// shared between tables and values, two at a time), every marked table and value is rendered and
// compared with the doc, and every marked figure with the run's SVG byte for byte. `npm run docs:tables` rewrites them.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allMarks,
  findMarks,
  formatValue,
  MODEL_CHECKS,
  type Results,
  type RunOutput,
  type RunSpec,
  renderTable,
  renderTemplate,
  renderValue,
  repoRoot,
  rewriteDoc,
  runAll,
  runKey,
} from "../../../scripts/doc-tables.js";

const built = ["apps/cli/dist/bin.js", ...readdirSync(join(repoRoot, "packages")).map((p) => `packages/${p}/dist/index.js`)]
  .filter((f) => !f.startsWith("packages/test-utils/"))
  .every((f) => existsSync(join(repoRoot, f)));
if (!built) console.warn("doc-tables: vmlab is not built (`npm run build`): the docs' generated tables are not checked");

const { tables, figures, values } = allMarks();
const scratch = mkdtempSync(join(tmpdir(), "vmlab-doc-tables-"));
let runs = new Map<string, RunOutput>();
/** Where a marked table's figures come from, for its test's name and message. */
const source = (r: RunSpec) =>
  r.id === MODEL_CHECKS ? "storageModelChecks() (packages/storage/src/model-checks.ts)" : `\`vmlab run ${runKey(r)}\``;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the docs' generated tables and figures", () => {
  beforeAll(async () => {
    if (built)
      runs = await runAll(
        [...tables, ...figures, ...values].map((m) => m.run),
        scratch,
      );
    // About 110 s of CPU on 2 cores (~60 s of wall time idle); generous, as a loaded machine took 151 s.
  }, 600_000);

  it("finds the marked tables and figures of the scenario pages", () => {
    const pages = new Set(tables.map((t) => t.file));
    for (const p of ["parda", "flow-control", "mclock", "vic", "esx-disk-perf", "vscsistats"]) expect(pages).toContain(`docs/${p}.md`);
    expect(figures.map((f) => f.target).sort()).toEqual(
      [
        "docs/img/esx-disk-perf-vm-native-ratio.svg",
        "docs/img/vic-guest-instructions-per-io.svg",
        "docs/img/vic-guest-iops.svg",
        "docs/img/vscsistats-random-read.svg",
        "docs/img/vscsistats-trace-file.svg",
        "docs/img/vscsistats-trace-replay.svg",
      ].sort(),
    );
  });

  for (const t of tables) {
    const header = readFileSync(join(repoRoot, t.file), "utf8").split("\n")[t.start].trim();
    it.runIf(built)(`${t.file}:${t.line} (table "${header}") is what ${source(t.run)} gives`, () => {
      const doc = readFileSync(join(repoRoot, t.file), "utf8").split("\n").slice(t.start, t.end);
      const rendered = renderTable(t, runs);
      expect(
        doc.join("\n"),
        `${t.file}:${t.line}: the table "${header}" is not what ${source(t.run)} gives (npm run docs:tables rewrites it)`,
      ).toBe(rendered.join("\n"));
    });
  }

  it("finds the storage model checks' table of esx-disk-perf.md, generated from the functions the unit tests assert on", () => {
    const checks = tables.filter((t) => t.run.id === MODEL_CHECKS);
    expect(checks.map((t) => t.file)).toEqual(["docs/esx-disk-perf.md"]);
    expect(values.filter((v) => v.run.id === MODEL_CHECKS).map((v) => v.file)).toContain("packages/storage/README.md");
    expect(checks[0].template.join("\n")).toMatch(/\{ssd\.steady_iops:,0\}.*\{ftl-wa\[op=0\.1\]\.measured:1\}/s);
  });

  it("finds the marked prose values of the scenario pages", () => {
    const pages = new Set(values.map((v) => v.file));
    for (const p of ["parda", "flow-control", "mclock", "vic", "queue-validation", "esx-disk-perf", "vscsistats"])
      expect(pages).toContain(`docs/${p}.md`);
  });

  for (const v of values) {
    it.runIf(built)(`${v.file}:${v.line} (value "${v.text}" = ${v.template}) is what ${source(v.run)} gives`, () => {
      expect(
        v.text,
        `${v.file}:${v.line}: the value ${v.template} is not what ${source(v.run)} gives (npm run docs:tables rewrites it)`,
      ).toBe(renderValue(v, runs));
    });
  }

  for (const f of figures) {
    it.runIf(built)(`${f.target} (${f.file}:${f.line}) is ${f.output} of \`vmlab run ${runKey(f.run)}\`, byte for byte`, () => {
      const out = runs.get(runKey(f.run));
      const made = readFileSync(join(out?.dir ?? "", f.output));
      const same = readFileSync(join(repoRoot, f.target)).equals(made);
      expect(same, `${f.target} differs from ${f.output} of \`vmlab run ${runKey(f.run)}\` (npm run docs:tables copies it)`).toBe(true);
    });
  }
});

describe("the doc-table runs", () => {
  it.runIf(built)(
    "a failed run rejects only once the runs under way have finished, so their scratch can be removed",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "vmlab-doc-tables-fail-"));
      try {
        const slow = { id: "vscsistats-characterize", seed: "1", sets: [], quick: false };
        const bad = { id: "parda-equal-shares", seed: "1", sets: ["noSuchKey=1"], quick: true };
        await expect(runAll([slow, bad], dir, repoRoot, 2)).rejects.toThrow(/noSuchKey/);
        // The slow run (started first) has finished: nothing writes into the directory after it is removed.
        expect(existsSync(join(dir, "run-0", "results.json"))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe("the doc-table renderer", () => {
  const results = {
    metrics: { iops: 3238.7, gain: -0.0121, up: 0.1377, flat: 0, share: 0.9215, big: 11659.8 },
    tables: [
      {
        name: "phases",
        rows: [
          { run: "PARDA, L = 30 ms", phase: 1, iops: 3003.6, limit: "none" },
          { run: "PARDA, L = 30 ms", phase: 2, iops: 2999.4, limit: 250 },
        ],
      },
    ],
  };

  it("formats: decimals on the decimal form (half away from zero), grouping, %, sign, trimmed zeros, absent text", () => {
    expect(formatValue(3238.7, "0", "x")).toBe("3239");
    expect(formatValue(0.9215, "3", "x")).toBe("0.922"); // toFixed gives 0.921 (binary 0.92149999…)
    expect(formatValue(21.55, "1", "x")).toBe("21.6");
    expect(formatValue(11659.8, ",0", "x")).toBe("11,660");
    expect(formatValue(-0.0121, "+1%", "x")).toBe("−1.2%");
    expect(formatValue(0.1377, "+1%", "x")).toBe("+13.8%");
    expect(formatValue(0, "+1%", "x")).toBe("0");
    expect(formatValue(0.997818, "1~%", "x")).toBe("99.8%");
    expect(formatValue(1, "1~%", "x")).toBe("100%");
    expect(formatValue(0.98, "3~", "x")).toBe("0.98");
    expect(formatValue(27, "1", "x")).toBe("27.0");
    expect(formatValue("none", "0?—", "x")).toBe("—");
    expect(formatValue(600, "0?—", "x")).toBe("600");
    expect(formatValue(0.892522, undefined, "x")).toBe("0.892522");
    expect(() => formatValue("abc", "1", "doc.md:3")).toThrow(/doc\.md:3.*not a finite number/);
    expect(() => formatValue(1, "1x", "doc.md:3")).toThrow(/doc\.md:3.*bad number format/);
  });

  it("renders metrics, cells by selector or index, and a line's row; names the doc line on a bad reference", () => {
    const out = renderTemplate(
      [
        "| {iops:0} | {gain:+1%} | {phases[1].iops:0} |",
        "@phases[run=PARDA, L = 30 ms,phase=2] | {.phase} | {.iops:1} | {[phase=2].limit:0?—} |",
      ],
      results,
      "docs/x.md:7",
    );
    expect(out).toEqual(["| 3239 | −1.2% | 2999 |", "| 2 | 2999.4 | 250 |"]);
    expect(() => renderTemplate(["{nope:1}"], results, "docs/x.md:7")).toThrow(/docs\/x\.md:7, template line 1.*no metric "nope"/);
    expect(() => renderTemplate(["{phases[run=PARDA, L = 30 ms].iops}"], results, "docs/x.md:7")).toThrow(/matches 2 rows, not one/);
    expect(() => renderTemplate(["{phases[0].nope}"], results, "docs/x.md:7")).toThrow(/no column "nope"/);
    expect(() => renderTemplate(["{sweep[0].iops}"], results, "docs/x.md:7")).toThrow(/no table "sweep"/);
  });

  it("?TEXT prints TEXT for a column this row lacks (a reference row without a tolerance); a column no row has still fails", () => {
    // results.json leaves out a reference row's `tolerance` and `verdict` when the row has none: "?—" failed with
    // "no column" on such a row, so the docs typed "— | —" there and would never show a verdict the row gained.
    const reference: NonNullable<Results["reference"]> = [
      { what: "judged", ours: 1, tolerance: "less than 2", verdict: "pass" },
      { what: "not judged", ours: 3 },
    ];
    const withReference = { ...results, reference };
    const line = (i: number) => `@reference[${i}] | {.what} | {.tolerance:?—} | {.verdict:?—} | {reference[${i}].verdict:?—} |`;
    expect(renderTemplate([line(0), line(1)], withReference, "docs/x.md:7")).toEqual([
      "| judged | less than 2 | pass | pass |",
      "| not judged | — | — | — |",
    ]);
    // Without `?` the row's missing column fails, as does a column no row has (a misspelling), `?` or not.
    expect(() => renderTemplate(["@reference[1] | {.verdict} |"], withReference, "docs/x.md:7")).toThrow(/no column "verdict"/);
    expect(() => renderTemplate(["@reference[1] | {.verdcit:?—} |"], withReference, "docs/x.md:7")).toThrow(/no column "verdcit"/);
    expect(() => renderTemplate(["{reference[1].verdcit:?—}"], withReference, "docs/x.md:7")).toThrow(/no column "verdcit"/);
  });

  it("evaluates an expression of values: * and / before + and -, operators between spaces, outside selectors", () => {
    const out = renderTemplate(
      [
        "{phases[phase=2].iops / phases[phase=1].iops:3}", // 2999.4 / 3003.6
        "{1 - phases[run=PARDA, L = 30 ms,phase=2].iops / phases[phase=1].iops:2%}",
        "{iops / big - 1:+1%}",
        "{0 - gain:1%}",
        "{iops + big * 2 - 1:1}",
      ],
      results,
      "docs/x.md:7",
    );
    expect(out).toEqual(["0.999", "0.14%", "−72.2%", "1.2%", "26557.3"]);
    expect(() => renderTemplate(["{iops / flat:1}"], results, "docs/x.md:7")).toThrow(/docs\/x\.md:7.*not a finite number/);
    expect(() => renderTemplate(["{iops / phases[0].limit:1}"], results, "docs/x.md:7")).toThrow(/is "none", not a finite number/);
    expect(() => renderTemplate(["{iops / nope:1}"], results, "docs/x.md:7")).toThrow(/no metric "nope"/);
  });

  it("aggregates a column over the rows a selector matches: min, max, median; text and numeric conditions", () => {
    const grid = {
      metrics: {},
      tables: [
        {
          name: "grid",
          rows: [
            { storage: "local", pattern: "random write", oio: 1, size: 512, ratio: 0.99 },
            { storage: "local", pattern: "random write", oio: 64, size: 512, ratio: 1.02 },
            { storage: "local", pattern: "random write", oio: 64, size: 65536, ratio: 1.0 },
            { storage: "local", pattern: "random read", oio: 1, size: 512, ratio: 0.67 },
            { storage: "array", pattern: "random write", oio: 64, size: 512, ratio: 0.35 },
            { storage: "array", pattern: "random write", oio: 1, size: 512, ratio: "n/a" },
          ],
        },
      ],
    };
    const out = renderTemplate(
      [
        "{min(grid[storage=local,pattern=random write].ratio):2}–{max(grid[storage=local,pattern=random write].ratio):2}",
        "{median(grid[storage=local].ratio):3}", // 0.67 0.99 1.00 1.02: (0.99 + 1.00) / 2
        "{median(grid[storage=local,pattern=random write].ratio):2}", // odd count: the middle one
        "{min(grid[size<=4096,oio>=64].ratio):2} {max(grid[oio>1,size<65536].ratio):2} {min(grid[pattern!=random write].ratio):2}",
        "{max(grid[storage=local,size=512].ratio) - min(grid[storage=local,size=512].ratio):2}",
        "{min(grid[oio=1,storage=local].size):0}", // a one-row selector is fine too
      ],
      grid,
      "docs/x.md:9",
    );
    expect(out).toEqual(["0.99–1.02", "0.995", "1.00", "0.35 1.02 0.67", "0.35", "512"]);
    const bad = (t: string) => () => renderTemplate([t], grid, "docs/x.md:9");
    // range: min–max, each formatted; one figure when both print the same (a claim that the cells tie).
    expect(
      renderTemplate(
        [
          "{range(grid[storage=local,pattern=random write].ratio):2}",
          "{range(grid[storage=local,size=65536].ratio):2}",
          "{range(grid[oio>=64,size=512].ratio):1}",
        ],
        grid,
        "x",
      ),
    ).toEqual(["0.99–1.02", "1.00", "0.4–1.0"]);
    expect(renderTemplate(["{range(grid[storage=local,oio=64].ratio):1}"], grid, "x")).toEqual(["1.0"]);
    expect(bad("{range(grid[storage=local].ratio) - 1:2}")).toThrow(/range\(…\) is text/);
    expect(bad("{range(grid[storage=nowhere].ratio):2}")).toThrow(/matches no row/);
    expect(bad("{min(grid[storage=nowhere].ratio):2}")).toThrow(/docs\/x\.md:9, template line 1.*grid\[storage=nowhere\] matches no row/);
    expect(bad("{min(grid[storage=array].ratio):2}")).toThrow(/has "n\/a" in column "ratio", not a finite number/);
    expect(bad("{min(grid[storage=local].nope):2}")).toThrow(/no column "nope"/);
    // A selector's misspelt column is named (it read "matches no row"), for aggregates and single cells alike.
    expect(bad("{min(grid[storag=local].ratio):2}")).toThrow(/grid has no column "storag" \(it has storage, /);
    expect(bad("{grid[storag=local,size=512].ratio:2}")).toThrow(/grid has no column "storag"/);
    expect(bad("{mean(grid[storage=local].ratio):2}")).toThrow(/no aggregate "mean"/);
    expect(bad("{min(nope[storage=local].ratio):2}")).toThrow(/no table "nope"/);
    expect(bad("{min(grid[size<=big].ratio):2}")).toThrow(/compares with "big", not a number/);
    expect(bad("{min(grid[storage<3].ratio):2}")).toThrow(/column "storage" is "local", not a number to compare/);
    // A numeric condition is asked only of the rows the text conditions select, wherever it is written.
    expect(bad("{min(grid[ratio<1,storage=array].oio):0}")).toThrow(/column "ratio" is "n\/a"/);
    expect(renderTemplate(["{min(grid[ratio<1,storage=local].ratio):2} {max(grid[ratio<1,oio=64].ratio):2}"], grid, "x")).toEqual([
      "0.67 0.35",
    ]);
    expect(bad("{min(grid.ratio):2}")).toThrow(/not an aggregate/);
    // A numeric condition also selects the one row of a cell reference; more than one is still an error.
    expect(renderTemplate(["{grid[storage=local,oio<64,pattern=random write].ratio:2}"], grid, "x")).toEqual(["0.99"]);
    expect(bad("{grid[storage=local,oio>=64].ratio:2}")).toThrow(/matches 2 rows, not one/);
  });

  it("finds values in prose, rewrites only the text between the comments, and names a malformed marker", () => {
    const doc = [
      "# T",
      "Hosts get <!-- doc-value: parda-equal-shares --set hosts=4 {iops:0} -->3000<!-- /doc-value --> IOPS",
      "(<!-- doc-value: parda-equal-shares --set hosts=4 {gain:+1%} / {up:1%} -->x<!--/doc-value-->), row <!-- doc-value: mclock-vs-sfq @phases[phase=2] {.limit:0} -->9<!-- /doc-value -->.",
    ].join("\n");
    const { values: marks } = findMarks("docs/t.md", doc);
    expect(marks.map((m) => [m.line, runKey(m.run), m.template, m.text])).toEqual([
      [2, "parda-equal-shares --seed 1 --set hosts=4", "{iops:0}", "3000"],
      [3, "parda-equal-shares --seed 1 --set hosts=4", "{gain:+1%} / {up:1%}", "x"],
      [3, "mclock-vs-sfq --seed 1", "@phases[phase=2] {.limit:0}", "9"],
    ]);
    const fake = new Map<string, RunOutput>([
      ["parda-equal-shares --seed 1 --set hosts=4", { dir: "", results }],
      ["mclock-vs-sfq --seed 1", { dir: "", results }],
    ]);
    expect(rewriteDoc("docs/t.md", doc, fake)).toBe(
      doc.replace("-->3000<", "-->3239<").replace("-->x<", "-->−1.2% / 13.8%<").replace("-->9<", "-->250<"),
    );
    expect(() => findMarks("docs/t.md", "a\n<!-- doc-value: x {iops:0} -->1<!-- /doc-value --> b\n")).toThrow(
      /docs\/t\.md:2: .*must not start a line/,
    );
    expect(() => findMarks("docs/t.md", "a <!-- doc-value: x {iops:0} -->1 b\n")).toThrow(/docs\/t\.md:1: .*not closed/);
    expect(() => findMarks("docs/t.md", "a <!-- doc-value: x iops -->1<!-- /doc-value -->\n")).toThrow(
      /docs\/t\.md:1: .*no \{placeholder\}/,
    );
    expect(() => findMarks("docs/t.md", "a <!-- doc-value: x --sed 2 {iops} -->1<!-- /doc-value -->\n")).toThrow(
      /docs\/t\.md:1: unexpected "--sed"/,
    );
  });

  it("finds a marked table, rewrites it in place and leaves the rest of the doc alone; names a malformed marker", () => {
    const doc = [
      "# T",
      "<!-- doc-table: parda-equal-shares --seed 1 --set hosts=4",
      "| a | b |",
      "|---|---|",
      "| x | {iops:0} |",
      "-->",
      "| a | b |",
      "|---|---|",
      "| x | 1 |",
      "",
      "after",
    ].join("\n");
    const { tables: marks } = findMarks("docs/t.md", doc);
    expect(marks).toHaveLength(1);
    expect(runKey(marks[0].run)).toBe("parda-equal-shares --seed 1 --set hosts=4");
    const fake = new Map<string, RunOutput>([[runKey(marks[0].run), { dir: "", results }]]);
    expect(rewriteDoc("docs/t.md", doc, fake)).toBe(doc.replace("| x | 1 |", "| x | 3239 |"));
    expect(() => findMarks("docs/t.md", "<!-- doc-table: x\n| a |\n")).toThrow(/docs\/t\.md:1: .*not closed/);
    expect(() => findMarks("docs/t.md", "<!-- doc-table: x --sed 2\n| a |\n-->\n| a |\n")).toThrow(/docs\/t\.md:1: unexpected "--sed"/);
    expect(() => findMarks("docs/t.md", "<!-- doc-table: x\n| a |\n-->\n\ntext\n")).toThrow(/docs\/t\.md:1: no table/);
    // The storage model checks are one source, measured in-process: no run options.
    expect(runKey(findMarks("docs/t.md", doc.replace("parda-equal-shares --seed 1 --set hosts=4", "model-checks")).tables[0].run)).toBe(
      "model-checks",
    );
    expect(() => findMarks("docs/t.md", "<!-- doc-table: model-checks --seed 2\n| a |\n-->\n| a |\n")).toThrow(
      /docs\/t\.md:1: model-checks takes no --seed, --set or --quick/,
    );
  });
});
