/**
 * The HTML report a run writes, opened in a real browser (Debian's chromium through playwright-core):
 * it loads without errors, every chart is drawn (an SVG of real size with Vega marks in it) and every
 * table has rows without NaN/undefined cells. Skipped, loudly, where chromium is not installed
 * (`.ci/run` installs it).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtml } from "../src/render/html.js";
import type { Results } from "../src/render/results.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const executablePath = [process.env.VMLAB_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p): p is string => p !== undefined && p !== "" && existsSync(p),
);
if (executablePath === undefined)
  console.warn("chromium not installed (apt-get install chromium, or set VMLAB_CHROMIUM): the report browser tests are skipped");

// The callback given to page.evaluate runs in chromium, not in Node, so it may use the DOM; this package's lib
// has none (nothing else here may touch browser globals). Declared: only what that callback reads of the page.
interface PageElements extends Iterable<PageElement> {
  readonly length: number;
}
interface PageElement {
  readonly textContent: string | null;
  querySelectorAll(selectors: string): PageElements;
  getBoundingClientRect(): { readonly width: number; readonly height: number; readonly right: number; readonly top: number };
}
declare const document: {
  readonly title: string;
  readonly documentElement: { readonly clientWidth: number; readonly scrollWidth: number };
  querySelectorAll(selectors: string): PageElements;
};
declare function getComputedStyle(element: PageElement): {
  readonly visibility: string;
  readonly display: string;
  readonly color: string;
  readonly fontWeight: string;
};
declare const window: { readonly innerHeight: number };

interface PageFacts {
  title: string;
  /** The page's width, and how wide its content is (wider: the page scrolls sideways, a chart is cut off). */
  pageWidth: number;
  contentWidth: number;
  charts: { width: number; height: number; right: number; marks: number; visible: boolean }[];
  tables: { rows: number; badCells: string[] }[];
}

describe.skipIf(executablePath === undefined)("the HTML report in a browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ["queue-validation", 2],
    ["vscsistats-characterize", 5],
    ["esx-disk-perf", 4],
  ])(
    "%s: loads without errors, draws its %i charts and fills its tables",
    async (id, minCharts) => {
      const out = join(scratchDir("vmlab-report-"), "run");
      const run = await runCli("run", id, "--quick", "--out", out);
      expect(run.code, run.stderr).toBe(0);
      // A laptop's window: the widest charts (a grid of five OIO columns) are wider than it.
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("requestfailed", (r) => errors.push(`failed to load ${r.url()}`));
      await page.goto(pathToFileURL(join(out, "index.html")).href, { waitUntil: "load" });
      const facts: PageFacts = await page.evaluate(() => ({
        title: document.title,
        pageWidth: document.documentElement.clientWidth,
        contentWidth: document.documentElement.scrollWidth,
        charts: [...document.querySelectorAll("figure svg")].map((svg) => {
          const box = svg.getBoundingClientRect();
          const style = getComputedStyle(svg);
          // Vega draws marks as groups with a mark-<type> class: lines, symbols, rects, areas, texts.
          const marks = svg.querySelectorAll('[class*="mark-"] path, [class*="mark-"] line, [class*="mark-"] text').length;
          return {
            width: box.width,
            height: box.height,
            right: box.right,
            marks,
            visible: style.visibility !== "hidden" && style.display !== "none",
          };
        }),
        tables: [...document.querySelectorAll("table")].map((t) => {
          const cells = [...t.querySelectorAll("td")].map((td) => td.textContent ?? "");
          return { rows: t.querySelectorAll("tr").length - 1, badCells: cells.filter((c) => /NaN|undefined|\[object/.test(c)) };
        }),
      }));
      await page.close();
      expect(errors).toEqual([]);
      expect(facts.title).toBe(`vmlab: ${id}`);
      expect(facts.charts.length).toBeGreaterThanOrEqual(minCharts);
      // Every chart is whole on the page: none is cut off at the window's edge, none needs a sideways scroll.
      expect(facts.contentWidth).toBeLessThanOrEqual(facts.pageWidth);
      for (const c of facts.charts) {
        expect(c.visible).toBe(true);
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(100);
        expect(c.marks).toBeGreaterThan(5);
        expect(c.right).toBeLessThanOrEqual(facts.pageWidth);
      }
      expect(facts.tables.length).toBeGreaterThan(0);
      for (const t of facts.tables) {
        expect(t.rows).toBeGreaterThan(0);
        expect(t.badCells).toEqual([]);
      }
    },
    120_000,
  );
  // A failed check looked exactly like a passed one: the word in a plain cell, nothing at the top of the page.
  it("shows a failed check apart from a passed one, and says near the top that a check failed", async () => {
    const results: Results = {
      format: "vmlab-results/1",
      scenario: { id: "s", title: "S", paper: "P", package: "@vmlab/qos" },
      seed: 1,
      quick: true,
      config: {},
      versions: {},
      metrics: {},
      tables: [],
      figures: [],
      reference: [
        { what: "host 1 latency", paper: 30, ours: 31, tolerance: "±10%", verdict: "pass" },
        { what: "host 2 latency", paper: 30, ours: 50, tolerance: "±10%", verdict: "fail" },
      ],
      notes: [],
    };
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.setContent(renderHtml(results, new Map()));
    const look = await page.evaluate(() => {
      const style = (selector: string) => {
        const [el] = [...document.querySelectorAll(selector)];
        const s = getComputedStyle(el);
        return { color: s.color, weight: s.fontWeight, top: el.getBoundingClientRect().top, text: el.textContent };
      };
      return { pass: style("td.pass"), fail: style("td.fail"), summary: style(".checks-failed"), viewport: window.innerHeight };
    });
    await page.close();
    expect(look.fail.color).not.toBe(look.pass.color);
    expect(look.fail.weight).not.toBe(look.pass.weight);
    expect(look.summary.text).toBe("Reference checks: 1 pass, 1 fail — failed: host 2 latency.");
    expect(look.summary.top).toBeLessThan(look.viewport);
  }, 60_000);
});
