import { plural } from "@vmlab/core-vm";
import { checkCounts, formatCheckCounts } from "./checks.js";
import { fileStem } from "./csv.js";
import type { Results } from "./results.js";

function esc(s: unknown): string {
  return String(s ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/**
 * A value for a cell; a number to `digits` significant digits in positional form, trailing zeros dropped
 * (toPrecision alone gave "1.084e+4" for a latency of 10,840 µs).
 */
function fmt(v: unknown, digits = 4): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits)));
  if (v === null || v === undefined) return "–";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/**
 * A checked reference row's figure: 6 significant digits (as scenarios round them). Its tolerance can be finer
 * than 4 digits (±0.0005 IOs of 15.9465): at 4, a failed row read "15.95 | 15.95 | fail".
 */
const fmtChecked = (v: unknown) => fmt(v, 6);

/** A reference row's verdict cell, classed by its verdict (pass, fail) so a failed one stands out. */
function verdictCell(verdict: string | undefined): string {
  return verdict === "pass" || verdict === "fail" ? `<td class="${verdict}">${verdict}</td>` : `<td>${esc(verdict)}</td>`;
}

/** index.html: our charts beside the paper's reference numbers, the config, and links to the data. */
export function renderHtml(r: Results, svgs: ReadonlyMap<string, string>): string {
  // The tolerance and verdict columns only where a scenario's rows are checks: the others' tables stay as they were.
  const checks = r.reference.some((x) => x.tolerance !== undefined || x.verdict !== undefined);
  const figure = (x: Results["reference"][number], v: unknown) => (x.tolerance !== undefined ? fmtChecked(v) : fmt(v));
  // A figure vmlab computed (Little's law of this run, Erlang C) is said to be expected: a reader took it for the paper's.
  const computed = r.reference.some((x) => x.paperComputed === true);
  const paperCell = (x: Results["reference"][number]) => `${figure(x, x.paper)}${x.paperComputed === true ? " (expected)" : ""}`;
  const ref = r.reference.length
    ? `<table><thead><tr><th>what</th><th>${computed ? "paper or expected" : "paper"}</th><th>vmlab</th><th>unit</th>${checks ? "<th>tolerance</th><th>check</th>" : ""}<th>source</th><th>note</th></tr></thead><tbody>${r.reference
        .map(
          (x) =>
            `<tr><td>${esc(x.what)}</td><td>${esc(paperCell(x))}</td><td>${esc(figure(x, x.ours))}</td><td>${esc(x.unit)}</td>${checks ? `<td>${esc(x.tolerance)}</td>${verdictCell(x.verdict)}` : ""}<td>${esc(x.source)}</td><td>${esc(x.note)}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "<p>No reference numbers.</p>";
  // A failed check stood in a plain cell like a passed one, with nothing above the fold to say one failed.
  const counts = checkCounts(r.reference);
  const summary =
    counts === null
      ? ""
      : `<p class="${counts.fail > 0 ? "checks-failed" : "checks"}">Reference checks: ${esc(formatCheckCounts(counts))}${
          counts.fail > 0 ? ` — failed: ${counts.failed.map((w) => esc(w)).join("; ")}` : ""
        }.</p>`;
  const figures = r.figures
    .map((f) => {
      const svg = svgs.get(f.name);
      // A chart wider than the page is drawn to the page's width (its SVG scales); the file is there at full size.
      const full = svg === undefined ? "" : ` (<a href="${esc(fileStem(f.name))}.svg">full size</a>)`;
      return `<figure><div class="chart">${svg ?? ""}</div><figcaption>${esc(f.title)}${full}</figcaption></figure>`;
    })
    .join("\n");
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(fmt(v))}</td></tr>`)
    .join("");
  const config = Object.entries(r.config)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(fmt(v))}</td></tr>`)
    .join("");
  const tables = r.tables
    .map((t) => `<li><a href="${esc(fileStem(t.name))}.csv">${esc(t.name)}.csv</a> (${plural(t.rows.length, "row")})</li>`)
    .join("");
  const notes = r.notes.map((n) => `<li>${esc(n)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vmlab: ${esc(r.scenario.id)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;font-size:.9rem}
th{background:#f3f3f3}.side{display:flex;flex-wrap:wrap;gap:2rem;align-items:flex-start}.side>section{min-width:0;max-width:100%}
figure{margin:0 0 1rem}.chart svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555}code{background:#f3f3f3;padding:0 .2rem}
td.pass{color:#176c2e}td.fail{color:#b00020;font-weight:bold;background:#fdecee}
.checks-failed{color:#b00020;font-weight:bold}
</style></head><body>
<h1>${esc(r.scenario.title)}</h1>
<p>Scenario <code>${esc(r.scenario.id)}</code> from <code>${esc(r.scenario.package)}</code> — reproduces <em>${esc(r.scenario.paper)}</em>.
Seed ${r.seed}${r.quick ? ", quick run" : ""}. vmlab ${esc(r.versions.vmlab)}.</p>
${summary}
<div class="side"><section><h2>Our figures</h2>${figures || "<p>No figures.</p>"}</section>
<section><h2>The paper's numbers beside ours</h2>${ref}</section></div>
<h2>Headline metrics</h2><table><tbody>${metrics}</tbody></table>
${notes ? `<h2>Notes</h2><ul>${notes}</ul>` : ""}
<h2>Configuration</h2><table><tbody>${config}</tbody></table>
<h2>Data</h2><ul><li><a href="results.json">results.json</a></li>${tables}</ul>
</body></html>
`;
}
