// The docs' code blocks are checked here, so an example cannot drift from what the code does.
// The convention (CONTRIBUTING.md, "Examples in the docs"):
// - A shell block (sh, bash, console or no language) is a list of commands. A `vmlab` command
//   (optionally `npx vmlab`, after `&&` or `|`) must be one the CLI takes: it is parsed and put through
//   the subcommand's own checks without its work (`vmlab run` as with --dry-run: the scenario's config
//   checks, not just the names; boot's option pairs; bench's name), and its disk model must exist. A whole-line
//   `# ...` comment right after a command shows (part of) its output: the command is run with the
//   built CLI and each shown line must match one printed line (stdout or stderr), token for token;
//   `...` stands for any run of tokens, so without it at the ends the line must start/end there.
//   A trailing `# ...` on a command line is prose and is not compared. `truncate -s N FILE` makes FILE.
// - An inline `vmlab ...` code span in running text is checked too: a complete command as above, a pattern
//   (placeholders such as <id>, [--disk IMAGE], FILE, …) or a mention (option names only) by its names.
// - A TypeScript block is type-checked against the built packages and run with node; a
//   `console.log(...); // → shown` comment is compared with what that call prints, as above.
// - Any other block, or one that cannot run here, carries an HTML comment right before its fence:
//   `<!-- doc-example: reference -->`   not meant to run (an interface, a QEMU command, a format, a diagram)
//   `<!-- doc-example: host-clock, <why> -->`  its figures come from the host clock: commands are
//        checked as above but not run, shown output is not compared
//   `<!-- doc-example: slow, <why> -->`  too slow for `npm test`: checked but not run
//   `<!-- doc-example: fragment` + TypeScript declarations for its free names + `-->`
//        a TypeScript excerpt: type-checked with those declarations, not run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Command, CommanderError } from "commander";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { docFiles } from "../../../scripts/doc-tables.js";
import { optionChecks } from "../src/commands/index.js";
import { buildProgram } from "../src/main.js";
import { allDiskModels } from "../src/plugins.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const bin = join(repo, "apps/cli/bin/vmlab.js");

type Kind = "shell" | "ts" | "reference" | "host-clock" | "slow" | "fragment" | "unclassified";
interface Block {
  where: string; // file:line of the opening fence
  lang: string;
  body: string[];
  kind: Kind;
  markerBody: string; // a fragment's declarations
  reason: string;
}

const MARKER_KINDS = new Set(["reference", "host-clock", "slow", "fragment"]);

/** Every fenced block of a markdown file, with the `<!-- doc-example: ... -->` marker right before it. */
export function extractBlocks(file: string, text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].trim().startsWith(fence); i++) body.push(lines[i]);
    const lang = open[2].toLowerCase();
    let kind: Kind = ["sh", "bash", "console", "shell", ""].includes(lang)
      ? "shell"
      : lang === "ts" || lang === "typescript"
        ? "ts"
        : "unclassified";
    let markerBody = "";
    let reason = "";
    let j = start - 1;
    while (j >= 0 && lines[j].trim() === "") j--;
    if (j >= 0 && lines[j].trim().endsWith("-->")) {
      let k = j;
      while (k >= 0 && !lines[k].includes("<!--")) k--;
      const comment = lines
        .slice(k, j + 1)
        .join("\n")
        .replace(/^[\s\S]*?<!--/, "")
        .replace(/-->\s*$/, "");
      const m = /^\s*doc-example:\s*([\w-]+)\s*(?:,\s*([^\n]*))?\n?([\s\S]*)$/.exec(comment);
      if (m) {
        if (!MARKER_KINDS.has(m[1])) throw new Error(`${file}:${start + 1}: unknown doc-example marker "${m[1]}"`);
        if ((m[1] === "slow" || m[1] === "host-clock") && !m[2]?.trim())
          throw new Error(`${file}:${start + 1}: a "${m[1]}" marker says why`);
        kind = m[1] as Kind;
        reason = m[2]?.trim() ?? "";
        markerBody = m[3];
      }
    }
    blocks.push({ where: `${file}:${start + 1}`, lang, body, kind, markerBody, reason });
  }
  return blocks;
}

// The same docs as the tables' and values' marks (README.md, docs/*.md, packages/*/README.md).
const blocks = docFiles(repo).flatMap((f) => extractBlocks(f, readFileSync(join(repo, f), "utf8")));

/** A `vmlab ...` command in running text (an inline code span outside the fenced blocks). */
interface ProseCommand {
  where: string;
  args: string[];
}

/** The inline `vmlab ...` / `npx vmlab ...` code spans of a markdown file, outside its fenced blocks. */
export function proseCommands(file: string, text: string): ProseCommand[] {
  const out: ProseCommand[] = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced)
      for (const m of line.matchAll(/(?<!`)`((?:npx )?vmlab [^`]+)`(?!`)/g)) {
        const args = vmlabArgs(words(m[1])[0]);
        if (args) out.push({ where: `${file}:${i + 1}`, args });
      }
  });
  return out;
}

/**
 * A word standing for something the reader fills in (`<id>`, `[--disk IMAGE]`, `FILE`, `N`, `…`), or an option list
 * (`--snapshot-at/--save`): a command holding one is a pattern, whose command and option names are checked only.
 */
const PLACEHOLDER_WORD = /^(<.*>|\[.*|.*\]|…|\.\.\.|[A-Z][A-Z_]*)$|\/--/;

/**
 * Checks a prose command: a pattern (placeholders) or a mention (a subcommand, perhaps with option names) by its
 * names (the subcommand exists, each `--option` is one of its own); a complete command as a fenced block's
 * (`checkVmlabArgs`).
 */
async function checkProseCommand(c: ProseCommand): Promise<void> {
  // A subcommand with option names and nothing else (`vmlab run --dry-run`, `vmlab boot --disk-model`) names a feature.
  const mention = c.args.slice(1).every((a) => a.startsWith("-"));
  const pattern = c.args.some((a) => PLACEHOLDER_WORD.test(a));
  if (!pattern && !mention) return checkVmlabArgs(c.where, c.args);
  const program = buildProgram({ stdout: () => {}, stderr: () => {}, stderrIsTTY: false, stdoutBytes: () => {} });
  // `vmlab --help`, `vmlab --version`: the program's own options; `vmlab <command> --help`: any subcommand's.
  const top = c.args[0].startsWith("-");
  const any = PLACEHOLDER_WORD.test(c.args[0]);
  const found = program.commands.find((x) => x.name() === c.args[0]);
  const subs = top ? [program] : any ? program.commands : found ? [found] : [];
  if (subs.length === 0) throw new Error(`${c.where}: \`vmlab ${c.args.join(" ")}\`: no subcommand "${c.args[0]}"`);
  // Commander gives every command -h/--help besides the options it declares (visibleOptions lists it).
  const options = subs.flatMap((sub) => [...sub.options, ...sub.createHelp().visibleOptions(sub)]);
  const known = new Set(options.flatMap((o) => [o.long, o.short]).filter((x): x is string => x !== undefined));
  const name = top ? "vmlab" : `vmlab ${c.args[0]}`;
  for (const a of top ? c.args : c.args.slice(1))
    for (const part of a.split("/"))
      if (part.startsWith("-") && !known.has(part.split("=")[0]))
        throw new Error(`${c.where}: \`vmlab ${c.args.join(" ")}\`: ${name} has no option ${part.split("=")[0]}`);
}

// ---- shell blocks ----

interface ShellCommand {
  line: string; // the command as written (continuations joined)
  segments: string[][]; // words of each `&&`/`|` segment
  shown: string[]; // whole-line `# ...` comments after it
}

/** Splits a command line into words, honouring quotes; a `#` after whitespace starts a comment. */
function words(line: string): string[][] {
  const segments: string[][] = [[]];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? "") + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (/\s/.test(c)) {
      if (word !== null) segments[segments.length - 1].push(word);
      word = null;
    } else if (c === "#" && word === null) {
      break;
    } else if (word === null && (line.startsWith("&&", i) || c === "|")) {
      segments.push([]);
      if (c === "&") i++;
    } else word = (word ?? "") + c;
  }
  if (word !== null) segments[segments.length - 1].push(word);
  return segments;
}

function shellCommands(b: Block): ShellCommand[] {
  const out: ShellCommand[] = [];
  let pending = "";
  for (const raw of b.body) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#") && pending === "") {
      const last = out.at(-1);
      if (!last) throw new Error(`${b.where}: an output comment before any command`);
      last.shown.push(line.replace(/^#\s?/, ""));
      continue;
    }
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = pending + line;
    pending = "";
    out.push({ line: full, segments: words(full), shown: [] });
  }
  return out;
}

/** The vmlab arguments of a segment (`vmlab ...` or `npx vmlab ...`), or null if it runs something else. */
function vmlabArgs(seg: string[]): string[] | null {
  if (seg[0] === "vmlab") return seg.slice(1);
  if (seg[0] === "npx" && seg[1] === "vmlab") return seg.slice(2);
  return null;
}

/** The shown line (tokens, `...` eliding) matches the printed line. */
export function matchesShown(shown: string, printed: string): boolean {
  const want = shown.trim().split(/\s+/);
  const have = printed.trim().split(/\s+/);
  const groups: string[][] = [[]];
  for (const t of want) {
    if (t === "..." || t === "…") groups.push([]);
    else groups[groups.length - 1].push(t);
  }
  const anchoredStart = want[0] !== "..." && want[0] !== "…";
  const anchoredEnd = want.at(-1) !== "..." && want.at(-1) !== "…";
  let pos = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    if (group.length === 0) continue;
    let found = -1;
    const last = g === groups.length - 1 && anchoredEnd;
    for (let at = pos; at + group.length <= have.length; at++) {
      if (g === 0 && anchoredStart && at !== 0) break;
      if (last && at + group.length !== have.length) continue;
      if (group.every((t, k) => have[at + k] === t)) {
        found = at;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + group.length;
  }
  return true;
}

/**
 * Checks a vmlab command as the CLI would, without doing its work: commander parses it (subcommand, option
 * names and values, choices, argument counts), then, in place of the action, the subcommand's own refusals
 * (`optionChecks`: `vmlab run` through its --dry-run check — scenario, --seed, --set values, the scenario's
 * own config checks, --out; boot's option pairs and counts; bench's name; ...). A disk model name is checked
 * here: boot finds an unknown one only when it attaches the disk.
 */
async function checkVmlabArgs(where: string, args: string[]): Promise<void> {
  let stderr = "";
  const program = buildProgram({ stdout: () => {}, stderr: (t) => (stderr += t), stderrIsTTY: false, stdoutBytes: () => {} });
  for (const sub of program.commands) {
    const check = optionChecks[sub.name()];
    sub.action(async (...a: unknown[]) => {
      await check?.(a.at(-1) as Command);
    });
  }
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError && e.code === "commander.helpDisplayed") return;
    const why = e instanceof CommanderError ? stderr.split("\n")[0] : e instanceof Error ? e.message : String(e);
    throw new Error(`${where}: the CLI refuses \`vmlab ${args.join(" ")}\`: ${why}`);
  }
  const at = args.indexOf("--disk-model");
  const model = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith("--disk-model="))?.slice("--disk-model=".length);
  if (model !== undefined && !(await allDiskModels()).some((m) => m.name === model)) throw new Error(`${where}: no disk model "${model}"`);
}

/** Runs a command's vmlab segment with the built CLI in a scratch directory (guest/ linked in). */
function runShown(cmd: ShellCommand, scratch: string): string {
  for (const seg of cmd.segments) {
    if (seg[0] === "truncate") {
      const size = seg[seg.indexOf("-s") + 1];
      const file = seg.at(-1) as string;
      const m = /^(\d+)([KMG]?)$/.exec(size);
      if (!m) throw new Error(`truncate size "${size}" is not supported here`);
      const bytes = Number(m[1]) * { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as "" | "K" | "M" | "G"];
      writeFileSync(join(scratch, file), Buffer.alloc(bytes));
      continue;
    }
    const args = vmlabArgs(seg);
    if (!args) throw new Error(`cannot run "${seg.join(" ")}" here: mark the block`);
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: scratch, encoding: "latin1", timeout: 30_000 });
    // A guest's exit code is its own; a vmlab error line (or being killed) means the command failed.
    if (r.status === null || (r.status !== 0 && /^vmlab: /m.test(r.stderr))) throw new Error(`\`${cmd.line}\` failed: ${r.stderr}`);
    return `${r.stdout}\n${r.stderr}`;
  }
  return "";
}

// ---- TypeScript blocks ----

const ARROW = /console\.log\((.*)\);\s*\/\/\s*→\s*(.*)$/;

/** The shown part of a `// → shown (prose)` comment: prose in parentheses is not compared. */
function shownOf(comment: string): string {
  return comment.replace(/\s*\(.*\)\s*$/, "").trim();
}

const tsBlocks = blocks.filter(
  (b) => b.kind === "ts" || b.kind === "fragment" || (b.kind === "slow" && (b.lang === "ts" || b.lang === "typescript")),
);

/** Type-checks every TypeScript block (fragments with their declarations) against the built packages, in one program. */
function typeCheck(): Map<string, string[]> {
  const dir = join(repo, "apps/cli/test");
  const files = new Map<string, string>();
  tsBlocks.forEach((b, i) => {
    files.set(join(dir, `__doc_example_${i}.ts`), `${b.markerBody}\n${b.body.join("\n")}\nexport {};\n`);
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    lib: ["lib.es2023.d.ts"],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, lang, ...rest) => {
    const text = files.get(resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, lang) : getSourceFile.call(host, name, lang, ...rest);
  };
  const fileExists = host.fileExists;
  host.fileExists = (name) => files.has(resolve(name)) || fileExists.call(host, name);
  const readFile = host.readFile;
  host.readFile = (name) => files.get(resolve(name)) ?? readFile.call(host, name);
  const program = ts.createProgram([...files.keys()], options, host);
  const errors = new Map<string, string[]>();
  tsBlocks.forEach((b, i) => {
    const sf = program.getSourceFile(join(dir, `__doc_example_${i}.ts`));
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    const offset = b.markerBody.split("\n").length; // lines before the block's first line
    errors.set(
      b.where,
      diags.map((d) => {
        const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line - offset + 1 : 0;
        const at = line >= 1 ? `block line ${line}` : "the marker's declarations";
        return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      }),
    );
  });
  return errors;
}

/** Runs a sample with node against the built packages; returns what each `// →` call printed. */
function runSample(b: Block, scratch: string): { shown: string[]; printed: string[] } {
  const shown: string[] = [];
  const src = b.body
    .map((line) => {
      const m = ARROW.exec(line);
      if (!m) return line;
      shown.push(shownOf(m[2]));
      return line.replace("console.log(", `__docShow(${shown.length - 1}, `);
    })
    .join("\n");
  const js = ts
    .transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext } })
    .outputText.replace(
      /from\s+"(@vmlab\/[\w-]+)"/g,
      (_, spec: string) => `from ${JSON.stringify(new URL(`../../../packages/${spec.slice(7)}/dist/index.js`, import.meta.url).href)}`,
    );
  const file = join(scratch, `sample-${b.where.replace(/[^\w]/g, "_")}.mjs`);
  const prelude = [
    'import { format as __docFormat } from "node:util";',
    'const __docShow = (n, ...a) => process.stdout.write("@@doc-example " + n + "@@" + __docFormat(...a) + "\\n");',
    "",
  ].join("\n");
  writeFileSync(file, prelude + js);
  const r = spawnSync(process.execPath, [file], { cwd: scratch, encoding: "utf8", timeout: 50_000 });
  if (r.status !== 0) throw new Error(`${b.where}: the sample failed (exit ${r.status}): ${r.stderr}`);
  const printed = shown.map(() => "");
  for (const m of r.stdout.matchAll(/^@@doc-example (\d+)@@(.*)$/gm)) printed[Number(m[1])] = m[2];
  return { shown, printed };
}

// ---- the tests ----

// The runs and the type-check use the built CLI and packages (`npm test` builds first); without them they skip, loudly.
const built = ["apps/cli/dist/bin.js", ...readdirSync(join(repo, "packages")).map((p) => `packages/${p}/dist/index.js`)]
  .filter((f) => !f.startsWith("packages/test-utils/"))
  .every((f) => existsSync(join(repo, f)));
if (!built) console.warn("doc-examples: vmlab is not built (`npm run build`): the docs' examples are not run or type-checked");
const scratch = mkdtempSync(join(tmpdir(), "vmlab-doc-examples-"));
symlinkSync(join(repo, "guest"), join(scratch, "guest"));
// Bare imports other than a package's root resolve as a reader's would: `@vmlab/core-vm/sim` through the package's
// exports (its built dist), `zod` for a scenario's schema. Without it they could be type-checked but not run.
symlinkSync(join(repo, "node_modules"), join(scratch, "node_modules"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the docs' code blocks", () => {
  it("finds the blocks (README.md, docs/*.md, packages/*/README.md)", () => {
    expect(blocks.length).toBeGreaterThan(20);
  });

  it("every block is classified: a command list, a TypeScript sample, or marked", () => {
    const bad: string[] = [];
    for (const b of blocks) {
      if (b.kind === "unclassified")
        bad.push(`${b.where}: a \`\`\`${b.lang} block: mark it (<!-- doc-example: reference -->, see CONTRIBUTING.md)`);
      if (b.kind === "shell")
        for (const c of shellCommands(b)) {
          const last = c.segments.at(-1) as string[];
          const setup = c.segments.length === 1 && last[0] === "truncate";
          if (!setup && !vmlabArgs(last)) bad.push(`${b.where}: \`${c.line}\` does not end in a vmlab command: mark the block`);
        }
    }
    expect(bad).toEqual([]);
  });

  const commandBlocks = blocks.filter((b) => b.kind === "shell" || b.kind === "host-clock" || (b.kind === "slow" && b.lang !== "ts"));
  for (const b of commandBlocks) {
    it(`${b.where}: its vmlab commands are ones the CLI takes (parsed and checked as it would, without the work)`, async () => {
      for (const c of shellCommands(b))
        for (const seg of c.segments) {
          const args = vmlabArgs(seg);
          if (args) await checkVmlabArgs(b.where, args);
        }
    });
  }

  it("the vmlab commands in running text (inline code) are ones the CLI takes; a pattern's names are real", async () => {
    const prose = docFiles(repo).flatMap((f) => proseCommands(f, readFileSync(join(repo, f), "utf8")));
    expect(prose.length).toBeGreaterThan(20);
    const bad: string[] = [];
    for (const c of prose) await checkProseCommand(c).catch((e: Error) => bad.push(e.message));
    expect(bad).toEqual([]);
  });

  it("the running-text check: spans outside fences; patterns and mentions by name, complete commands as the CLI takes them", async () => {
    const text =
      "Run `vmlab run qv --bogus` and `npx vmlab list`.\n```sh\n`vmlab nothing`\n```\nSee ``vmlab x`` and `vmlab boot <elf> --stats`.\n";
    expect(proseCommands("t.md", text)).toEqual([
      { where: "t.md:1", args: ["run", "qv", "--bogus"] },
      { where: "t.md:1", args: ["list"] },
      { where: "t.md:5", args: ["boot", "<elf>", "--stats"] },
    ]);
    const check = (span: string) => checkProseCommand({ where: "t.md:1", args: proseCommands("t.md", `\`${span}\``)[0].args });
    for (const [span, why] of [
      ["vmlab frobnicate", 'no subcommand "frobnicate"'],
      ["vmlab boot <elf> --bogus", "vmlab boot has no option --bogus"],
      ["vmlab boot … --snapshot-at/--sav", "vmlab boot has no option --sav"],
      ["vmlab run --dry-runn", "vmlab run has no option --dry-runn"],
      ["vmlab run esx-disk-perf --set arrayCacheMiB=-1", "arrayCacheMiB"],
      ["vmlab bench no.such.bench", "no.such.bench"],
      ["vmlab --verbose", "vmlab has no option --verbose"],
      ["vmlab <command> --nope", "vmlab <command> has no option --nope"],
    ])
      await expect(check(span), span).rejects.toThrow(why);
    for (const span of [
      "vmlab run <id> --dry-run",
      "vmlab boot --disk-model",
      "vmlab resume FILE",
      "vmlab run queue-validation --quick",
      // The CLI's own hint after a usage error: "run `vmlab --help` or `vmlab <command> --help` for usage".
      "vmlab <command> --help",
      "vmlab run <id> -h",
      "vmlab --help",
      "vmlab --version",
    ])
      await expect(check(span), span).resolves.toBeUndefined();
  });

  for (const b of blocks.filter((b) => b.kind === "shell" && shellCommands(b).some((c) => c.shown.length > 0))) {
    it.runIf(built)(`${b.where}: prints the output it shows (built CLI)`, () => {
      for (const c of shellCommands(b)) {
        if (c.shown.length === 0 && !c.segments.some((s) => s[0] === "truncate")) continue;
        const printed = runShown(c, scratch).split("\n");
        for (const s of c.shown) {
          const ok = printed.some((p) => matchesShown(s, p));
          expect(ok, `${b.where}: \`${c.line}\` shows\n  ${s}\nbut printed\n  ${printed.join("\n  ")}`).toBe(true);
        }
      }
    });
  }

  it.runIf(built)("every TypeScript block type-checks against the built packages", () => {
    const errors = typeCheck();
    const all = [...errors].flatMap(([where, es]) => es.map((e) => `${where}: ${e}`));
    expect(all).toEqual([]);
  });

  for (const b of blocks.filter((b) => b.kind === "ts")) {
    it.runIf(built)(`${b.where}: runs and prints what its \`// →\` comments show`, () => {
      const { shown, printed } = runSample(b, scratch);
      shown.forEach((s, i) => {
        expect(matchesShown(s, printed[i]), `${b.where}: shows ${s}, printed ${printed[i]}`).toBe(true);
      });
    });
  }

  it("the command check refuses what the CLI refuses, with the CLI's reason, and takes what it takes", async () => {
    // Each would pass a check of names alone: the checker must put the command through the subcommand's own refusals.
    const refused: [string, RegExp][] = [
      ["run queue-validation --seed -1", /--seed/],
      ["run esx-disk-perf --set testFileMiB=999999999", /testFileMiB: must be at most the local disk's 286102 MiB, got 999999999/],
      ["run parda-equal-shares --set windowMin=64 --set windowMax=8", /windowMax/],
      ["run queue-validation --nope", /unknown option '--nope'/],
      ["describe no-such-scenario", /no-such-scenario/],
      ["bench no-such-benchmark", /no-such-benchmark/],
      ["boot guest/x.elf --compress", /--compress/],
      ["resume x.snap --max-insns 1.5", /--max-insns 1\.5 is invalid/],
    ];
    for (const [cmd, why] of refused) await expect(checkVmlabArgs("t.md:1", cmd.split(" ")), cmd).rejects.toThrow(why);
    for (const cmd of ["run queue-validation --quick --set servers=1", "describe esx-disk-perf", "list", "boot guest/x.elf --ram 64"])
      await expect(checkVmlabArgs("t.md:1", cmd.split(" ")), cmd).resolves.toBeUndefined();
  });

  it("the matcher: `...` elides, tokens are whole, ends are anchored unless elided", () => {
    expect(matchesShown("a: x=1 ... z=3 ...", "a: x=1 y=2 z=3 w=4")).toBe(true);
    expect(matchesShown("a: x=1 ... z=3", "a: x=1 y=2 z=3 w=4")).toBe(false);
    expect(matchesShown("a: x=1 z=3 ...", "a: x=1 y=2 z=3")).toBe(false);
    expect(matchesShown("... z=3", "a: x=1 y=2 z=33")).toBe(false);
    expect(matchesShown("12.8", "12.8")).toBe(true);
  });
});
