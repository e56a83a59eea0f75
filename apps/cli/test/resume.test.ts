import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatMips } from "../src/snapshot-cli.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const guest = (p: string) => join(import.meta.dirname, "../../../guest", p);
const tmp = scratchDir("vmlab-resume-");

describe("vmlab boot --snapshot-at/--save and vmlab resume", () => {
  it("boot's console up to the snapshot followed by resume's equals one uninterrupted boot, exit code included", async () => {
    const snap = join(tmp, "echo.snap");
    const input = guest("programs/echo.input");
    const first = await runCli("boot", guest("bin/echo.elf"), "--input", input, "--snapshot-at", "700", "--save", snap);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe("");
    const second = await runCli("resume", snap, "--stats");
    expect(second.code).toBe(Number(readFileSync(guest("expected/echo.code"), "utf8").trim()));
    expect(first.stdout + second.stdout).toBe(readFileSync(guest("expected/echo.out"), "latin1"));
    expect(first.stdout.length).toBeGreaterThan(0);
    expect(second.stderr).toMatch(/instructions retired: 1267\n/);
    // 1,267 instructions in tens of ms is ~0.02 MIPS: printed with one decimal it read "MIPS: 0.0".
    const mips = /MIPS: ([\d.]+)\n/.exec(second.stderr)?.[1];
    expect(mips).toMatch(/[1-9]/);
    expect(Number(mips)).toBeGreaterThan(0);
  });

  it("--stats gives MIPS to three significant digits, so a short run's is not zero", () => {
    expect(formatMips(1267, 0.07)).toBe("0.0181");
    expect(formatMips(11_556, 0.073)).toBe("0.158");
    expect(formatMips(311_260_778, 1.05)).toBe("296.4");
    expect(formatMips(31_126_077, 1.05)).toBe("29.6");
    expect(formatMips(311_260_778, 0.66)).toBe("471.6");
    expect(formatMips(0, 0.01)).toBe("0.0");
  });

  it("a --save that cannot be written is refused before the guest runs: one line, exit 2, no console, nothing written", async () => {
    // The snapshot is written only after --snapshot-at instructions; the path failed only then, after the whole run.
    const noDir = join(tmp, "no-such-dir", "x.snap");
    const a = await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "2000", "--save", noDir);
    expect(a.code).toBe(2);
    expect(a.stdout).toBe("");
    expect(a.stderr.trim().split("\n")).toHaveLength(1);
    expect(a.stderr).toMatch(/cannot write snapshot .*no-such-dir.*ENOENT: no directory .*VMLAB_SNAPSHOT_UNWRITABLE_FILE/);
    const dir = mkdtempSync(join(tmp, "a-dir-"));
    const b = await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "2000", "--save", dir);
    expect(b.code).toBe(2);
    expect(b.stdout).toBe("");
    expect(b.stderr).toMatch(/cannot write snapshot .*EISDIR: it names a directory.*VMLAB_SNAPSHOT_UNWRITABLE_FILE/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a save names a temporary file a killed save of the same file left beside it, and leaves it alone", async () => {
    // kill -9 during the write leaves FILE.tmp-<pid> (FILE itself is whole); nothing else would ever mention it.
    const dir = mkdtempSync(join(tmp, "leftover-"));
    const file = join(dir, "x.snap");
    writeFileSync(`${file}.tmp-99999999`, "half a snapshot"); // no such process (above any pid_max)
    writeFileSync(`${file}.tmp-${process.ppid}`, "a save still running"); // a live process (this one's parent)
    writeFileSync(join(dir, "y.snap.tmp-99999999"), "another file's"); // not x.snap's
    const r = await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "5000", "--save", file);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `vmlab: note: ${file}.tmp-99999999 is left from an interrupted save of ${file} (its process is gone); delete it\n`,
    );
    expect(readdirSync(dir).sort()).toEqual(["x.snap", `x.snap.tmp-${process.ppid}`, "x.snap.tmp-99999999", "y.snap.tmp-99999999"].sort());
    expect((await runCli("resume", file)).code).toBe(0);
  });

  it("--compress writes a smaller file that resumes the same", async () => {
    const raw = join(tmp, "hello-raw.snap");
    const small = join(tmp, "hello-deflate.snap");
    const a = await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "5000", "--save", raw);
    await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "5000", "--save", small, "--compress");
    expect(readFileSync(small).length).toBeLessThan(readFileSync(raw).length);
    const b = await runCli("resume", small);
    expect(b.code).toBe(0);
    expect(a.stdout + b.stdout).toBe(readFileSync(guest("expected/hello.out"), "latin1"));
  });

  it("refuses damaged snapshots with a specific error and exit 2", async () => {
    const snap = join(tmp, "good.snap");
    await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "100", "--save", snap);
    const good = readFileSync(snap);
    const truncated = join(tmp, "truncated.snap");
    writeFileSync(truncated, good.subarray(0, good.length - 10));
    const flipped = join(tmp, "flipped.snap");
    const f = Buffer.from(good);
    f[f.length - 100] ^= 4;
    writeFileSync(flipped, f);
    for (const [file, code] of [
      [truncated, "VMLAB_SNAPSHOT_TRUNCATED_FILE"],
      [flipped, "VMLAB_SNAPSHOT_CORRUPT_SECTION"],
      [guest("bin/hello.elf"), "VMLAB_SNAPSHOT_BAD_MAGIC"],
      [join(tmp, "missing.snap"), "VMLAB_SNAPSHOT_UNREADABLE_FILE"],
    ]) {
      const r = await runCli("resume", file);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`[${code}]`);
      expect(r.stdout).toBe("");
    }
  });

  it("refuses an option that would have no effect as given: one line naming it, exit 2, no console, nothing written", async () => {
    // --compress without a snapshot to deflate and --max-insns beside --snapshot-at (the run stops at the snapshot)
    // were dropped without a word: the guest ran as if they had not been given.
    const before = readdirSync(tmp).sort();
    const snap = join(tmp, "ignored.snap");
    for (const [args, option] of [
      [["--compress"], "--compress"],
      [["--snapshot-at", "5000", "--compress"], "--compress"],
      [["--snapshot-at", "5000", "--save", snap, "--max-insns", "100"], "--max-insns"],
      [["--snapshot-at", "5000", "--save", snap, "--max-insns", String(10_000_000_000)], "--max-insns"],
    ] as const) {
      const r = await runCli("boot", guest("bin/hello.elf"), ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`${option} has no effect`);
    }
    expect(readdirSync(tmp).sort()).toEqual(before);
    // Given where they apply, they still work.
    expect((await runCli("boot", guest("bin/hello.elf"), "--max-insns", "100")).code).toBe(124);
    expect((await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "5000", "--save", snap, "--compress")).code).toBe(0);
  });

  it("needs --snapshot-at and --save together, and leaves no file when the save fails", async () => {
    expect((await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "100")).code).toBe(2);
    expect((await runCli("boot", guest("bin/hello.elf"), "--save", join(tmp, "x.snap"))).code).toBe(2);
    const before = readdirSync(tmp).sort();
    const r = await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "100", "--save", join(tmp, "nodir", "x.snap"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("VMLAB_SNAPSHOT_UNWRITABLE_FILE");
    expect(readdirSync(tmp).sort()).toEqual(before);
  });
});
