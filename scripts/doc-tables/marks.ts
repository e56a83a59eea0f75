/**
 * The docs' marks (doc-table, doc-value, doc-figure; the syntax is in ../doc-tables.ts) and the runs they name.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

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
export const VALUE_MARK = /(<!--\s*doc-value:(.*?)-->)(.*?)(<!--\s*\/doc-value\s*-->)/g;

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
