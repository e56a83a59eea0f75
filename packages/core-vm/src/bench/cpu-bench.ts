import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BootResult, bootElf } from "../board/boot.js";
import type { Benchmark } from "../plugin-api.js";
import { NS_PER_S } from "../sim/time.js";
import { qemuCommand, qemuRunFailure, qemuUnavailable } from "./qemu.js";
import { wallNs } from "./timing.js";

const QEMU_TIMEOUT_MS = 120_000;

/** Finds `guest/bin/<name>.elf` by walking up from this module (works from `src/` and from `dist/` in the monorepo). */
export function findGuestElf(name: string): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, "guest", "bin", `${name}.elf`);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

interface Timed {
  result: BootResult;
  seconds: number;
  /** Process CPU time (user + system) of the run: on a loaded machine, wall time overstates our cost. */
  cpuSeconds: number;
}

/** Boots the ELF `rounds` times (each on a fresh machine, translation included) and keeps the fastest run. */
function bestBoot(elf: Uint8Array, rounds: number): Timed {
  let best: Timed | null = null;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = wallNs();
    const result = bootElf(elf);
    const seconds = (wallNs() - t0) / NS_PER_S;
    const c = process.cpuUsage(c0);
    if (best === null || seconds < best.seconds) best = { result, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
  }
  return best as Timed;
}

/**
 * Wall time of `qemu-system-riscv32 -machine virt -nographic -bios none -kernel <elf>` (`qemuCommand`), best of
 * `rounds`; a string saying why if QEMU cannot be run or a run fails.
 */
function qemuWall(path: string, rounds: number): { seconds: number; console: Buffer; status: number | null } | string {
  const unavailable = qemuUnavailable();
  if (unavailable !== null) return unavailable;
  let best: { seconds: number; console: Buffer; status: number | null } | null = null;
  for (let r = 0; r < rounds; r++) {
    const t0 = wallNs();
    const run = spawnSync(qemuCommand(), ["-machine", "virt", "-nographic", "-bios", "none", "-kernel", path], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: QEMU_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = (wallNs() - t0) / NS_PER_S;
    if (run.error !== undefined) return qemuRunFailure(run);
    if (best === null || seconds < best.seconds) best = { seconds, console: run.stdout, status: run.status };
  }
  return best as { seconds: number; console: Buffer; status: number | null };
}

const MISSING = "guest/bin/cpubench.elf not found (run from the vmlab repository, or `npm run guests`)";

export const cpuBenchmarks: Benchmark[] = [
  {
    name: "cpu.mips",
    unit: "MIPS",
    description:
      "the cpubench guest (integer math, multiply/divide, memcpy, sort, hash) on the RV32IMA interpreter: millions of retired guest instructions per wall second, translation included; target >= 150",
    run: ({ quick }) => {
      const path = findGuestElf("cpubench");
      if (path === null) return { value: Number.NaN, baseline: null, note: `skipped: ${MISSING}` };
      const best = bestBoot(new Uint8Array(readFileSync(path)), quick ? 1 : 3);
      const mips = best.result.instructions / best.seconds / 1e6;
      const cpuMips = best.result.instructions / best.cpuSeconds / 1e6;
      return {
        value: mips,
        baseline: null,
        note: `${best.result.instructions} instructions in ${best.seconds.toFixed(3)} s wall, ${best.cpuSeconds.toFixed(3)} s CPU (${cpuMips.toFixed(0)} MIPS per CPU second); target >= 150 MIPS`,
      };
    },
  },
  {
    name: "cpu.vs-qemu",
    unit: "x",
    description:
      "QEMU's wall time over ours for the cpubench guest, both measured in this run (qemu-system-riscv32 -machine virt -bios none -kernel, TCG, process start included); > 1 means vmlab is faster",
    run: ({ quick }) => {
      const path = findGuestElf("cpubench");
      if (path === null) return { value: Number.NaN, baseline: null, note: `skipped: ${MISSING}` };
      const rounds = quick ? 1 : 3;
      const qemu = qemuWall(path, rounds);
      if (typeof qemu === "string") return { value: Number.NaN, baseline: null, note: `skipped: ${qemu}` };
      const ours = bestBoot(new Uint8Array(readFileSync(path)), rounds);
      const same = Buffer.compare(qemu.console, Buffer.from(ours.result.console)) === 0 && qemu.status === ours.result.exitCode;
      // The value is already the ratio (QEMU over ours), so there is no separate baseline to divide by.
      return {
        value: qemu.seconds / ours.seconds,
        baseline: null,
        note: `${qemuCommand()} ${qemu.seconds.toFixed(3)} s wall, vmlab ${ours.seconds.toFixed(3)} s wall (${ours.cpuSeconds.toFixed(3)} s CPU)${same ? "; same console and exit code" : "; WARNING: console or exit code differ from QEMU's"}`,
      };
    },
  },
];
