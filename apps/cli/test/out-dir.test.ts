import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ONE_POINT_RUN, runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const binSrc = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
const NOBODY = 65534;

/** Runs the CLI from source as a user who is not root, so directory permissions apply (root ignores them). */
async function runAsUser(argv: string[]): Promise<{ code: number | null; stderr: string }> {
  if (process.getuid?.() !== 0) {
    const r = await runCli(...argv);
    return { code: r.code, stderr: r.stderr };
  }
  const r = spawnSync(process.execPath, ["--conditions=@vmlab/source", "--import", "tsx", binSrc, ...argv], {
    cwd: repo,
    uid: NOBODY,
    gid: NOBODY,
    encoding: "utf8",
  });
  return { code: r.status, stderr: r.stderr };
}

describe("vmlab run --out <an existing directory>", () => {
  it("writes into a directory the user may write even when its parent is read-only (the run's work is not lost)", async () => {
    // e.g. `--out .` in a home directory under a read-only /home, or a results directory made by an admin.
    const base = scratchDir("vmlab-outdir-");
    chmodSync(base, 0o755);
    const parent = join(base, "readonly-parent");
    const out = join(parent, "mine");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "notes.txt"), "mine");
    if (process.getuid?.() === 0) chownSync(out, NOBODY, NOBODY);
    chmodSync(parent, 0o555);
    try {
      const r = await runAsUser(["run", ...ONE_POINT_RUN, "--out", out]);
      expect(r.stderr).not.toMatch(/cannot write results/);
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual([
        "index.html",
        "notes.txt",
        "relative-error.svg",
        "response-times-long.csv",
        "response-times.csv",
        "results.json",
        "simulated-vs-erlang-c.svg",
      ]);
      expect(readdirSync(parent)).toEqual(["mine"]);
    } finally {
      chmodSync(parent, 0o755);
    }
  }, 60_000);
});

describe("vmlab run --out <an earlier run's directory where a file it writes is a directory>", () => {
  it("exits 2 with one line naming it and leaves the earlier run's files as they were (README: exits 2 without writing anything)", async () => {
    const out = join(scratchDir("vmlab-outdir-"), "qv");
    const args = ["run", ...ONE_POINT_RUN, "--out", out];
    expect((await runCli(...args, "--seed", "1")).code).toBe(0);
    const before = readdirSync(out).sort();
    const results = readFileSync(join(out, "results.json"), "utf8");
    const csv = readFileSync(join(out, "response-times.csv"), "utf8");
    rmSync(join(out, "index.html"));
    mkdirSync(join(out, "index.html"));
    const r = await runCli(...args, "--seed", "2");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot write results to .*index\.html is a directory/);
    expect(readdirSync(out).sort()).toEqual(before);
    // Refused before the run, as --dry-run shows: every run writes index.html (a long run's work was done, then lost).
    const dry = await runCli(...args, "--seed", "2", "--dry-run");
    expect(dry.code).toBe(2);
    expect(dry.stderr).toBe(
      `vmlab: cannot write results to "${out}": ${join(out, "index.html")} is a directory; choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`,
    );
    expect(readFileSync(join(out, "results.json"), "utf8")).toBe(results);
    expect(readFileSync(join(out, "response-times.csv"), "utf8")).toBe(csv);
  });
});

describe("vmlab run --out <a directory holding the user's own files named like the run's>", () => {
  it("a trace named like a table the run writes stays: exit 2, one line, nothing written (it was replaced, unasked and for good)", async () => {
    const out = scratchDir("vmlab-outdir-");
    const trace = join(out, "trace.csv");
    // MSR Cambridge CSV: 200 sequential 4 KiB reads, 1 ms apart (times in 100 ns units).
    const mine = Array.from({ length: 200 }, (_, i) => `${128166372000000000 + i * 10000},host,0,Read,${i * 4096},4096,500\n`).join("");
    writeFileSync(trace, mine);
    const r = await runCli("run", "vscsistats-characterize", "--quick", "--set", `traceFile=${trace}`, "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `vmlab: cannot write results to "${out}": traceFile is ${trace}, which the run's output (trace.csv) would replace; it is left alone; choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`,
    );
    expect(readdirSync(out)).toEqual(["trace.csv"]);
    expect(readFileSync(trace, "utf8")).toBe(mine);
  }, 60_000);

  // Listed by the earlier run's results.json (its table trace.csv), the user's trace copied there was taken for
  // vmlab's and replaced by the new table; with the shipped trace, removed as a table the new run no longer writes.
  it("a trace the run reads, where an earlier run's table of that name was, is neither replaced nor removed: exit 2", async () => {
    const out = scratchDir("vmlab-outdir-");
    const args = (traceFile: string) => ["run", "vscsistats-characterize", "--quick", "--set", `traceFile=${traceFile}`, "--out", out];
    const elsewhere = join(scratchDir("vmlab-trace-"), "mine.csv");
    const mine = Array.from({ length: 200 }, (_, i) => `${128166372000000000 + i * 10000},host,0,Read,${i * 4096},4096,500\n`).join("");
    writeFileSync(elsewhere, mine);
    expect((await runCli(...args(elsewhere))).code).toBe(0);
    const trace = join(out, "trace.csv");
    writeFileSync(trace, mine);
    const r = await runCli(...args(trace));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `vmlab: cannot write results to "${out}": traceFile is ${trace}, which the run's output (trace.csv) would replace; it is left alone; choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`,
    );
    expect(readFileSync(trace, "utf8")).toBe(mine);
  }, 60_000);

  it("a results.json or index.html of the user's is refused before the run (by --dry-run too); an earlier run's is replaced", async () => {
    const out = scratchDir("vmlab-outdir-");
    const args = ["run", ...ONE_POINT_RUN, "--out", out];
    for (const name of ["index.html", "results.json"]) {
      writeFileSync(join(out, name), "mine\n");
      for (const extra of [[], ["--dry-run"]]) {
        const r = await runCli(...args, ...extra);
        expect(r.code).toBe(2);
        expect(r.stderr).toBe(
          `vmlab: cannot write results to "${out}": ${join(out, name)} is not among the files the results.json there lists (not written by vmlab, or by a run whose write was cut short) and is left alone; choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`,
        );
        expect(readdirSync(out)).toEqual([name]);
      }
      rmSync(join(out, name));
    }
    expect((await runCli(...args, "--seed", "1")).code).toBe(0);
    writeFileSync(join(out, "notes.txt"), "mine\n");
    const again = await runCli(...args, "--seed", "2");
    expect(again.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).seed).toBe(2);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine\n");
  }, 60_000);
});

describe("vmlab run --out <a path through a symbolic link to a missing target>", () => {
  it("is refused before the run (and by --dry-run), naming the link; nothing is made", async () => {
    // e.g. out -> /mnt/results with the results disk not mounted: the run's work was done, then lost at the write.
    const base = scratchDir("vmlab-outdir-");
    symlinkSync(join(base, "not-mounted", "results"), join(base, "out"));
    const out = join(base, "out", "qv");
    for (const extra of [[], ["--dry-run"]]) {
      const r = await runCli("run", ...ONE_POINT_RUN, "--out", out, ...extra);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `vmlab: cannot write results to "${out}": ${join(base, "out")} is a symbolic link to a missing target; choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`,
      );
      expect(readdirSync(base)).toEqual(["out"]);
    }
  });
});

describe("vmlab run --out <a directory no directory can be made in>", () => {
  // procfs refuses mkdir with ENOENT under an existing directory; root passes the writability check there.
  it.runIf(process.getuid?.() === 0 && process.platform === "linux")(
    "is refused before the run, by --dry-run too, with the one line and exit 2 (it spun forever in mkdir -p, then ran first)",
    async () => {
      const out = "/proc/vmlab-no-such-dir/qv";
      const line = `vmlab: cannot write results to "${out}": no directory can be made in /proc (ENOENT); choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`;
      const args = ["run", ...ONE_POINT_RUN, "--out", out];
      for (const argv of [args, [...args, "--dry-run"]]) {
        const r = await runCli(...argv);
        expect([r.code, r.stderr]).toEqual([2, line]);
      }
    },
    20_000,
  );
});

describe("vmlab report <a directory the user cannot write>", () => {
  it("says the run's directory must be writable (report has no --out to choose)", async () => {
    const base = scratchDir("vmlab-report-ro-");
    chmodSync(base, 0o755);
    const out = join(base, "run");
    const made = await runCli("run", ...ONE_POINT_RUN, "--out", out);
    expect(made.code).toBe(0);
    chmodSync(out, 0o555);
    try {
      const r = await runAsUser(["report", out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/cannot write the report into ".*run": .*make the directory writable/);
      expect(r.stderr).not.toMatch(/--out/);
    } finally {
      chmodSync(out, 0o755);
    }
  }, 60_000);
});

describe("vmlab run --out <a path the system cannot follow>", () => {
  it("a loop of symbolic links or a name too long is the one line and exit 2, by --dry-run too (it was an internal error)", async () => {
    const base = scratchDir("vmlab-outdir-");
    symlinkSync(join(base, "b"), join(base, "a"));
    symlinkSync(join(base, "a"), join(base, "b"));
    const QV = ["run", ...ONE_POINT_RUN];
    const cases: [string, string][] = [
      [join(base, "a", "qv"), `${join(base, "a", "qv")} goes through a loop of symbolic links`],
      [join(base, "x".repeat(300)), "the path or one of its names is too long"],
    ];
    for (const [out, why] of cases)
      for (const extra of [[], ["--dry-run"]]) {
        const r = await runCli(...QV, "--out", out, ...extra);
        expect([r.code, r.stderr]).toEqual([
          2,
          `vmlab: cannot write results to "${out}": ${why}; choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`,
        ]);
        expect(readdirSync(base).sort()).toEqual(["a", "b"]);
      }
  });
});

describe("vmlab run --out <a shared sticky directory holding an earlier run's files, one of them another user's>", () => {
  // The earlier run's results.json is the user's own, its tables another user's: in a sticky directory (mode
  // 1777, like /tmp) the user may replace the first but not the others (EPERM).
  it.runIf(process.getuid?.() === 0 && process.platform === "linux")(
    "exits 2 with one line and leaves every earlier file as it was (results.json had already been replaced: two runs mixed)",
    async () => {
      const base = scratchDir("vmlab-outdir-");
      chmodSync(base, 0o755);
      const out = join(base, "qv");
      const args = ["run", ...ONE_POINT_RUN, "--out", out];
      expect((await runCli(...args, "--seed", "1")).code).toBe(0);
      chmodSync(out, 0o1777);
      chownSync(join(out, "results.json"), NOBODY, NOBODY);
      const names = readdirSync(out).sort();
      const before = names.map((n) => readFileSync(join(out, n), "utf8"));
      const r = await runAsUser([...args, "--seed", "2"]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^vmlab: cannot write results to ".*qv": EPERM: .*; choose another --out directory \[VMLAB_CLI_UNWRITABLE_OUT\]\n$/,
      );
      expect(readdirSync(out).sort()).toEqual(names);
      expect(names.map((n) => readFileSync(join(out, n), "utf8"))).toEqual(before);
    },
    60_000,
  );
});
