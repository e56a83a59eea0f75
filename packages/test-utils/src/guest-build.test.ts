/**
 * The committed guest ELFs are what their sources build to: a copy of
 * guest/ is rebuilt from scratch in a temporary folder and must give
 * byte-identical ELFs (reproducible builds, and nobody forgot `npm run
 * guests`). Skipped, loudly, where the cross compiler is not installed.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GUEST_PROGRAMS, repoRoot } from "./golden.js";

const hasGcc = spawnSync("riscv64-unknown-elf-gcc", ["--version"], { stdio: "ignore" }).status === 0;
const hasMake = spawnSync("make", ["--version"], { stdio: "ignore" }).status === 0;
if (!hasGcc || !hasMake) console.warn("riscv64-unknown-elf-gcc or make not installed: the guest rebuild check is skipped");

describe("guest ELFs", () => {
  it("rebuild from their sources to the committed bytes", async (ctx) => {
    if (!hasGcc || !hasMake) {
      await ctx.annotate("riscv64-unknown-elf-gcc not installed: guest rebuild check skipped", "warning");
      ctx.skip("riscv64-unknown-elf-gcc not installed");
    }
    const dir = mkdtempSync(join(tmpdir(), "vmlab-guest-build-"));
    try {
      const src = join(repoRoot(), "guest");
      for (const part of ["Makefile", "sdk", "programs"]) cpSync(join(src, part), join(dir, part), { recursive: true });
      const make = spawnSync("make", ["-C", dir, "-s", "all"], { encoding: "utf8", timeout: 120_000 });
      expect(make.status, make.stderr).toBe(0);
      // Every committed ELF (the differential programs and the device programs alike) must be rebuilt, byte for byte.
      const committed = readdirSync(join(src, "bin")).filter((f) => f.endsWith(".elf"));
      expect(committed).toEqual(expect.arrayContaining(GUEST_PROGRAMS.map((n) => `${n}.elf`)));
      expect(
        readdirSync(join(dir, "bin"))
          .filter((f) => f.endsWith(".elf"))
          .sort(),
      ).toEqual([...committed].sort());
      for (const file of committed) {
        const rebuilt = readFileSync(join(dir, "bin", file));
        expect(rebuilt.equals(readFileSync(join(src, "bin", file))), `guest/bin/${file} is stale: run npm run guests and commit it`).toBe(
          true,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
