import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/**
 * A stand-in for qemu-system-riscv32 that answers `--version` (so the benchmarks take it for a working QEMU) and
 * runs `body` (sh) for anything else: a QEMU that fails, prints the wrong thing or is killed. Returns its path,
 * for `VMLAB_QEMU`. Call it inside a test: its directory is removed when that test ends.
 */
export function fakeQemu(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "vmlab-fakeqemu-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "qemu");
  writeFileSync(path, `#!/bin/sh\n[ "$1" = --version ] && exit 0\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
