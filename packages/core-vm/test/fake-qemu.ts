import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A stand-in for qemu-system-riscv32 that answers `--version` (so the benchmarks take it for a working QEMU) and
 * runs `body` (sh) for anything else: a QEMU that fails, prints the wrong thing or is killed. Returns its path,
 * for `VMLAB_QEMU`.
 */
export function fakeQemu(body: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "vmlab-fakeqemu-")), "qemu");
  writeFileSync(path, `#!/bin/sh\n[ "$1" = --version ] && exit 0\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
