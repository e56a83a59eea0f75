import { spawnSync } from "node:child_process";

/** The QEMU the benchmarks compare against: `VMLAB_QEMU` if set (as the differential tests take it), else the one on PATH. */
export function qemuCommand(): string {
  return process.env.VMLAB_QEMU || "qemu-system-riscv32";
}

/**
 * Why QEMU cannot be run as the benchmarks' reference, or null if `--version` runs. The benchmarks put this in
 * their note, so a missing binary, a wrong `VMLAB_QEMU` and a broken install read differently.
 */
export function qemuUnavailable(): string | null {
  const set = process.env.VMLAB_QEMU;
  const qemu = qemuCommand();
  const probe = spawnSync(qemu, ["--version"], { stdio: "ignore" });
  const err = probe.error as NodeJS.ErrnoException | undefined;
  if (err !== undefined) {
    if (set) return `VMLAB_QEMU=${set} cannot be run (${err.code ?? err.message})`;
    return err.code === "ENOENT"
      ? `${qemu} is not installed (apt-get install qemu-system-misc)`
      : `${qemu} cannot be run (${err.code ?? err.message})`;
  }
  if (probe.status !== 0)
    return `${set ? `VMLAB_QEMU=${set}` : qemu} --version exited with ${probe.status === null ? `signal ${probe.signal}` : `status ${probe.status}`}`;
  return null;
}

/** How a QEMU run ended when it did not exit 0 (for a benchmark's note). */
export function qemuRunFailure(run: { error?: Error; status: number | null; signal: NodeJS.Signals | null }): string {
  if (run.error !== undefined) return `${qemuCommand()} failed: ${(run.error as NodeJS.ErrnoException).code ?? run.error.message}`;
  return `${qemuCommand()} exited with ${run.status === null ? `signal ${run.signal}` : `status ${run.status}`}`;
}
