import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const guest = (p: string) => join(import.meta.dirname, "../../../guest", p);
const tmp = scratchDir("vmlab-boot-options-");

describe("vmlab boot and resume: counts outside what they take are bad usage, before anything runs", () => {
  it("each count's line names the option, the value and the range; exit 2, no console", async () => {
    const disk = join(tmp, "never-read.img"); // refused before any file is read
    for (const [args, line] of [
      [["--ram", "1793"], "--ram 1793 is invalid: expected a whole number from 1 to 1792"],
      [["--ram", "64.5"], "--ram 64.5 is invalid: expected a whole number from 1 to 1792"],
      [["--disk", disk, "--disk-queue-depth", "0"], "--disk-queue-depth 0 is invalid: expected a whole number from 1 to 256"],
      [["--disk", disk, "--disk-queue-depth", "257"], "--disk-queue-depth 257 is invalid: expected a whole number from 1 to 256"],
      [["--rng-seed", "4294967296"], "--rng-seed 4294967296 is invalid: expected a whole number from 0 to 4294967295"],
      [["--snapshot-at", "-1", "--save", join(tmp, "x.snap")], "--snapshot-at -1 is invalid: expected a whole number from 0 to"],
    ] as const) {
      const r = await runCli("boot", guest("bin/hello.elf"), ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr, args.join(" ")).toMatch(new RegExp(`^vmlab boot: ${line.replace(/[.+]/g, "\\$&")}[^\\n]*\\n$`));
    }
  });

  it("the largest of each is taken (--disk-queue-depth 256, --rng-seed 4294967295)", async () => {
    const r = await runCli("boot", guest("bin/rng.elf"), "--rng-seed", "4294967295");
    expect(r.code).toBe(0);
    // A queue depth of 256 passes the check; the image that does not exist is what stops it.
    const d = await runCli("boot", guest("bin/hello.elf"), "--disk", join(tmp, "missing.img"), "--disk-queue-depth", "256");
    expect(d.stderr).toMatch(/^vmlab boot: disk image .*missing\.img does not exist/);
  });

  it("--max-insns 0 is no limit (boot --help), for boot and for resume", async () => {
    const boot = await runCli("boot", guest("bin/hello.elf"), "--max-insns", "0");
    expect(boot.code).toBe(0);
    expect(boot.stdout).toBe(readFileSync(guest("expected/hello.out"), "latin1"));
    const snap = join(tmp, "hello.snap");
    expect((await runCli("boot", guest("bin/hello.elf"), "--snapshot-at", "500", "--save", snap)).code).toBe(0);
    const resume = await runCli("resume", snap, "--max-insns", "0");
    expect(resume.code).toBe(0);
    expect(resume.stderr).toBe("");
  });
});

describe("vmlab resume --max-insns", () => {
  // echo.elf retires 1,267 instructions in all; the snapshot is taken at 700.
  const snap = join(tmp, "echo.snap");
  const code = Number(readFileSync(guest("expected/echo.code"), "utf8").trim());

  it("counts the instructions after the snapshot (resume --help: 'this many more')", async () => {
    const boot = await runCli(
      "boot",
      guest("bin/echo.elf"),
      "--input",
      guest("programs/echo.input"),
      "--snapshot-at",
      "700",
      "--save",
      snap,
    );
    expect(boot.code).toBe(0);
    // 600 more reach the finisher (1,267 < 700 + 600), though 600 is below the 700 retired before the snapshot.
    expect((await runCli("resume", snap, "--max-insns", "600")).code).toBe(code);
    const short = await runCli("resume", snap, "--max-insns", "500");
    expect(short.code).toBe(124);
    expect(short.stderr).toBe("vmlab resume: the guest did not exit within 500 more instructions; raise --max-insns (0 = no limit)\n");
  });

  it("refuses anything but a whole number, before the snapshot is read: one line, exit 2", async () => {
    for (const bad of ["-5", "1.5", "1e3", "many", ""]) {
      const r = await runCli("resume", join(tmp, "no-such.snap"), "--max-insns", bad);
      expect(r.code, bad).toBe(2);
      expect(r.stdout, bad).toBe("");
      expect(r.stderr, bad).toBe(`vmlab resume: --max-insns ${bad} is invalid: expected a whole number (0 = no limit)\n`);
    }
  });
});
