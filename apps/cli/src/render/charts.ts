import type { Figure, Table } from "@vmlab/core-vm";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/**
 * Renders a figure (Vega-Lite spec without data) with its table's rows to
 * SVG, headless: Vega's SVG renderer needs no canvas.
 */
export async function renderFigureSvg(figure: Figure, tables: readonly Table[]): Promise<string> {
  const table = tables.find((t) => t.name === figure.table);
  const values = table ? table.rows : [];
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: figure.title,
    width: 480,
    height: 300,
    ...figure.spec,
    data: { values },
  } as TopLevelSpec;
  const vg = compile(spec).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
