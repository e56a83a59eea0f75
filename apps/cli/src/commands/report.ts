import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isVmlabError } from "@vmlab/core-vm";
import type { Command } from "commander";
import { z } from "zod";
import { CliErrors } from "../errors.js";
import type { CliIo } from "../io.js";
import { type FileContent, leftoverWriteNotes, writeFilesAtomically } from "../render/output.js";
import { FigureRenderError, renderOutputFiles } from "../render/report.js";
import { parseResults, type Results } from "../render/results.js";

/** Fields named after the first problem: a results.json cut short misses all ten, and a longer list says nothing more. */
const MAX_NAMED = 10;

/**
 * The schema's problems as one line: the first (a missing field as "missing (expected object)"), then how many more
 * and at which fields. Every message joined was ten "Invalid input: expected …, received undefined" for a file of
 * `{"format":"vmlab-results/1"}`.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const at = (i: z.core.$ZodIssue) => (i.path.length > 0 ? i.path.join(".") : "(root)");
  const what = (i: z.core.$ZodIssue) => i.message.replace(/^Invalid input: expected (\w+), received undefined$/, "missing (expected $1)");
  const [first, ...rest] = issues;
  if (first === undefined) return "it does not match the results schema";
  const head = `${at(first)}: ${what(first)}`;
  if (rest.length === 0) return head;
  const fields = [...new Set(rest.map(at))];
  const named = fields.slice(0, MAX_NAMED).join(", ") + (fields.length > MAX_NAMED ? ", …" : "");
  return `${head}; ${rest.length} more problem${rest.length === 1 ? "" : "s"}, at ${named}`;
}

export function register(program: Command, io: CliIo): void {
  program
    .command("report")
    .description("regenerate the CSV tables, SVG charts and index.html of a run from its results.json")
    .argument("<dir>", "a directory written by `vmlab run --out`")
    .action(async (dir: string) => {
      const file = join(dir, "results.json");
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (e) {
        throw CliErrors.unreadableResults(file, (e as Error).message);
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (e) {
        throw CliErrors.badResults(file, `not JSON (${(e as Error).message})`);
      }
      let results: Results;
      try {
        // Rows kept as they are where the schema would keep them: zod copied a long run's rows cell by cell.
        results = parseResults(data);
      } catch (e) {
        if (!(e instanceof z.ZodError)) throw e;
        throw CliErrors.badResults(file, describeIssues(e.issues));
      }
      let files: Map<string, FileContent>;
      try {
        files = await renderOutputFiles(results);
      } catch (e) {
        // The figure specs come from the file (edited to re-style a chart, say): a spec Vega-Lite rejects is bad input.
        if (e instanceof FigureRenderError) throw CliErrors.badResults(file, e.message);
        throw e;
      }
      files.delete("results.json");
      try {
        // What the report writes is what this results.json lists (but itself): the run's own files, which it may replace.
        await writeFilesAtomically(dir, files, [...files.keys()]);
      } catch (e) {
        if (isVmlabError(e) && e.code === "VMLAB_CLI_UNWRITABLE_OUT") throw CliErrors.unwritableReport(dir, String(e.details.why));
        throw e;
      }
      for (const note of await leftoverWriteNotes(dir)) io.stderr(`vmlab: note: ${note}\n`);
      io.stderr(`vmlab: report regenerated: ${join(dir, "index.html")}\n`);
    });
}
