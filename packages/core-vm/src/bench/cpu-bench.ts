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
    // Killed by a signal (the user's Ctrl-C reaches QEMU too): no run to compare, not "a console that differs".
    if (run.error !== undefined || run.signal !== null) return qemuRunFailure(run);
    if (best === null || seconds < best.seconds) best = { seconds, console: run.stdout, status: run.status };
  }
  return best as { seconds: number; console: Buffer; status: number | null };
}

const MISSING = "guest/bin/cpubench.elf not found (run from the vmlab repository, or `npm run guests`)";

/** Why QEMU's run of the guest is not the same run as ours (console or exit code), or null when it is. */
function qemuDiffers(qemu: { console: Buffer; status: number | null }, ours: BootResult): string | null {
  if (qemu.status !== ours.exitCode)
    return `${qemuCommand()} exited with ${qemu.status === null ? "a signal" : `status ${qemu.status}`}, vmlab's run with ${ours.exitCode}: not the same run, no ratio`;
  if (Buffer.compare(qemu.console, Buffer.from(ours.console)) !== 0)
    return `${qemuCommand()}'s console differs from vmlab's: not the same run, no ratio`;
  return null;
}

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
      "QEMU's wall time over ours for the cpubench guest, both measured in this run (qemu-system-riscv32 -machine virt -bios none -kernel, TCG); QEMU's process start-up (its wall time for the hello guest) is taken off, as vmlab's runs in this process; > 1 means vmlab is faster",
    run: ({ quick }) => {
      const path = findGuestElf("cpubench");
      const hello = findGuestElf("hello");
      if (path === null) return { value: Number.NaN, baseline: null, note: `skipped: ${MISSING}` };
      if (hello === null) return { value: Number.NaN, baseline: null, note: `skipped: ${MISSING.replace("cpubench", "hello")}` };
      const rounds = quick ? 1 : 3;
      const qemu = qemuWall(path, rounds);
      if (typeof qemu === "string") return { value: Number.NaN, baseline: null, note: `skipped: ${qemu}` };
      const ours = bestBoot(new Uint8Array(readFileSync(path)), rounds);
      // A QEMU that ran something else (another architecture's, an exit before the guest ran) gave a ratio of 0.004.
      const differs = qemuDiffers(qemu, ours.result);
      if (differs !== null) return { value: Number.NaN, baseline: null, note: `skipped: ${differs}` };
      // QEMU's time counts its process start-up (~25 ms, ~12% of it); vmlab's boot runs in this process. The
      // hello guest's whole QEMU run is that start-up and exit, plus a few thousand instructions.
      const startup = qemuWall(hello, rounds);
      if (typeof startup === "string") return { value: Number.NaN, baseline: null, note: `skipped: ${startup}` };
      const qemuRun = qemu.seconds - startup.seconds;
      // The value is already the ratio (QEMU over ours), so there is no separate baseline to divide by.
      return {
        value: qemuRun / ours.seconds,
        baseline: null,
        note: `${qemuCommand()} ${qemuRun.toFixed(3)} s wall (${qemu.seconds.toFixed(3)} s less ${startup.seconds.toFixed(3)} s of start-up), vmlab ${ours.seconds.toFixed(3)} s wall (${ours.cpuSeconds.toFixed(3)} s CPU); same console and exit code`,
      };
    },
  },
];
