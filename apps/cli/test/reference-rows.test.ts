// Every scenario's reference rows, from its quick run through the CLI (results.json and index.html as a user gets
// them): a "paper" figure the run computed is marked as such, and every figure says its unit and scale. The report
// printed Little's law's OIO / IOPS of this very run in the "paper" column, where a reader took it for the paper's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { allScenarios } from "../src/plugins.js";
import type { Results } from "../src/render/results.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

type Row = Results["reference"][number];
const SEEDS = [1, 2] as const;
const runs = new Map<string, { json: Results; html: string }[]>();

beforeAll(async () => {
  const dir = scratchDir("vmlab-reference-rows-");
  for (const { scenario } of await allScenarios()) {
    const out: { json: Results; html: string }[] = [];
    for (const seed of SEEDS) {
      const at = join(dir, `${scenario.id}-${seed}`);
      const r = await runCli("run", scenario.id, "--quick", "--seed", String(seed), "--out", at);
      expect(r.code, `${scenario.id}: ${r.stderr}`).toBe(0);
      out.push({ json: JSON.parse(readFileSync(join(at, "results.json"), "utf8")), html: readFileSync(join(at, "index.html"), "utf8") });
    }
    runs.set(scenario.id, out);
  }
  // 12 scenarios twice over at --quick: about a minute of CPU on a loaded machine.
}, 600_000);

/** Each scenario's rows, as `id: what` and the row of each seed's run. */
function rows(): [string, Row[]][] {
  const out: [string, Row[]][] = [];
  for (const [id, r] of runs) {
    for (const row of r[0].json.reference) {
      const all = r.map((x) => x.json.reference.find((y) => y.what === row.what)).filter((y): y is Row => y !== undefined);
      out.push([`${id}: ${row.what}`, all]);
    }
  }
  return out;
}

/** A cell that writes its figure as a percentage ("≈ 100%", "13.8%"). */
const percent = (v: unknown) => typeof v === "string" && /\d\s*%/.test(v);

describe("every scenario's reference rows", () => {
  it("ran every scenario, each with rows", () => {
    expect(runs.size).toBeGreaterThanOrEqual(12);
    for (const [id, r] of runs) expect(r[0].json.reference.length, id).toBeGreaterThan(0);
  });

  it("mark a figure that moves with the seed as computed: the paper gave one number, whatever vmlab's seed", () => {
    const unmarked = rows()
      .filter(([, r]) => r.length === SEEDS.length && typeof r[0].paper === "number" && r.some((x) => x.paper !== r[0].paper))
      .filter(([, r]) => r.some((x) => x.paperComputed !== true))
      .map(([name]) => name);
    expect(unmarked).toEqual([]);
  });

  it("give a numeric reference figure a source it quotes, or mark it computed", () => {
    const bare = rows()
      .filter(([, [r]]) => typeof r.paper === "number" && r.source === undefined && r.paperComputed !== true)
      .map(([name]) => name);
    expect(bare).toEqual([]);
  });

  it("give every numeric figure its unit", () => {
    const without = rows()
      .filter(([, [r]]) => (typeof r.paper === "number" || typeof r.ours === "number") && !r.unit)
      .map(([name]) => name);
    expect(without).toEqual([]);
  });

  it("write the paper's and vmlab's figures of a row on one scale (a percentage on both or on neither)", () => {
    const mixed = rows()
      .filter(([, [r]]) => {
        const pct = (v: unknown) => percent(v) || (typeof v === "number" && r.unit === "%");
        return (percent(r.paper) || percent(r.ours)) && !(pct(r.paper) && pct(r.ours)) && r.paper !== "—";
      })
      .map(([name]) => name);
    expect(mixed).toEqual([]);
  });

  it("show a computed figure in index.html as expected, not as the paper's", () => {
    const computed = [...runs].filter(([, r]) => r[0].json.reference.some((x) => x.paperComputed === true));
    // vscsistats-characterize's Little's law and 1/λ, queue-validation's Erlang C at least.
    expect(computed.map(([id]) => id)).toEqual(expect.arrayContaining(["queue-validation", "vscsistats-characterize"]));
    for (const [id, r] of computed) {
      expect(r[0].html, id).toContain("<th>paper or expected</th>");
      expect(r[0].html, id).toMatch(/<td>[^<]*\(expected\)<\/td>/);
    }
  });
});
