import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const tmp = () => scratchDir("vmlab-cli-");

describe("vmlab list / describe", () => {
  it("lists queue-validation with its package and paper", async () => {
    const r = await runCli("list", "--json");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: string; package: string; paper: string }[];
    const qv = rows.find((x) => x.id === "queue-validation");
    expect(qv?.package).toBe("@vmlab/core-vm");
    expect(qv?.paper).toMatch(/Erlang/);
  });

  it("describes parameters with type, default, range and meaning", async () => {
    const r = await runCli("describe", "queue-validation");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/utilizations\s+number\[\]\s+default 0\.1,0\.2/);
    expect(r.stdout).toMatch(/relativeError\s+number\s+default 0\.0067\s+\[> 0, ≤ 0\.5\]/);
    expect(r.stdout).toContain("mean service time 1/μ in µs");
  });

  it("a value's allowed range includes a step the schema requires (esx-disk-perf's IO sizes are whole sectors)", async () => {
    const r = await runCli("describe", "esx-disk-perf");
    expect(r.stdout).toMatch(/ioSizesBytes\s+integer\[\].*\[at least 1 item, each ≥ 512, ≤ 1048576, a multiple of 512, no repeats\]/);
  });
});

describe("the storage scenarios' doc pages", () => {
  it("name every config key `vmlab describe` lists, and say what traceMaxIos cuts", async () => {
    for (const [id, page] of [
      ["esx-disk-perf", "docs/esx-disk-perf.md"],
      ["vscsistats-characterize", "docs/vscsistats.md"],
    ]) {
      const r = await runCli("describe", id, "--json");
      expect(r.code).toBe(0);
      const keys = (JSON.parse(r.stdout) as { params: { name: string }[] }).params.map((p) => p.name);
      const doc = readFileSync(new URL(`../../../${page}`, import.meta.url), "utf8");
      expect(keys.length, id).toBeGreaterThan(10);
      expect(
        keys.filter((k) => !doc.includes(`\`${k}\``) && !doc.includes(`${k}=`)),
        id,
      ).toEqual([]);
    }
    // It cuts the trace read from the file too, not only the replay (--quick: 3,000 IOs in both).
    const d = await runCli("describe", "vscsistats-characterize");
    expect(d.stdout).toMatch(/traceMaxIos .*\n.*both read from the file and replayed/);
  });
});

describe("vmlab run", () => {
  it("is deterministic: the same seed gives a byte-identical results.json", async () => {
    const a = join(tmp(), "A");
    const b = join(tmp(), "B");
    expect((await runCli("run", "queue-validation", "--quick", "--seed", "7", "--out", a)).code).toBe(0);
    expect((await runCli("run", "queue-validation", "--quick", "--seed", "7", "--out", b)).code).toBe(0);
    const ja = readFileSync(join(a, "results.json"));
    expect(ja.equals(readFileSync(join(b, "results.json")))).toBe(true);
    // A different seed changes the simulated numbers.
    const c = join(tmp(), "C");
    expect((await runCli("run", "queue-validation", "--quick", "--seed", "8", "--out", c)).code).toBe(0);
    expect(ja.equals(readFileSync(join(c, "results.json")))).toBe(false);
  });

  it("writes results.json, one CSV per table, one SVG per figure and index.html", async () => {
    const out = join(tmp(), "run");
    const r = await runCli("run", "queue-validation", "--quick", "--out", out, "--set", "servers=1", "--set", "utilizations=0.5");
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      "index.html",
      "relative-error.svg",
      "response-times-long.csv",
      "response-times.csv",
      "results.json",
      "simulated-vs-erlang-c.svg",
    ]);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(results.config.servers).toEqual([1]);
    expect(results.config.utilizations).toEqual([0.5]);
    expect(results.versions["@vmlab/core-vm"]).toMatch(/^\d+\.\d+\.\d+/);
    expect(readFileSync(join(out, "response-times.csv"), "utf8").split("\n")[0]).toBe(
      "model,servers,utilization,customers,simulated_ms,analytic_ms,ci95_ms,relative_error,measured_utilization,p99_ms",
    );
    const svg = readFileSync(join(out, "simulated-vs-erlang-c.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("utilization ρ");
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain("The paper's numbers beside ours");
    expect(html).toContain("<svg");
  });

  it("a run into a directory that holds an earlier run replaces its files: none of the earlier tables or figures stay", async () => {
    const out = join(tmp(), "run");
    expect((await runCli("run", "queue-validation", "--quick", "--out", out, "--set", "servers=1", "--set", "utilizations=0.5")).code).toBe(
      0,
    );
    writeFileSync(join(out, "notes.txt"), "mine");
    const r = await runCli("run", "esx-disk-perf", "--quick", "--out", out, "--set", "storage=local", "--set", "outstandingIos=1");
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    const expected = [
      "index.html",
      "notes.txt", // not a vmlab file: left alone
      "results.json",
      ...results.tables.map((t: { name: string }) => `${t.name}.csv`),
      ...results.figures.map((f: { name: string }) => `${f.name}.svg`),
    ].sort();
    expect(readdirSync(out).sort()).toEqual(expected);
    expect(expected).not.toContain("response-times.csv");
  });

  it("--json prints results.json to stdout", async () => {
    const out = join(tmp(), "j");
    const r = await runCli("run", "queue-validation", "--quick", "--json", "--out", out, "--set", "servers=1", "--set", "utilizations=0.2");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(out, "results.json"), "utf8"));
  });
});

describe("bad input: one clear line, exit 2, nothing written", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown scenario", ["run", "no-such-scenario"], /unknown scenario "no-such-scenario".*vmlab list/],
    ["unknown key", ["run", "queue-validation", "--set", "bogus=1"], /unknown config key "bogus".*valid keys: servers/],
    [
      "non-number",
      ["run", "queue-validation", "--set", "meanServiceUs=fast"],
      /queue-validation: meanServiceUs: must be a number ≥ 0\.1 and ≤ 1000000, got "fast" /,
    ],
    [
      "out of range",
      ["run", "queue-validation", "--set", "utilizations=0.5,1.5"],
      /utilizations\[1\]: must be a number > 0 and < 1, got 1\.5 /,
    ],
    ["not key=value", ["run", "queue-validation", "--set", "servers"], /--set expects key=value/],
    [
      "a hexadecimal number (Number() alone reads it as 16)",
      ["run", "queue-validation", "--set", "meanServiceUs=0x10"],
      /meanServiceUs: must be a number ≥ 0\.1 and ≤ 1000000, got "0x10" /,
    ],
    [
      "a binary integer in a list",
      ["run", "queue-validation", "--set", "servers=1,0b10"],
      /servers\[1\]: must be an integer ≥ 1 and ≤ 64, got "0b10" /,
    ],
    ["a key inherited from Object.prototype", ["run", "queue-validation", "--set", "constructor=1"], /unknown config key "constructor"/],
    ["__proto__ as a key", ["run", "queue-validation", "--set", "__proto__=1"], /unknown config key "__proto__"/],
    [
      "bad seed",
      ["run", "queue-validation", "--seed", "-3"],
      /--seed expects a whole number from 0 to 4294967295 \(2\^32 − 1\), in digits, got "-3"/,
    ],
    // 5.0 is an integer: refused for its spelling, and the line says so (it said "expects an integer", got "5.0").
    [
      "a seed spelled as a decimal",
      ["run", "queue-validation", "--seed", "5.0"],
      /--seed expects a whole number .*, in digits, got "5\.0"/,
    ],
    [
      "a control period that rounds to 0 ns (the run ticked at one instant forever)",
      ["run", "parda-equal-shares", "--set", "controlPeriodS=1e-12"],
      /controlPeriodS: must be a number ≥ 0\.001 and ≤ 60, got 1e-12 /,
    ],
    [
      "crossed bounds (--quick's maxCustomers is 300000: the minimum asked for was silently not applied)",
      ["run", "queue-validation", "--quick", "--set", "minCustomers=1000000"],
      /minCustomers: must be at most maxCustomers/,
    ],
    [
      "a measured window past the run's end says the run's length came from --quick (it quoted 160 s, naming no durationS)",
      ["run", "parda-equal-shares", "--quick", "--set", "measureFromS=170", "--dry-run"],
      /measureFromS: the measured window \(170 s, 160 s\] holds no sample \(samples are at multiples of sampleS \(2 s\) up to durationS \(160 s\)\); allowed: .*, given measureFromS=170; sampleS=2 is the default, durationS=160 is from --quick \(see/m,
    ],
    [
      "a measured window with no sample (docs/parda.md's Fig. 13 command before its fix: an internal error)",
      ["run", "parda-end-to-end", "--set", "idleFromS=140", "--set", "idleToS=310"],
      /measureFromS: the measured window before idleFromS .* holds no sample \(samples are at multiples of sampleS \(2 s\)\); allowed: .*, given measureFromS=150 \(the default\); sampleS=2 is the default \(see `vmlab describe parda-end-to-end`\) \[VMLAB_SCENARIO_BAD_CONFIG\]$/m,
    ],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const out = join(tmp(), "never");
      const r = await runCli(...argv, "--out", out);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }

  it("an empty --out (an unset shell variable) is refused, not taken for the current directory", async () => {
    const cwd = process.cwd();
    const dir = tmp();
    process.chdir(dir);
    try {
      const r = await runCli("run", "queue-validation", "--quick", "--set", "servers=1", "--set", "utilizations=0.5", "--out", "");
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/--out is empty/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("unwritable --out", async () => {
    const base = tmp();
    const file = join(base, "a-file");
    writeFileSync(file, "x");
    const r = await runCli("run", "queue-validation", "--quick", "--out", join(file, "sub"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write results to .*not a directory/);
    const ro = join(base, "readonly");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    if (process.getuid?.() !== 0) {
      const r2 = await runCli("run", "queue-validation", "--quick", "--out", join(ro, "x"));
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/permission denied/);
    }
  });
});

describe("vmlab report", () => {
  it("regenerates charts and HTML from results.json", async () => {
    const out = join(tmp(), "rep");
    expect((await runCli("run", "queue-validation", "--quick", "--out", out, "--set", "servers=1", "--set", "utilizations=0.5")).code).toBe(
      0,
    );
    const before = readFileSync(join(out, "index.html"), "utf8");
    writeFileSync(join(out, "index.html"), "stale");
    const r = await runCli("report", out);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, "index.html"), "utf8")).toBe(before);
  });

  it("rejects a directory without a valid results.json", async () => {
    const dir = tmp();
    expect((await runCli("report", dir)).code).toBe(2);
    writeFileSync(join(dir, "results.json"), '{"format":"other"}');
    const r = await runCli("report", dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a vmlab results\.json/);
  });

  it("rejects a results.json whose figure cannot be rendered: one line naming the figure, exit 2, nothing written", async () => {
    // `report` exists to re-render after editing results.json; a mistyped figure spec is the user's input.
    const out = join(tmp(), "rep");
    expect((await runCli("run", "queue-validation", "--quick", "--out", out, "--set", "servers=1", "--set", "utilizations=0.5")).code).toBe(
      0,
    );
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    const name = results.figures[0].name as string;
    results.figures[0].spec = { mark: "nosuchmark" };
    writeFileSync(join(out, "results.json"), JSON.stringify(results));
    writeFileSync(join(out, "index.html"), "stale");
    const before = readdirSync(out).sort();
    const r = await runCli("report", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`not a vmlab results\\.json: figure "${name}" cannot be rendered`));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/internal error|\bat /);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(readFileSync(join(out, "index.html"), "utf8")).toBe("stale");
  });
});

describe("vmlab bench", () => {
  it("--json prints { name, value, unit, baseline, ratio } with the ratio measured in the same run", async () => {
    const r = await runCli("bench", "metrics.histogram", "--quick", "--json");
    expect(r.code).toBe(0);
    const lines = JSON.parse(r.stdout) as {
      name: string;
      value: number;
      unit: string;
      baseline: { name: string; value: number };
      ratio: number;
    }[];
    expect(lines).toHaveLength(1);
    const [h] = lines;
    expect(h.name).toBe("metrics.histogram");
    expect(h.unit).toBe("records/s");
    expect(h.value).toBeGreaterThan(0);
    expect(h.ratio).toBeCloseTo(h.value / h.baseline.value, 10);
  });

  it("an unknown benchmark is bad usage", async () => {
    const r = await runCli("bench", "nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no benchmark matches "nope"/);
    // An empty name (an unset variable in a script) matches nothing rather than running every benchmark.
    const empty = await runCli("bench", "");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no benchmark matches ""/);
  });
});
