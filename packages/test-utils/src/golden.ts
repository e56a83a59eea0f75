/**
 * Paths into the repository's guest/ folder and its golden files: the
 * console bytes and exit code QEMU produced for each guest program
 * (guest/expected/<name>.out and <name>.code, refreshed by
 * `make -C guest expected`). They let the differential tests check vmlab
 * where QEMU is not installed.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the folder holding guest/ and packages/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "guest", "Makefile"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the vmlab repository root (a folder with guest/Makefile) above test-utils");
    dir = up;
  }
  return dir;
}

/** The guest programs with committed ELFs and goldens, in build order. */
export const GUEST_PROGRAMS = ["hello", "timer", "usermode", "cpubench", "memtest", "echo", "uartirq", "csrprobe", "wfiwake"] as const;
export type GuestProgram = (typeof GUEST_PROGRAMS)[number];

export function guestElfPath(name: string): string {
  return join(repoRoot(), "guest", "bin", `${name}.elf`);
}

export function readGuestElf(name: string): Uint8Array {
  return new Uint8Array(readFileSync(guestElfPath(name)));
}

/** Console input a program expects (guest/programs/<name>.input), if any. */
export function guestInput(name: string): Uint8Array | undefined {
  const path = join(repoRoot(), "guest", "programs", `${name}.input`);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

export interface GoldenRun {
  console: Buffer;
  exitCode: number;
}

/** QEMU's recorded output for a guest program. */
export function readGolden(name: string): GoldenRun {
  const dir = join(repoRoot(), "guest", "expected");
  const console = readFileSync(join(dir, `${name}.out`));
  const exitCode = Number.parseInt(readFileSync(join(dir, `${name}.code`), "utf8").trim(), 10);
  if (!Number.isInteger(exitCode)) throw new Error(`guest/expected/${name}.code does not hold an integer exit code`);
  return { console, exitCode };
}

/**
 * Describes where two console outputs first differ, with a little context
 * from both sides — far more useful than a 300 KB string diff.
 */
export function firstDifference(expected: Uint8Array, actual: Uint8Array): string | null {
  const n = Math.min(expected.length, actual.length);
  let i = 0;
  while (i < n && expected[i] === actual[i]) i++;
  if (i === n && expected.length === actual.length) return null;
  const lineStart = Buffer.from(expected.subarray(0, i)).lastIndexOf(10) + 1;
  const show = (b: Uint8Array) => JSON.stringify(Buffer.from(b.subarray(lineStart, Math.min(b.length, i + 80))).toString("latin1"));
  const line = Buffer.from(expected.subarray(0, i)).toString("latin1").split("\n").length;
  return `first difference at byte ${i} (line ${line}; expected ${expected.length} bytes, got ${actual.length}):\n  expected ${show(expected)}\n  got      ${show(actual)}`;
}
