import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { renderFigureSvg } from "./charts.js";
import { fileStem, tableCsvChunks } from "./csv.js";
import { renderHtml } from "./html.js";
import type { FileContent } from "./output.js";
import { parseResults, type Results, resultsJsonChunks } from "./results.js";

/** A figure whose Vega-Lite spec could not be compiled or rendered (`vmlab report` reads specs from a user's file). */
export class FigureRenderError extends Error {
  constructor(
    readonly figure: string,
    readonly reason: string,
  ) {
    super(`figure "${figure}" cannot be rendered (${reason}); fix its spec, or run the scenario again`);
  }
}

/** The files every run writes, whatever its tables and figures (so `--out` can be checked for them before the run). */
export const ALWAYS_WRITTEN = ["results.json", "index.html"] as const;

/** The names of the files `renderOutputFiles` writes for `r`. */
export function outputFileNames(r: Pick<Results, "tables" | "figures">): string[] {
  return [
    ALWAYS_WRITTEN[0],
    ...r.tables.map((t) => `${fileStem(t.name)}.csv`),
    ...r.figures.map((f) => `${fileStem(f.name)}.svg`),
    ALWAYS_WRITTEN[1],
  ];
}

/**
 * The files a previous run wrote into `dir`, from its results.json; none if there is no
 * readable vmlab results.json (then nothing in `dir` is taken for a previous run's).
 */
export async function previousOutputFiles(dir: string): Promise<string[]> {
  try {
    // parseResults, as `run` and `report` parse: the schema copied a long run's rows cell by cell (2.6 s for 147 MB).
    return outputFileNames(parseResults(JSON.parse(await readFile(join(dir, "results.json"), "utf8"))));
  } catch {
    return [];
  }
}

/**
 * Every file of a run's output directory, rendered from its results; results.json and the CSVs as chunks written
 * as they are made (a long run's were hundreds of MB of strings held at once), the charts and index.html whole.
 */
export async function renderOutputFiles(r: Results): Promise<Map<string, FileContent>> {
  const files = new Map<string, FileContent>();
  files.set("results.json", resultsJsonChunks(r));
  for (const t of r.tables) files.set(`${fileStem(t.name)}.csv`, tableCsvChunks(t));
  const svgs = new Map<string, string>();
  for (const f of r.figures) {
    let svg: string;
    try {
      svg = await renderFigureSvg(f, r.tables);
    } catch (e) {
      throw new FigureRenderError(f.name, e instanceof Error ? e.message : String(e));
    }
    svgs.set(f.name, svg);
    files.set(`${fileStem(f.name)}.svg`, svg);
  }
  files.set("index.html", renderHtml(r, svgs));
  return files;
}
