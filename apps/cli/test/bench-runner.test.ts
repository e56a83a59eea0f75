import type { Benchmark } from "@vmlab/core-vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "./helpers.js";

/**
 * How `vmlab bench` runs benchmarks and reports them (issue #6: `vmlab bench --json` gives each benchmark with "a
 * naive baseline in the same run"), with benchmarks whose results are known: what it prints, not how fast.
 */
const bench = vi.hoisted(() => ({ runs: [] as { name: string; quick: boolean }[], broken: false }));

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
      // Only when a test asks for them: a benchmark that throws, one that skips, one on another clock than its baseline.
      ...(bench.broken
        ? [
            {
              benchmark: {
                name: "odd.throws",
                unit: "ops/s",
                description: "throws",
                run: () => {
                  bench.runs.push({ name: "odd.throws", quick: false });
                  throw new Error("guest/bin/x.elf did not verify");
                },
              } satisfies Benchmark,
              package: "@vmlab/fake",
            },
            { benchmark: fake("odd.skips", Number.NaN, null, "skipped: guest/bin/y.elf not found"), package: "@vmlab/fake" },
            { benchmark: fake("odd.nan", Number.NaN, { name: "ref", value: 5 }), package: "@vmlab/fake" },
            {
              benchmark: {
                name: "odd.clocks",
                unit: "IOPS",
                description: "virtual vs host clock",
                run: () => {
                  bench.runs.push({ name: "odd.clocks", quick: false });
                  return {
                    value: 100,
                    baseline: { name: "qemu", value: 40 },
                    noRatio: "ours in virtual time, QEMU's in host time",
                    note: "n",
                  };
                },
              } satisfies Benchmark,
              package: "@vmlab/fake",
            },
          ]
        : []),
    ],
  };
});

afterEach(() => {
  bench.runs.length = 0;
  bench.broken = false;
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

describe("vmlab bench goes on past a benchmark that throws or skips, and gives no ratio across clocks", () => {
  // A benchmark that threw (blkbench.elf missing) ended the command with a stack trace: the lines measured before
  // it and every benchmark after it were lost, and --json printed nothing.
  it("a throwing benchmark is a failed line (its error in the note); the others run; --json prints all; exit 1", async () => {
    bench.broken = true;
    const r = await runCli("bench", "--json");
    expect(bench.runs.map((b) => b.name)).toEqual([
      "fake.fast",
      "fake.alone",
      "fakeother.x",
      "zero.base",
      "mega.exact",
      "odd.throws",
      "odd.skips",
      "odd.nan",
      "odd.clocks",
    ]);
    const lines = JSON.parse(r.stdout) as { name: string }[];
    expect(lines.map((l) => l.name)).toEqual(bench.runs.map((b) => b.name));
    expect(lines[5]).toEqual({
      name: "odd.throws",
      value: null,
      unit: "ops/s",
      baseline: null,
      ratio: null,
      status: "failed",
      note: "failed: guest/bin/x.elf did not verify",
    });
    expect(lines[6]).toEqual({
      name: "odd.skips",
      value: null,
      unit: "ops/s",
      baseline: null,
      ratio: null,
      status: "skipped",
      note: "skipped: guest/bin/y.elf not found",
    });
    // A NaN with no "skipped: " reason is no clean skip: a benchmark that computed 0/0 passed as one, silently.
    expect(lines[7]).toEqual({
      name: "odd.nan",
      value: null,
      unit: "ops/s",
      baseline: null,
      ratio: null,
      status: "failed",
      note: "failed: it measured NaN and gave no reason",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("vmlab bench: odd.throws, odd.nan failed (see the note); the others ran");
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it("a skipped benchmark says so in the value column, not NaN, and the command succeeds", async () => {
    bench.broken = true;
    const r = await runCli("bench", "odd.skips");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^odd\.skips\s+skipped ops\/s {2}\(skipped: guest\/bin\/y\.elf not found\)\n$/);
  });

  // vmlab's virtual-time IOPS over QEMU's host-clock IOPS moved only with QEMU's speed (2.5–3.2 in three runs).
  it("a baseline on another clock is shown without a ratio, and the note says why", async () => {
    bench.broken = true;
    const j = await runCli("bench", "odd.clocks", "--json");
    expect(JSON.parse(j.stdout)).toEqual([
      {
        name: "odd.clocks",
        value: 100,
        unit: "IOPS",
        baseline: { name: "qemu", value: 40 },
        ratio: null,
        note: "no ratio: ours in virtual time, QEMU's in host time; n",
      },
    ]);
    const r = await runCli("bench", "odd.clocks");
    expect(r.stdout).toMatch(
      /^odd\.clocks\s+100\.0 IOPS {2}vs qemu 40\.00 {2}\(no ratio: ours in virtual time, QEMU's in host time; n\)\n$/,
    );
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
