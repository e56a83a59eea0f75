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
 * `model-checks` in place of a scenario (no options) is not a `vmlab run`: its results are the storage
 * models' checks, measured in this process by the functions their unit tests assert on
 * (packages/storage/src/model-checks.ts): metrics and tables as a run's results.json has them.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../", import.meta.url));

/** A scenario run: the `vmlab run` arguments (scenario id first), normalized so equal runs share a key. */
export interface RunSpec {
  id: string;
  seed: string;
  sets: string[];
  quick: boolean;
}

export function runKey(r: RunSpec): string {
  if (r.id === MODEL_CHECKS) return MODEL_CHECKS;
  return [r.id, `--seed ${r.seed}`, ...r.sets.map((s) => `--set ${s}`), ...(r.quick ? ["--quick"] : [])].join(" ");
}

export function runArgs(r: RunSpec): string[] {
  return ["run", r.id, "--seed", r.seed, ...r.sets.flatMap((s) => ["--set", s]), ...(r.quick ? ["--quick"] : [])];
}

/** The source that is not a scenario run: the storage models' checks (packages/storage/src/model-checks.ts). */
export const MODEL_CHECKS = "model-checks";

/** The storage models' checks, measured in this process (about 2 s). */
export async function modelCheckResults(): Promise<Results> {
  const { storageModelChecks } = await import("../packages/storage/src/model-checks.js");
  return storageModelChecks();
}

/** Parses `<scenario> [--seed N] [--set k=v ...] [--quick]`. */
export function parseRunSpec(text: string, where: string): RunSpec {
  const words = text.trim().split(/\s+/);
  const id = words[0];
  if (!id || id.startsWith("-")) throw new Error(`${where}: the marker names no scenario`);
  const spec: RunSpec = { id, seed: "1", sets: [], quick: false };
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === "--quick") spec.quick = true;
    else if (w === "--seed" && words[i + 1] !== undefined) spec.seed = words[++i];
    else if (w === "--set" && words[i + 1] !== undefined) spec.sets.push(words[++i]);
    else throw new Error(`${where}: unexpected "${w}" in the run (a scenario, then --seed N, --set k=v, --quick)`);
  }
  if (id === MODEL_CHECKS && words.length > 1) throw new Error(`${where}: ${MODEL_CHECKS} takes no --seed, --set or --quick`);
  return spec;
}

export interface TableMark {
  file: string; // repo-relative path of the doc
  line: number; // 1-based line of the marker's first line
  run: RunSpec;
  template: string[]; // the table's lines, with {placeholders}
  start: number; // 0-based index of the rendered table's first line
  end: number; // 0-based index past its last line
}

/** A value in prose: `<!-- doc-value: <run> <template> -->text<!-- /doc-value -->` on one line. */
export interface ValueMark {
  file: string;
  line: number; // 1-based line of the marker
  run: RunSpec;
  template: string; // one template line: text with {placeholders}
  text: string; // the doc's text between the two comments
}

export interface FigureMark {
  file: string;
  line: number;
  run: RunSpec;
  output: string; // the run's output file
  target: string; // repo-relative path of the doc's copy
}

const TABLE_MARK = /^\s*<!--\s*doc-table:\s*(.*)$/;
const FIGURE_MARK = /^\s*<!--\s*doc-figure:\s*(.*?)\s+(\S+)\s*-->\s*$/;
const VALUE_OPEN = /<!--\s*doc-value:/g;
const VALUE_MARK = /(<!--\s*doc-value:(.*?)-->)(.*?)(<!--\s*\/doc-value\s*-->)/g;

/** The doc-value marks of one line (`where` is `file:line`). */
function findValues(file: string, lineNo: number, line: string): ValueMark[] {
  const where = `${file}:${lineNo}`;
  const opens = line.match(VALUE_OPEN)?.length ?? 0;
  if (opens === 0) return [];
  // A line starting with "<!--" opens an HTML block in Markdown: the rest of the line would not be
  // rendered as Markdown and the paragraph would break there.
  if (/^\s*<!--/.test(line)) throw new Error(`${where}: a doc-value marker must not start a line (Markdown would render the line as HTML)`);
  const marks: ValueMark[] = [];
  for (const m of line.matchAll(VALUE_MARK)) {
    const body = m[2].trim();
    const t = /(^|\s)[{@]/.exec(body);
    if (!t) throw new Error(`${where}: the doc-value marker has no {placeholder}`);
    const runText = body.slice(0, t.index);
    marks.push({ file, line: lineNo, run: parseRunSpec(runText, where), template: body.slice(t.index).trim(), text: m[3] });
  }
  if (marks.length !== opens) throw new Error(`${where}: a doc-value marker is not closed by <!-- /doc-value --> on the same line`);
  return marks;
}

export interface Marks {
  tables: TableMark[];
  figures: FigureMark[];
  values: ValueMark[];
}

/** Every marked table, figure and value of a markdown file. */
export function findMarks(file: string, text: string): Marks {
  const lines = text.split("\n");
  const tables: TableMark[] = [];
  const figures: FigureMark[] = [];
  const values: ValueMark[] = [];
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    values.push(...findValues(file, i + 1, lines[i]));
    const fig = FIGURE_MARK.exec(lines[i]);
    if (fig) {
      const img = /!\[[^\]]*\]\(([^)\s]+)\)/.exec(lines[i + 1] ?? "");
      if (!img) throw new Error(`${where}: a doc-figure marker must be on the line before its image ![...](path)`);
      figures.push({ file, line: i + 1, run: parseRunSpec(fig[1], where), output: fig[2], target: join(dirname(file), img[1]) });
      continue;
    }
    const m = TABLE_MARK.exec(lines[i]);
    if (!m) continue;
    const run = parseRunSpec(m[1], where);
    const template: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j].trim() !== "-->"; j++) {
      if (lines[j].includes("-->")) throw new Error(`${file}:${j + 1}: a doc-table marker ends with "-->" on a line of its own`);
      template.push(lines[j]);
    }
    if (j >= lines.length) throw new Error(`${where}: the doc-table marker is not closed by a "-->" line`);
    if (template.length === 0) throw new Error(`${where}: the doc-table marker has no template`);
    const start = j + 1;
    let end = start;
    while (end < lines.length && lines[end].trim().startsWith("|")) end++;
    if (end === start) throw new Error(`${where}: no table right after the doc-table marker`);
    tables.push({ file, line: i + 1, run, template, start, end });
    i = end - 1;
  }
  return { tables, figures, values };
}

// ---- rendering ----

type Value = string | number | boolean | null;
type Row = Record<string, Value>;

export interface Results {
  metrics: Record<string, Value>;
  tables: { name: string; rows: Row[] }[];
  reference?: Row[];
}

function tableRows(results: Results, name: string, where: string): Row[] {
  if (name === "reference" && results.reference) return results.reference;
  const t = results.tables.find((t) => t.name === name);
  if (!t) throw new Error(`${where}: the run has no table "${name}" (it has ${results.tables.map((t) => t.name).join(", ")})`);
  return t.rows;
}

/** `k=v,k2=v2` (each column equal to the text) or a row index. */
function selectRow(rows: Row[], selector: string, where: string, what: string): Row {
  if (/^\d+$/.test(selector.trim())) {
    const row = rows[Number(selector)];
    if (!row) throw new Error(`${where}: ${what} has no row ${selector}`);
    return row;
  }
  // A comma starts the next condition only before `column=`: values may hold commas ("PARDA, L = 30 ms").
  const conds = selector.split(/,(?=\s*[\w.-]+=)/).map((c) => {
    const eq = c.indexOf("=");
    if (eq < 0) throw new Error(`${where}: "${c}" in [${selector}] is not column=value`);
    return [c.slice(0, eq).trim(), c.slice(eq + 1).trim()] as const;
  });
  const found = rows.filter((r) => conds.every(([k, v]) => k in r && String(r[k]) === v));
  if (found.length !== 1) throw new Error(`${where}: ${what}[${selector}] matches ${found.length} rows, not one`);
  return found[0];
}

/**
 * |x| rounded to `decimals` places, half away from zero, on its decimal form as results.json writes
 * it (the shortest text that reads back as the number), `shift` places moved left first (2 for %).
 * Not Number.prototype.toFixed: that rounds the binary value, so 0.9215 (0.92149999…) gives 0.921.
 */
export function roundDecimal(x: number, decimals: number, shift = 0): string {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(x)));
  if (!m) throw new Error(`cannot format ${x}`);
  const frac = m[2] ?? "";
  let mantissa = BigInt(m[1] + frac);
  let scale = frac.length - Number(m[3] ?? 0) - shift; // value = mantissa / 10^scale
  if (scale < 0) {
    mantissa *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (scale > decimals) {
    const unit = 10n ** BigInt(scale - decimals);
    const rest = mantissa % unit;
    mantissa = mantissa / unit + (2n * rest >= unit ? 1n : 0n);
  } else mantissa *= 10n ** BigInt(decimals - scale);
  const digits = mantissa.toString().padStart(decimals + 1, "0");
  return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/**
 * Formats a value. Format: [+][,]N[~][%][?TEXT]
 * - N decimals (rounded half away from zero, see roundDecimal); no format: the value as results.json has it
 * - `~` drops trailing zeros after rounding (0.9800 → 0.98, 1.000 → 1)
 * - `,` groups thousands (1,646)
 * - `%` multiplies by 100 and appends %
 * - `+` signs it: + or − (U+2212); a value that rounds to 0 prints as 0
 * - `?TEXT` prints TEXT for a missing value, 0, "none" or an empty string
 */
export function formatValue(v: Value | undefined, fmt: string | undefined, where: string): string {
  let spec = fmt ?? "";
  let absent: string | undefined;
  const q = spec.indexOf("?");
  if (q >= 0) {
    absent = spec.slice(q + 1);
    spec = spec.slice(0, q);
  }
  if (absent !== undefined && (v === undefined || v === null || v === 0 || v === "none" || v === "")) return absent;
  if (v === undefined) throw new Error(`${where}: no such value`);
  if (spec === "") return String(v);
  const m = /^(\+)?(,)?(\d+)(~)?(%)?$/.exec(spec);
  if (!m) throw new Error(`${where}: bad number format "${spec}" (want [+][,]N[~][%][?TEXT])`);
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: "${String(v)}" is not a finite number (format ${spec})`);
  let text = roundDecimal(v, Number(m[3]), m[5] ? 2 : 0);
  if (m[4] && text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  if (m[2]) {
    const [int, frac] = text.split(".");
    text = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (frac !== undefined ? `.${frac}` : "");
  }
  const zero = /^[0.,]+$/.test(text);
  if (zero && m[1]) return "0";
  const sign = v < 0 && !zero ? (m[1] ? "−" : "-") : m[1] ? "+" : "";
  return sign + text + (m[5] ? "%" : "");
}

const ROW_PREFIX = /^@([\w.-]+)\[([^\]]*)\]\s?/;
const PLACEHOLDER = /\{([^{}]+)\}/g;

/**
 * Renders a table's template from a run's results. Placeholders:
 * - `{metric:fmt}` a results.json metric
 * - `{table[selector].column:fmt}` a cell of a results table (a CSV; `reference` for the reference rows)
 * - a line starting `@table[selector] ` sets that line's row: `{.column:fmt}` is its cell, and
 *   `{[k=v].column:fmt}` the cell of the row that also matches k=v
 */
export function renderTemplate(template: string[], results: Results, where: string): string[] {
  return template.map((raw, n) => {
    const at = `${where}, template line ${n + 1}`;
    let line = raw;
    let base: { table: string; selector: string } | undefined;
    const prefix = ROW_PREFIX.exec(line);
    if (prefix) {
      base = { table: prefix[1], selector: prefix[2] };
      line = line.slice(prefix[0].length);
    }
    return line.replace(PLACEHOLDER, (_, body: string) => {
      const colon = body.indexOf(":", body.lastIndexOf("]") + 1);
      const ref = colon >= 0 ? body.slice(0, colon) : body;
      const fmt = colon >= 0 ? body.slice(colon + 1) : undefined;
      const here = `${at}, {${body}}`;
      const terms = splitExpression(ref);
      const value = terms.length === 1 ? lookup(ref) : evaluate(terms, lookup, here);
      return formatValue(value, fmt, here);
    });

    function lookup(ref: string): Value | undefined {
      const here = `${at}, {${ref}}`;
      let value: Value | undefined;
      const rel = /^(?:\[([^\]]*)\])?\.(.+)$/.exec(ref);
      const cell = /^([\w.-]+)\[([^\]]*)\]\.(.+)$/.exec(ref);
      if (rel) {
        if (!base) throw new Error(`${here}: {.column} needs the line to start with @table[selector]`);
        const selector = rel[1] ? `${base.selector},${rel[1]}` : base.selector;
        const row = selectRow(tableRows(results, base.table, here), selector, here, base.table);
        if (!(rel[2] in row)) throw new Error(`${here}: table ${base.table} has no column "${rel[2]}"`);
        value = row[rel[2]];
      } else if (cell) {
        const row = selectRow(tableRows(results, cell[1], here), cell[2], here, cell[1]);
        if (!(cell[3] in row)) throw new Error(`${here}: table ${cell[1]} has no column "${cell[3]}"`);
        value = row[cell[3]];
      } else {
        if (!(ref in results.metrics)) throw new Error(`${here}: the run has no metric "${ref}"`);
        value = results.metrics[ref];
      }
      return value;
    }
  });
}

/**
 * Splits a placeholder's reference on ` + `, ` - `, ` * `, ` / ` (the operator between spaces,
 * outside [selectors]): terms at even indices, operators at odd ones. One term: no expression.
 */
function splitExpression(ref: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref[i];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (depth === 0 && "+-*/".includes(c) && ref[i - 1] === " " && ref[i + 1] === " ") {
      parts.push(ref.slice(from, i - 1).trim(), c);
      from = i + 2;
    }
  }
  parts.push(ref.slice(from).trim());
  return parts;
}

/** `a / b`, `a / b - 1`, `1 - a / b`…: * and / before + and −, left to right; a term is a number or a reference. */
function evaluate(parts: string[], lookup: (ref: string) => Value | undefined, where: string): number {
  const term = (t: string): number => {
    if (t === "") throw new Error(`${where}: an operator without a value on each side`);
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    const v = lookup(t);
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: {${t}} is "${String(v)}", not a finite number`);
    return v;
  };
  const sums: number[] = [];
  const signs: string[] = [];
  let product = term(parts[0]);
  for (let i = 1; i < parts.length; i += 2) {
    const op = parts[i];
    const next = term(parts[i + 1]);
    if (op === "*") product *= next;
    else if (op === "/") product /= next;
    else {
      sums.push(product);
      signs.push(op);
      product = next;
    }
  }
  sums.push(product);
  let total = sums[0];
  for (let i = 0; i < signs.length; i++) total = signs[i] === "+" ? total + sums[i + 1] : total - sums[i + 1];
  if (!Number.isFinite(total)) throw new Error(`${where}: the expression is not a finite number (a division by zero?)`);
  return total;
}

// ---- runs ----

/** The docs that may hold marks: README.md, the .md files of docs/ and each package's README.md. */
export function docFiles(root = repoRoot): string[] {
  const files = ["README.md"];
  for (const f of readdirSync(join(root, "docs")).sort()) if (f.endsWith(".md")) files.push(`docs/${f}`);
  // The packages' READMEs quote the model checks (`model-checks` values).
  for (const p of readdirSync(join(root, "packages")).sort())
    if (existsSync(join(root, "packages", p, "README.md"))) files.push(`packages/${p}/README.md`);
  return files;
}

export function allMarks(root = repoRoot): Marks {
  const tables: TableMark[] = [];
  const figures: FigureMark[] = [];
  const values: ValueMark[] = [];
  for (const f of docFiles(root)) {
    const m = findMarks(f, readFileSync(join(root, f), "utf8"));
    tables.push(...m.tables);
    figures.push(...m.figures);
    values.push(...m.values);
  }
  return { tables, figures, values };
}

export interface RunOutput {
  dir: string;
  results: Results;
}

function runOnce(spec: RunSpec, out: string, root: string): Promise<RunOutput> {
  const bin = join(root, "apps/cli/bin/vmlab.js");
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...runArgs(spec), "--out", out], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`vmlab ${runArgs(spec).join(" ")} failed (exit ${code}): ${stderr.trim()}`));
      else done({ dir: out, results: JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Results });
    });
  });
}

/** Runs each distinct scenario run once with the built CLI, `jobs` at a time, longest first. */
export async function runAll(
  specs: RunSpec[],
  scratch: string,
  root = repoRoot,
  jobs = availableParallelism(),
): Promise<Map<string, RunOutput>> {
  const unique = new Map<string, RunSpec>();
  for (const s of specs) if (s.id !== MODEL_CHECKS) unique.set(runKey(s), s);
  const checks = specs.find((s) => s.id === MODEL_CHECKS);
  // The slow grids first, so the short runs fill in beside them.
  const order = [...unique.values()].sort((a, b) => weight(b) - weight(a));
  const outputs = new Map<string, RunOutput>();
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < order.length && !failed) {
      const i = next++;
      const s = order[i];
      try {
        outputs.set(runKey(s), await runOnce(s, join(scratch, `run-${i}`), root));
      } catch (e) {
        failed = true; // the other worker starts no new run
        throw e;
      }
    }
  };
  // Every worker settles before a failure is thrown: a run still under way would write into `scratch` after the
  // caller removed it (rejected at the first failure, the other run's output was left behind in the temp directory).
  const running = Promise.allSettled(Array.from({ length: Math.max(1, Math.min(jobs, order.length)) }, worker));
  // The model checks are measured here while the first runs go on in their own processes.
  let failure: { error: unknown } | undefined;
  if (checks) {
    try {
      outputs.set(runKey(checks), { dir: "", results: await modelCheckResults() });
    } catch (error) {
      failed = true; // no new run starts
      failure = { error };
    }
  }
  const settled = await running;
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  if (failure) throw failure.error;
  return outputs;
}

const SLOW: Record<string, number> = { "esx-disk-perf": 16, "queue-validation": 16, "vic-guest": 8 };
function weight(s: RunSpec): number {
  return s.quick ? 1 : (SLOW[s.id] ?? 2);
}

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
