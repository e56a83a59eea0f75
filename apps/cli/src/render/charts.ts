import type { Figure, Table } from "@vmlab/core-vm";
import { logger, parse, View, Warn } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { chartRows } from "./downsample.js";

/**
 * Renders a figure (Vega-Lite spec without data) with its table's rows to
 * SVG, headless: Vega's SVG renderer needs no canvas. A line chart with very
 * long series is drawn from a bounded number of its points (`chartRows`),
 * which its subtitle says. Vega-Lite's warnings go to `warn` (stderr).
 */
export async function renderFigureSvg(
  figure: Figure,
  tables: readonly Table[],
  warn: (message: string) => void = (m) => console.warn(`vmlab: ${m}`),
): Promise<string> {
  const table = tables.find((t) => t.name === figure.table);
  const { rows: values, note } = chartRows(figure.spec, table ? table.rows : []);
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    // A title with no subtitle as before, so the charts of every run that draws all its points are unchanged.
    title: note === undefined ? figure.title : { text: figure.title, subtitle: note },
    width: 480,
    height: 300,
    ...figure.spec,
    data: { values },
  } as TopLevelSpec;
  // Vega-Lite's warnings (a spec it had to guess at) name the chart they are of; `warn` lets a test see them.
  const warnings = logger(Warn, "warn", (_method, _level, args) => warn(`chart ${figure.name}: ${Array.from(args, String).join(" ")}`));
  const vg = compile(spec, { logger: warnings }).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
