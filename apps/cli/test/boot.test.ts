import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const guest = (p: string) => join(import.meta.dirname, "../../../guest", p);
const tmp = scratchDir("vmlab-boot-");

describe("vmlab boot", () => {
  it("prints the guest's console to stdout and exits 0 via the finisher", async () => {
    const r = await runCli("boot", guest("bin/hello.elf"));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(guest("expected/hello.out"), "latin1"));
    expect(r.stderr).toBe("");
  });

  it("exits with the finisher's code and reads --input into the UART", async () => {
    const r = await runCli("boot", guest("bin/echo.elf"), "--input", guest("programs/echo.input"));
    expect(r.code).toBe(Number(readFileSync(guest("expected/echo.code"), "utf8").trim()));
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe(readFileSync(guest("expected/echo.out"), "latin1"));
  });

  it("--stats prints instructions, MIPS and virtual time to stderr", async () => {
    const r = await runCli("boot", guest("bin/hello.elf"), "--stats");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/instructions retired: \d+\nMIPS: [\d.]+\nvirtual time: [\d.]+ s\n/);
  });

  it("a guest polling the UART for input with no --input given is told so on stderr, once, while it runs on", async () => {
    // vicbench booted without its --input spun silently for 3 minutes to --max-insns.
    const r = await runCli("boot", guest("bin/echo.elf"), "--max-insns", "20000000");
    expect(r.code).toBe(124);
    const told = r.stderr.split("\n").filter((l) => l.includes("polling the UART for console input"));
    expect(told).toEqual([
      "vmlab boot: the guest is polling the UART for console input and none was given; pass it with --input FILE (or --input - for standard input). It runs on until --max-insns (20000000 instructions).",
    ]);
    const input = join(tmp, "line.txt");
    writeFileSync(input, "hi\n");
    const fed = await runCli("boot", guest("bin/echo.elf"), "--input", input, "--max-insns", "20000000");
    expect(fed.stdout).toContain("HI");
    expect(fed.stderr).not.toContain("polling the UART");
  });

  it("a guest stopped mid-line gets its line ended on a terminal before the message, not run into it", async () => {
    // "Helvmlab boot: the guest did not exit within 100 instructions; …" on one terminal line.
    const boot = async (stderrIsTTY: boolean) => {
      let stdout = "";
      let stderr = "";
      const code = await main(["boot", guest("bin/hello.elf"), "--max-insns", "100"], {
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        stderrIsTTY,
      });
      return { code, stdout, stderr };
    };
    const tty = await boot(true);
    expect(tty.code).toBe(124);
    expect(tty.stdout.length).toBeGreaterThan(0);
    expect(tty.stdout.endsWith("\n")).toBe(false);
    expect(tty.stderr).toMatch(/^\nvmlab boot: the guest did not exit within 100 instructions/);
    // Not a terminal (a log file): the message's own line, no blank one before it.
    expect((await boot(false)).stderr).toMatch(/^vmlab boot: the guest did not exit/);
  });

  it("a guest that does not exit within --max-insns ends with a clear message and 124", async () => {
    const r = await runCli("boot", guest("bin/hello.elf"), "--max-insns", "500");
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/did not exit within 500 instructions; raise --max-insns/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("one instruction is named in the singular", async () => {
    const r = await runCli("boot", guest("bin/hello.elf"), "--max-insns", "1");
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/did not exit within 1 instruction; raise --max-insns/);
  });

  it("streams the console while the guest runs, not only at the end", async () => {
    const chunks: string[] = [];
    const code = await main(["boot", guest("bin/memtest.elf"), "--max-insns", "70000000"], {
      stdout: () => {},
      stderr: () => {},
      stderrIsTTY: false,
      stdoutBytes: (b) => chunks.push(Buffer.from(b).toString("latin1")),
    });
    expect(code).toBe(124);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.join("")).toBe(readFileSync(guest("expected/memtest.out"), "latin1").slice(0, chunks.join("").length));
  });

  it("a bad ELF gets one clear line and exit 2, never a stack trace", async () => {
    const bad = join(tmp, "bad.elf");
    const elf = readFileSync(guest("bin/hello.elf"));
    const elf64 = Buffer.from(elf);
    elf64[4] = 2;
    writeFileSync(bad, elf64);
    let r = await runCli("boot", bad);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/64-bit/);
    writeFileSync(bad, elf.subarray(0, 100));
    r = await runCli("boot", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/truncated/);
    writeFileSync(bad, "not an elf at all");
    r = await runCli("boot", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an ELF/);
  });

  it("a missing file or a bad option is a usage error (exit 2)", async () => {
    expect((await runCli("boot", join(tmp, "missing.elf"))).code).toBe(2);
    const r = await runCli("boot", guest("bin/hello.elf"), "--ram", "0");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--ram 0 is invalid/);
    expect((await runCli("boot", guest("bin/hello.elf"), "--max-insns", "-5")).code).toBe(2);
  });
});
