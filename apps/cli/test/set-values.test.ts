import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** `vmlab run <id> --dry-run` with `sets` as `--set`s (nothing is written: `out` is never made). */
async function dryRun(id: string, sets: string[], ...more: string[]) {
  const out = join(scratchDir("vmlab-set-values-"), "out");
  const r = await runCli("run", id, "--dry-run", "--out", out, ...more, ...sets.flatMap((s) => ["--set", s]));
  expect(existsSync(out)).toBe(false);
  return r;
}

/** The config `--dry-run --json` resolves `sets` to. */
async function resolved(id: string, sets: string[]): Promise<Record<string, unknown>> {
  const r = await dryRun(id, sets, "--json");
  expect(r.stderr).toMatch(/the config is valid/);
  return (JSON.parse(r.stdout) as { config: Record<string, unknown> }).config;
}

describe("vmlab run --set: how a value is read (run --help: decimal numbers, 2e3 allowed; lists comma-separated)", () => {
  it("a --set without a key before '=' is not key=value: that line, exit 2", async () => {
    const r = await dryRun("queue-validation", ["=5"]);
    expect(r.stderr).toBe('vmlab: --set expects key=value, got "=5" [VMLAB_CLI_BAD_SET]\n');
    expect(r.code).toBe(2);
  });

  it("an empty value is an empty list (docs/vic.md: `--set ratioMinCif= --set ratio=`)", async () => {
    expect(await resolved("vic-coalescing", ["ratioMinCif=", "ratio="])).toMatchObject({ ratioMinCif: [], ratio: [] });
  });

  it("an empty value where a list needs an item is named as an empty list in the refusal", async () => {
    const r = await dryRun("queue-validation", ["servers="]);
    expect(r.stderr).toMatch(/^vmlab: invalid config for queue-validation: servers: must have at least 1 item, got an empty list \(see /);
    expect(r.code).toBe(2);
  });

  it("a list of one item refused for its length says 1 item, not 1 items", async () => {
    const r = await dryRun("mclock-vs-sfq", ["shares=1"]);
    expect(r.stderr).toMatch(/shares: must have 2 to 16 items, got 1 item \(1\) /);
    expect(r.code).toBe(2);
  });

  it("spaces around a scalar are dropped as around keys and list items: a boolean, an enum, a number", async () => {
    expect(await resolved("esx-disk-perf", ["arrayCacheWarm= false", " storage = array "])).toMatchObject({
      arrayCacheWarm: false,
      storage: ["array"],
    });
    expect(await resolved("parda-equal-shares", ["placement= contiguous "])).toMatchObject({ placement: "contiguous" });
    expect(await resolved("queue-validation", ["maxCustomers= 2e5 "])).toMatchObject({ maxCustomers: 200000 });
  });

  it("decimal numbers in every form: a leading point, an exponent, a sign; items may have spaces after commas", async () => {
    expect(await resolved("queue-validation", ["utilizations=.5,2.5e-1", "maxCustomers=+2e5", "servers=1, 4"])).toMatchObject({
      utilizations: [0.5, 0.25],
      maxCustomers: 200000,
      servers: [1, 4],
    });
    expect(await resolved("esx-disk-perf", ["storage=local, array"])).toMatchObject({ storage: ["local", "array"] });
  });

  it("an integer key refuses a fraction in the value's own line: the key, the value, the type and range", async () => {
    const r = await dryRun("queue-validation", ["servers=2.5"]);
    expect(r.stderr).toBe(
      "vmlab: invalid config for queue-validation: servers[0]: must be an integer ≥ 1 and ≤ 64, got 2.5 (see `vmlab describe queue-validation`) [VMLAB_SCENARIO_BAD_CONFIG]\n",
    );
    expect(r.code).toBe(2);
  });

  it("an enum value is one of the listed words exactly, as `vmlab describe` lists them", async () => {
    const r = await dryRun("esx-disk-perf", ["storage=Local"]);
    expect(r.stderr).toBe(
      'vmlab: invalid config for esx-disk-perf: storage[0]: must be one of local|array, got "Local" (see `vmlab describe esx-disk-perf`) [VMLAB_SCENARIO_BAD_CONFIG]\n',
    );
    expect(r.code).toBe(2);
  });

  it("a boolean is true or false (1 and 0 too); anything else names the two", async () => {
    expect(await resolved("esx-disk-perf", ["localDiskWriteCache=true", "arrayCacheWarm=false"])).toMatchObject({
      localDiskWriteCache: true,
      arrayCacheWarm: false,
    });
    expect(await resolved("esx-disk-perf", ["localDiskWriteCache=1", "arrayCacheWarm=0"])).toMatchObject({
      localDiskWriteCache: true,
      arrayCacheWarm: false,
    });
    const r = await dryRun("esx-disk-perf", ["localDiskWriteCache=yes"]);
    expect(r.stderr).toBe(
      'vmlab: invalid config for esx-disk-perf: localDiskWriteCache: must be true or false, got "yes" (see `vmlab describe esx-disk-perf`) [VMLAB_SCENARIO_BAD_CONFIG]\n',
    );
    expect(r.code).toBe(2);
  });

  it("a value below a bound is refused naming the field's own bound (not the integer limit, -2^53)", async () => {
    const r = await dryRun("queue-validation", ["maxCustomers=-1e300"]);
    expect(r.stderr).toMatch(
      /^vmlab: invalid config for queue-validation: maxCustomers: must be an integer ≥ 100 and ≤ 200000000, got -1e\+300 \(see /,
    );
    expect(r.stderr).not.toContain("9007199254740991");
    // Nor a second refusal of minCustomers, compared with a maxCustomers its field refused.
    expect(r.stderr).not.toContain("minCustomers");
    expect(r.code).toBe(2);
  });
});

describe("vmlab run --dry-run prints key=value lines that --set takes back", () => {
  for (const [id, sets] of [
    ["queue-validation", ["servers=1,4", "utilizations=0.25,0.5"]],
    ["esx-disk-perf", ["storage=local", "localDiskWriteCache=true"]],
    ["vic-coalescing", ["ratioMinCif=", "ratio="]],
    ["mclock-vs-sfq", []],
  ] as [string, string[]][])
    it(`${id} ${sets.join(" ")}: its lines given back as --set resolve to the same config`, async () => {
      const first = await dryRun(id, sets);
      expect(first.code).toBe(0);
      const lines = first.stdout.trimEnd().split("\n").slice(3); // after seed=, quick= and out=
      expect(lines.length).toBeGreaterThan(3);
      const again = await dryRun(id, lines);
      expect(again.code).toBe(0);
      expect(again.stdout.split("\n").slice(3)).toEqual(first.stdout.split("\n").slice(3));
      expect(await resolved(id, lines)).toEqual(await resolved(id, sets));
    });
});
