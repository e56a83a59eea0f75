import { describe, expect, it } from "vitest";
import { allScenarios } from "../src/plugins.js";
import { VERSION } from "../src/version.js";
import { runCli } from "./helpers.js";

const scenarios = await allScenarios();

describe("vmlab list (README: scenarios: id, package, title, paper)", () => {
  it("prints a header and one line per scenario: its id, package, title — paper", async () => {
    const r = await runCli("list");
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^id +package +title — paper$/);
    expect(rows).toHaveLength(scenarios.length);
    scenarios.forEach(({ scenario: s, package: p }, i) => {
      expect(rows[i]).toMatch(new RegExp(`^${s.id} +${p} +`));
      expect(rows[i].endsWith(`  ${s.title} — ${s.paper}`), s.id).toBe(true);
    });
  });
});

describe("vmlab describe", () => {
  it("shows what --quick sets, in the text and in --json (the values a --quick run starts from)", async () => {
    const text = await runCli("describe", "queue-validation");
    expect(text.stdout).toMatch(/\n--quick sets: servers=1,2 utilizations=0\.3,0\.6,0\.9 relativeError=0\.03 [^\n]*\n$/);
    const json = JSON.parse((await runCli("describe", "queue-validation", "--json")).stdout) as { quick: unknown; id: string };
    expect(json.id).toBe("queue-validation");
    expect(json.quick).toEqual(scenarios.find((e) => e.scenario.id === "queue-validation")?.scenario.quick);
  });

  it("a list without a length bound is 'comma-separated'; an enum names its words", async () => {
    const mclock = await runCli("describe", "mclock-vs-sfq");
    expect(mclock.stdout).toMatch(/\n {2}reservationsIops +number\[\] +default 600,0,0,0 +\[comma-separated, each ≥ 0, ≤ 1000000\]\n/);
    const esx = await runCli("describe", "esx-disk-perf");
    expect(esx.stdout).toMatch(/\n {2}storage +enum\[\] +default local,array +\[at least 1 item, each one of local\|array, no repeats\]\n/);
  });
});

describe("vmlab describe: a range states the field's own bounds only", () => {
  it("an integer without an upper bound of its own shows none (not the 2^53 every integer has)", async () => {
    const r = await runCli("describe", "esx-disk-perf");
    expect(r.stdout).toMatch(/\n {2}testFileMiB +integer +default 1024 +\[≥ 1\]\n/);
    expect(r.stdout).not.toMatch(/9007199254740991/);
  });
});

describe("vmlab --version", () => {
  it("prints the version and succeeds", async () => {
    const r = await runCli("--version");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });
});

describe("vmlab describe: testFileMiB's upper bound, the storage's capacity", () => {
  /** The MiB `describe` gives as testFileMiB's limit for `storage`. */
  const limitOf = (text: string, storage: string): number => {
    // Its two lines: name, type, default and range; then its description.
    const entry = text
      .slice(text.indexOf("\n  testFileMiB ") + 1)
      .split("\n")
      .slice(0, 2)
      .join("\n");
    const m = entry.match(new RegExp(`(\\d+) MiB for storage=${storage}\\b`));
    expect(m, `${storage} in ${entry}`).not.toBeNull();
    return Number(m?.[1]);
  };

  for (const id of ["esx-disk-perf", "vscsistats-characterize"]) {
    it(`${id}: names the limit for storage=local and storage=array, the one --dry-run refuses past`, async () => {
      const r = await runCli("describe", id);
      for (const storage of ["local", "array"]) {
        const limit = limitOf(r.stdout, storage);
        const dry = (mib: number) => runCli("run", id, "--dry-run", "--set", `storage=${storage}`, "--set", `testFileMiB=${mib}`);
        expect((await dry(limit)).code, `${id} ${storage} ${limit}`).toBe(0);
        const over = await dry(limit + 1);
        expect(over.code, `${id} ${storage} ${limit + 1}`).toBe(2);
        expect(over.stderr).toMatch(new RegExp(`testFileMiB: must .*\\b${limit} MiB\\)?, got ${limit + 1} `));
      }
    });
  }

  // It stated the array's limit at the default arrayDisks=8 only ("more with more disks"): a user could not tell
  // what arrayDisks=3 or 16 allows. Stated per member disk, the limit for any arrayDisks is the one --dry-run keeps.
  it("esx-disk-perf: states the array's limit per member disk, the one --dry-run refuses past for arrayDisks 3 and 16", async () => {
    const r = await runCli("describe", "esx-disk-perf");
    const m = r.stdout.match(/for storage=array \(arrayDisks − 1\) × ([\d.]+) MiB, rounded down/);
    expect(m, r.stdout).not.toBeNull();
    const perDisk = Number(m?.[1]);
    for (const disks of [3, 16]) {
      const limit = Math.floor((disks - 1) * perDisk);
      const dry = (mib: number) =>
        runCli(
          "run",
          "esx-disk-perf",
          "--dry-run",
          "--set",
          "storage=array",
          "--set",
          `arrayDisks=${disks}`,
          "--set",
          `testFileMiB=${mib}`,
        );
      expect((await dry(limit)).code, `arrayDisks=${disks} testFileMiB=${limit}`).toBe(0);
      const over = await dry(limit + 1);
      expect(over.code, `arrayDisks=${disks} testFileMiB=${limit + 1}`).toBe(2);
      expect(over.stderr).toMatch(new RegExp(`testFileMiB: must be at most the array LUN's ${limit} MiB, got ${limit + 1} `));
    }
  });
});
