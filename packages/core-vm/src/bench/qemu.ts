import { spawnSync } from "node:child_process";

/** The QEMU the benchmarks compare against: `VMLAB_QEMU` if set (as the differential tests take it), else the one on PATH. */
export function qemuCommand(): string {
  return process.env.VMLAB_QEMU || "qemu-system-riscv32";
}

/**
 * Why QEMU cannot be run as the benchmarks' reference, or null if `--version` runs. The benchmarks put this in
 * their note, so a missing binary, a wrong `VMLAB_QEMU` and a broken install read differently — in the words the
 * differential tests' skip messages use (test-utils' `qemuUnavailable`), `VMLAB_NO_QEMU=1` included.
 */
export function qemuUnavailable(): string | null {
  if (process.env.VMLAB_NO_QEMU === "1") return "VMLAB_NO_QEMU=1 is set";
  const fromEnv = Boolean(process.env.VMLAB_QEMU);
  const qemu = qemuCommand();
  const probe = spawnSync(qemu, ["--version"], { stdio: "ignore", timeout: 10_000 });
  if (probe.status === 0) return null;
  const code = (probe.error as NodeJS.ErrnoException | undefined)?.code;
  if (!fromEnv && code === "ENOENT") return `${qemu} is not installed (apt-get install qemu-system-misc, or point VMLAB_QEMU at it)`;
  const what = fromEnv ? `VMLAB_QEMU=${qemu}` : qemu;
  if (code === "ENOENT") return `${what} does not exist (ENOENT)`;
  if (code !== undefined) return `${what} cannot be run (${code})`;
  return `${what} --version ${probe.signal ? `was killed by ${probe.signal}` : `exited with status ${probe.status}`}`;
}

/** How a QEMU run ended when it did not exit 0 (for a benchmark's note). */
export function qemuRunFailure(run: { error?: Error; status: number | null; signal: NodeJS.Signals | null }): string {
  if (run.error !== undefined) return `${qemuCommand()} failed: ${(run.error as NodeJS.ErrnoException).code ?? run.error.message}`;
  return `${qemuCommand()} exited with ${run.status === null ? `signal ${run.signal}` : `status ${run.status}`}`;
}
