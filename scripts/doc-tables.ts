/**
 * The docs' generated tables and figures: each is rendered from a scenario run, so a doc cannot
 * drift from what the runs produce. The convention is in CONTRIBUTING.md ("Generated tables and
 * figures"); apps/cli/test/doc-tables.test.ts checks every marked table and figure in `npm test`.
 *
 *   npm run docs:tables            # run the marked scenarios (built CLI), rewrite the tables, copy the figures
 *   npm run docs:tables -- --check # the same, but only report what differs (exit 1)
 *
 * A table is marked by an HTML comment right before it (invisible when rendered):
 *
 *   <!-- doc-table: <scenario> [--seed N] [--set k=v ...] [--quick]
 *   | header | ... |
 *   |---|---|
 *   | row text with {placeholders} |
 *   -->
 *   | the rendered table (rewritten by the script) |
 *
 * A figure copied from a run's output: `<!-- doc-figure: <scenario> [options] <output file> -->`
 * on the line before the image `![...](img/<file>.svg)`.
 *
 * A value in a sentence: `<!-- doc-value: <scenario> [options] {placeholder} -->3239<!-- /doc-value -->`
 * (the same runs and placeholders as a table; the text between the two comments is rewritten).
 *
 * Placeholders (scripts/doc-tables/render.ts): `{metric:fmt}`, `{table[selector].column:fmt}`,
 * `{.column}` on a line starting `@table[selector] `, expressions (`{a / b - 1:+1%}`), and aggregates
 * over the rows a selector matches: `{min(table[selector].column):fmt}`, `max(…)`, `median(…)`, and
 * `range(…)` (`0.67–0.74`, or one figure when min and max print the same). A selector's conditions:
 * `k=v`, `k!=v` (text), `k<n`, `k<=n`, `k>n`, `k>=n` (numbers), e.g.
 * `{range(iometer-grid[storage=local,outstandingIos>=4,ioSizeBytes<=4096].vmToNativeThroughput):2}`.
 *
 * `model-checks` in place of a scenario (no options) is not a `vmlab run`: its results are the storage
 * models' checks, measured in this process by the functions their unit tests assert on
 * (packages/storage/src/model-checks.ts): metrics and tables as a run's results.json has them.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { allMarks, findMarks, repoRoot, runKey, type TableMark, VALUE_MARK, type ValueMark } from "./doc-tables/marks.js";
import { renderTemplate } from "./doc-tables/render.js";
import { type RunOutput, runAll } from "./doc-tables/runs.js";

export {
  allMarks,
  docFiles,
  type FigureMark,
  findMarks,
  type Marks,
  MODEL_CHECKS,
  parseRunSpec,
  type RunSpec,
  repoRoot,
  runArgs,
  runKey,
  type TableMark,
  type ValueMark,
} from "./doc-tables/marks.js";
export { formatValue, type Results, renderTemplate, roundDecimal } from "./doc-tables/render.js";
export { modelCheckResults, type RunOutput, runAll } from "./doc-tables/runs.js";

/** A table as the runs render it: its doc lines, rendered. */
export function renderTable(t: TableMark, runs: Map<string, RunOutput>): string[] {
  const out = runs.get(runKey(t.run));
  if (!out) throw new Error(`${t.file}:${t.line}: the run ${runKey(t.run)} was not made`);
  return renderTemplate(t.template, out.results, `${t.file}:${t.line}`);
}

/** A prose value as the runs render it. */
export function renderValue(v: ValueMark, runs: Map<string, RunOutput>): string {
  const out = runs.get(runKey(v.run));
  if (!out) throw new Error(`${v.file}:${v.line}: the run ${runKey(v.run)} was not made`);
  return renderTemplate([v.template], out.results, `${v.file}:${v.line}`)[0];
}

/** Rewrites every marked table and prose value of a doc text with its rendering. */
export function rewriteDoc(file: string, text: string, runs: Map<string, RunOutput>): string {
  const lines = text.split("\n");
  const { tables, values } = findMarks(file, text);
  for (const n of new Set(values.map((v) => v.line))) {
    const rendered = values.filter((v) => v.line === n).map((v) => renderValue(v, runs));
    let k = 0;
    lines[n - 1] = lines[n - 1].replace(VALUE_MARK, (_, open: string, _body, _old, close: string) => open + rendered[k++] + close);
  }
  for (const t of [...tables].reverse()) lines.splice(t.start, t.end - t.start, ...renderTable(t, runs));
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes("--check");
  const unknown = argv.find((a) => a !== "--check");
  if (unknown !== undefined) {
    console.error(`docs:tables: unknown argument "${unknown}" (only --check)`);
    return 2;
  }
  const root = repoRoot;
  if (!existsSync(join(root, "apps/cli/dist/bin.js"))) {
    console.error("docs:tables: vmlab is not built (`npm run build`)");
    return 2;
  }
  const { tables, figures, values } = allMarks(root);
  const scratch = mkdtempSync(join(tmpdir(), "vmlab-doc-tables-"));
  try {
    const runs = await runAll(
      [...tables, ...figures, ...values].map((m) => m.run),
      scratch,
      root,
    );
    // Everything is rendered and checked before anything is written: a failure leaves every doc as it was.
    const docs: { file: string; text: string }[] = [];
    const copies: { src: string; dst: string; what: string }[] = [];
    for (const file of new Set([...tables, ...values].map((t) => t.file))) {
      const text = readFileSync(join(root, file), "utf8");
      const next = rewriteDoc(file, text, runs);
      if (next !== text) docs.push({ file, text: next });
    }
    for (const f of figures) {
      const src = join(runs.get(runKey(f.run))?.dir ?? "", f.output);
      if (!existsSync(src)) throw new Error(`${f.file}:${f.line}: the run ${runKey(f.run)} wrote no ${f.output}`);
      const dst = join(root, f.target);
      if (!existsSync(dst) || !readFileSync(dst).equals(readFileSync(src)))
        copies.push({ src, dst, what: `${f.target} (${f.file}:${f.line}) from ${f.output} of ${runKey(f.run)}` });
    }
    for (const d of docs) {
      if (check) console.error(`${d.file}: a generated table or value differs from the runs`);
      else {
        writeFileSync(join(root, d.file), d.text);
        console.log(`rewrote ${d.file}`);
      }
    }
    for (const c of copies) {
      if (check) console.error(`${c.what}: differs`);
      else {
        copyFileSync(c.src, c.dst);
        console.log(`copied ${c.what}`);
      }
    }
    const differ = docs.length + copies.length;
    console.log(
      `${tables.length} tables, ${values.length} values, ${figures.length} figures from ${runs.size} runs${check && differ ? `: ${differ} differ` : ""}`,
    );
    return check && differ > 0 ? 1 : 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`docs:tables: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
