import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { guestElfPath, guestInput, readGolden } from "./golden.js";
import { qemuAvailable, qemuUnavailable, runQemu } from "./qemu.js";
import { Asm } from "./rv-fuzz/asm.js";
import { wordsToBytes, writeElf32 } from "./rv-fuzz/elf-writer.js";

const hasQemu = qemuAvailable();
if (!hasQemu) console.warn("qemu-system-riscv32 not found: the QEMU runner's own tests are skipped");

const dir = mkdtempSync(join(tmpdir(), "vmlab-qemu-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasQemu)("runQemu", () => {
  it("returns the console bytes and the finisher's exit code", async () => {
    const r = await runQemu(guestElfPath("echo"), { timeoutMs: 20_000, input: guestInput("echo") });
    expect(r).not.toBeNull();
    expect(r?.timedOut).toBe(false);
    expect(r?.console.toString()).toBe(readGolden("echo").console.toString());
    expect(r?.exitCode).toBe(11);
  });

  it("kills a guest that never stops and says so", async () => {
    const a = new Asm(0x80000000);
    a.label("spin").j("spin");
    const path = join(dir, "spin.elf");
    writeFileSync(path, writeElf32({ loadAddress: 0x80000000, bytes: wordsToBytes(a.finish()) }));
    const r = await runQemu(path, { timeoutMs: 500 });
    expect(r?.timedOut).toBe(true);
    expect(r?.exitCode).toBe(-1);
  });
});

describe("runQemu without QEMU", () => {
  it("resolves to null when VMLAB_NO_QEMU=1", async () => {
    const saved = process.env.VMLAB_NO_QEMU;
    process.env.VMLAB_NO_QEMU = "1";
    try {
      expect(qemuAvailable()).toBe(false);
      expect(await runQemu(guestElfPath("hello"), { timeoutMs: 1000 })).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.VMLAB_NO_QEMU;
      else process.env.VMLAB_NO_QEMU = saved;
    }
  });
});

describe("qemuUnavailable says what is wrong, for the skip message", () => {
  const withEnv = (env: Record<string, string | undefined>, f: () => void) => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    try {
      f();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };

  it("names a VMLAB_QEMU that does not exist or cannot run, not 'not installed'", () => {
    // With VMLAB_QEMU=/nonexistent the differential tests said "qemu-system-riscv32 is not installed".
    withEnv({ VMLAB_NO_QEMU: undefined, VMLAB_QEMU: join(dir, "nonexistent") }, () => {
      expect(qemuAvailable()).toBe(false);
      expect(qemuUnavailable()).toBe(`VMLAB_QEMU=${join(dir, "nonexistent")} does not exist (ENOENT)`);
    });
    const notExecutable = join(dir, "not-executable");
    writeFileSync(notExecutable, "", { mode: 0o644 });
    withEnv({ VMLAB_NO_QEMU: undefined, VMLAB_QEMU: notExecutable }, () => {
      expect(qemuUnavailable()).toBe(`VMLAB_QEMU=${notExecutable} cannot be run (EACCES)`);
    });
    const failing = join(dir, "failing");
    writeFileSync(failing, "#!/bin/sh\nexit 3\n", { mode: 0o755 });
    withEnv({ VMLAB_NO_QEMU: undefined, VMLAB_QEMU: failing }, () => {
      expect(qemuUnavailable()).toBe(`VMLAB_QEMU=${failing} --version exited with status 3`);
    });
    withEnv({ VMLAB_NO_QEMU: "1", VMLAB_QEMU: failing }, () => {
      expect(qemuUnavailable()).toBe("VMLAB_NO_QEMU=1 is set");
    });
  });

  it("takes an empty VMLAB_QEMU as unset, as the benchmarks do (it threw: spawn's file cannot be empty)", () => {
    withEnv({ VMLAB_NO_QEMU: undefined, VMLAB_QEMU: "", PATH: dir }, () => {
      expect(qemuUnavailable()).toMatch(/^qemu-system-riscv32 is not installed \(not on PATH\)/);
    });
  });

  it("says the default binary is not installed only when it is not on PATH", () => {
    withEnv({ VMLAB_NO_QEMU: undefined, VMLAB_QEMU: undefined, PATH: dir }, () => {
      expect(qemuUnavailable()).toMatch(/^qemu-system-riscv32 is not installed \(not on PATH\)/);
    });
  });
});
