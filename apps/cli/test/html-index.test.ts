import { describe, expect, it } from "vitest";
import { renderHtml } from "../src/render/html.js";
import type { Results } from "../src/render/results.js";

const results = (rows: number[]): Results => ({
  format: "vmlab-results/1",
  scenario: { id: "s", title: "S", paper: "P", package: "@vmlab/storage" },
  seed: 1,
  quick: false,
  config: {},
  versions: {},
  metrics: {},
  tables: rows.map((n, i) => ({ name: `t${i}`, columns: ["x"], rows: Array.from({ length: n }, (_, x) => ({ x })) })),
  figures: [],
  reference: [],
  notes: [],
});

describe("index.html", () => {
  // A one-row table was listed as "(1 rows)".
  it("lists each table's CSV with its row count, the noun agreeing with it", () => {
    const html = renderHtml(results([1, 2]), new Map());
    expect(html).toContain('<a href="t0.csv">t0.csv</a> (1 row)</li>');
    expect(html).toContain('<a href="t1.csv">t1.csv</a> (2 rows)</li>');
  });
  it("shows a reference row's tolerance and verdict when the scenario gives them, and no such columns when none does", () => {
    const withChecks = renderHtml(
      { ...results([]), reference: [{ what: "share", paper: "≈ 100%", ours: 0.9, tolerance: "at least 99%", verdict: "fail" }] },
      new Map(),
    );
    expect(withChecks).toContain("<th>tolerance</th><th>check</th>");
    expect(withChecks).toContain('<td>at least 99%</td><td class="fail">fail</td>');
    const without = renderHtml({ ...results([]), reference: [{ what: "w", paper: 1, ours: 2 }] }, new Map());
    expect(without).not.toContain("<th>tolerance</th>");
  });
  // A failed check stood in a plain cell like a passed one, and nothing near the top said that one had failed.
  it("marks each verdict cell by its verdict and says at the top how the checks went, naming the failed ones", () => {
    const reference = [
      { what: "host 1 latency", paper: 30, ours: 31, tolerance: "±10%", verdict: "pass" as const },
      { what: "host <2> latency", paper: 30, ours: 50, tolerance: "±10%", verdict: "fail" as const },
      { what: "total IOPS", paper: 3000, ours: null, tolerance: "±10%", verdict: "n/a" as const },
      { what: "host 3 latency", paper: 30, ours: 45, tolerance: "±10%", verdict: "fail" as const },
    ];
    const html = renderHtml({ ...results([]), reference }, new Map());
    expect(html).toContain('<td class="pass">pass</td>');
    expect(html).toContain('<td class="fail">fail</td>');
    expect(html).toContain("<td>n/a</td>");
    const summary =
      '<p class="checks-failed">Reference checks: 1 pass, 2 fail, 1 n/a — failed: host &lt;2&gt; latency; host 3 latency.</p>';
    expect(html).toContain(summary);
    // Above the figures and the tables, under the title.
    expect(html.indexOf(summary)).toBeLessThan(html.indexOf("<h2>"));
    const allPass = renderHtml({ ...results([]), reference: [reference[0]] }, new Map());
    expect(allPass).toContain('<p class="checks">Reference checks: 1 pass, 0 fail.</p>');
    expect(renderHtml({ ...results([]), reference: [{ what: "w", paper: 1, ours: 2 }] }, new Map())).not.toContain("Reference checks");
  });
  // At 4 significant digits a row judged to ±0.0005 read "15.95 | 15.95 | fail": the verdict's difference was not shown.
  it("shows a checked row's figures to the digits its tolerance judges", () => {
    const html = renderHtml(
      {
        ...results([]),
        reference: [{ what: "mean OIO", paper: 15.9465, ours: 15.9475, tolerance: "±0.0005 IOs", verdict: "fail" }],
      },
      new Map(),
    );
    expect(html).toContain("<td>15.9465</td><td>15.9475</td>");
  });
  // Little's law's OIO / IOPS of the run itself sat in the "paper" column, where a reader took it for the paper's figure.
  it("shows a computed reference figure as expected, under a column that says so; a quoted one as it is", () => {
    const html = renderHtml(
      {
        ...results([]),
        reference: [
          {
            what: "latency vs Little's law",
            paper: 10776.8,
            paperComputed: true,
            ours: 10766.6,
            unit: "µs",
            tolerance: "±5%",
            verdict: "pass",
          },
          { what: "latency", paper: 31, ours: 31.3, unit: "ms", source: "Table 3" },
        ],
      },
      new Map(),
    );
    expect(html).toContain("<th>what</th><th>paper or expected</th><th>vmlab</th><th>unit</th>");
    expect(html).toContain("<td>10776.8 (expected)</td><td>10766.6</td><td>µs</td>");
    expect(html).toContain("<td>31</td><td>31.3</td><td>ms</td>");
    const quoted = renderHtml({ ...results([]), reference: [{ what: "latency", paper: 31, ours: 31.3, unit: "ms" }] }, new Map());
    expect(quoted).toContain("<th>what</th><th>paper</th>");
    expect(quoted).not.toContain("expected");
  });
  // A chart wider than the page was cut off at its edge (the browser test checks the layout); its file is linked.
  it("links each drawn chart's SVG file at full size", () => {
    const r: Results = { ...results([]), figures: [{ name: "VM ratio", title: "Ratio", table: "t", spec: {} }] };
    expect(renderHtml(r, new Map([["VM ratio", "<svg></svg>"]]))).toContain('Ratio (<a href="VM-ratio.svg">full size</a>)</figcaption>');
    expect(renderHtml(r, new Map())).toContain("<figcaption>Ratio</figcaption>");
  });
  // toPrecision(4) alone printed a mean latency of 10,840.3 µs as "1.084e+4".
  it("shows metrics to 4 significant digits without exponents", () => {
    const html = renderHtml({ ...results([]), metrics: { lat: 10840.3, small: 0.012345, ratio: 0.99712 } }, new Map());
    expect(html).toContain("<td>lat</td><td>10840</td>");
    expect(html).toContain("<td>small</td><td>0.01235</td>");
    expect(html).toContain("<td>ratio</td><td>0.9971</td>");
  });
});
