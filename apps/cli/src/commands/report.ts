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
        throw CliErrors.badResults(file, e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
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
        await writeFilesAtomically(dir, files);
      } catch (e) {
        if (isVmlabError(e) && e.code === "VMLAB_CLI_UNWRITABLE_OUT") throw CliErrors.unwritableReport(dir, String(e.details.why));
        throw e;
      }
      for (const note of await leftoverWriteNotes(dir)) io.stderr(`vmlab: note: ${note}\n`);
      io.stderr(`vmlab: report regenerated: ${join(dir, "index.html")}\n`);
    });
}
