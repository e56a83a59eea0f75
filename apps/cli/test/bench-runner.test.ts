import type { Benchmark } from "@vmlab/core-vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "./helpers.js";

/**
 * How `vmlab bench` runs benchmarks and reports them (issue #6: `vmlab bench --json` gives each benchmark with "a
 * naive baseline in the same run"), with benchmarks whose results are known: what it prints, not how fast.
 */
const bench = vi.hoisted(() => ({ runs: [] as { name: string; quick: boolean }[] }));

vi.mock("../src/plugins.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/plugins.js")>();
  const fake = (name: string, value: number, baseline: { name: string; value: number } | null, note?: string): Benchmark => ({
    name,
    unit: "ops/s",
    description: name,
    run: async ({ quick }) => {
      bench.runs.push({ name, quick });
      return { value, baseline, ...(note ? { note } : {}) };
    },
  });
  return {
    ...actual,
    allBenchmarks: async () => [
      { benchmark: fake("fake.fast", 3e6, { name: "naive", value: 1.5e6 }, "a note"), package: "@vmlab/fake" },
      { benchmark: fake("fake.alone", 250, null), package: "@vmlab/fake" },
      { benchmark: fake("fakeother.x", 1, { name: "n", value: 1 }), package: "@vmlab/fake" },
      { benchmark: fake("zero.base", 5, { name: "idle", value: 0 }), package: "@vmlab/fake" },
      { benchmark: fake("mega.exact", 1e6, { name: "ref", value: 1e3 }), package: "@vmlab/fake" },
    ],
  };
});

afterEach(() => {
  bench.runs.length = 0;
});

describe("vmlab bench runs what it is asked and reports each with its same-run baseline", () => {
  it("--json: every chosen benchmark once, in order, with its value, unit, baseline, ratio and note", async () => {
    const r = await runCli("bench", "fake", "--json", "--quick");
    expect(r.code).toBe(0);
    expect(bench.runs).toEqual([
      { name: "fake.fast", quick: true },
      { name: "fake.alone", quick: true },
    ]);
    expect(JSON.parse(r.stdout)).toEqual([
      { name: "fake.fast", value: 3e6, unit: "ops/s", baseline: { name: "naive", value: 1.5e6 }, ratio: 2, note: "a note" },
      { name: "fake.alone", value: 250, unit: "ops/s", baseline: null, ratio: null },
    ]);
  });

  it("without --json: one line each, the baseline and ratio beside ours, and full-length runs unless --quick", async () => {
    const r = await runCli("bench", "fake");
    expect(r.code).toBe(0);
    expect(bench.runs.map((b) => b.quick)).toEqual([false, false]);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^fake\.fast\s+3\.00M ops\/s {2}vs naive 1\.50M {2}ratio 2\.00 {2}\(a note\)$/);
    expect(lines[1]).toMatch(/^fake\.alone\s+250\.0 ops\/s$/);
  });

  it("a name matches a whole dotted component: `fake.fa` is not `fake.fast` (nothing runs)", async () => {
    const r = await runCli("bench", "fake.fa");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no benchmark matches "fake\.fa"/);
    expect(bench.runs).toEqual([]);
  });

  it("a whole name runs that benchmark alone; no name runs every one, in order", async () => {
    expect((await runCli("bench", "fake.fast", "--json")).code).toBe(0);
    expect(bench.runs.map((b) => b.name)).toEqual(["fake.fast"]);
    bench.runs.length = 0;
    const all = await runCli("bench", "--json");
    expect(all.code).toBe(0);
    expect(bench.runs.map((b) => b.name)).toEqual(["fake.fast", "fake.alone", "fakeother.x", "zero.base", "mega.exact"]);
    expect((JSON.parse(all.stdout) as { name: string }[]).map((l) => l.name)).toEqual(bench.runs.map((b) => b.name));
  });

  it("a name that matches none is refused with the names it could be", async () => {
    const r = await runCli("bench", "nope");
    expect(r.stderr).toBe(
      'vmlab: no benchmark matches "nope"; known: fake.fast, fake.alone, fakeother.x, zero.base, mega.exact [VMLAB_CLI_UNKNOWN_BENCHMARK]\n',
    );
    expect(r.code).toBe(2);
  });

  it("a baseline of 0 has no ratio: null in --json, none printed (not 'ratio undefined')", async () => {
    const j = await runCli("bench", "zero", "--json");
    expect(JSON.parse(j.stdout)).toEqual([
      { name: "zero.base", value: 5, unit: "ops/s", baseline: { name: "idle", value: 0 }, ratio: null },
    ]);
    const r = await runCli("bench", "zero");
    expect(r.stdout).toMatch(/^zero\.base\s+5\.000 ops\/s {2}vs idle 0\.000\n$/);
  });

  it("a value of exactly a million or a thousand takes the larger unit (1.00M, 1.0k)", async () => {
    const r = await runCli("bench", "mega");
    expect(r.stdout).toMatch(/^mega\.exact\s+1\.00M ops\/s {2}vs ref 1\.0k {2}ratio 1000\.00\n$/);
  });
});

describe("vmlab bench --help lists the benchmarks (only the unknown-name refusal did)", () => {
  it("names each with its description, for `bench --help` and `help bench`", async () => {
    for (const argv of [
      ["bench", "--help"],
      ["help", "bench"],
    ]) {
      const r = await runCli(...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Benchmarks:\n");
      expect(r.stdout).toMatch(/\n {2}fake\.fast +fake\.fast\n/);
      for (const name of ["fake.alone", "fakeother.x", "zero.base", "mega.exact"]) expect(r.stdout).toContain(`  ${name} `);
      expect(bench.runs).toEqual([]);
    }
  });
});
