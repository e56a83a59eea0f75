/**
 * Runs a bare-metal RV32 ELF on QEMU, the reference vmlab's machine is
 * checked against: `qemu-system-riscv32 -machine virt -nographic -bios none
 * -kernel X`. The guest's UART is QEMU's stdout; its exit code is the SiFive
 * test finisher's.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The QEMU binary; `VMLAB_QEMU` overrides it (a path or another name; empty is unset, as the benchmarks' `qemuCommand` takes it). */
export function qemuBinary(): string {
  return process.env.VMLAB_QEMU || "qemu-system-riscv32";
}

/** Probe results by binary and PATH: one `--version` each per process. */
const probed = new Map<string, string | null>();

/**
 * Why QEMU cannot be run here, in words for a skip message, or null when it can: `VMLAB_NO_QEMU=1`
 * set, a `VMLAB_QEMU` that is not there or not runnable (named, with the error), the default binary
 * not on PATH, or a binary whose `--version` fails.
 */
export function qemuUnavailable(): string | null {
  if (process.env.VMLAB_NO_QEMU === "1") return "VMLAB_NO_QEMU=1 is set";
  const binary = qemuBinary();
  const key = `${binary}\0${process.env.PATH ?? ""}`;
  let why = probed.get(key);
  if (why === undefined) {
    why = probeQemu(binary, Boolean(process.env.VMLAB_QEMU));
    probed.set(key, why);
  }
  return why;
}

function probeQemu(binary: string, fromEnv: boolean): string | null {
  const probe = spawnSync(binary, ["--version"], { stdio: "ignore", timeout: 10_000 });
  if (probe.status === 0) return null;
  const code = (probe.error as NodeJS.ErrnoException | undefined)?.code;
  if (!fromEnv && code === "ENOENT") return `${binary} is not installed (not on PATH); install qemu-system-misc, or point VMLAB_QEMU at it`;
  const what = fromEnv ? `VMLAB_QEMU=${binary}` : binary;
  if (code === "ENOENT") return `${what} does not exist (ENOENT)`;
  if (code !== undefined) return `${what} cannot be run (${code})`;
  return `${what} --version ${probe.signal ? `was killed by ${probe.signal}` : `exited with status ${probe.status}`}`;
}

/**
 * Whether QEMU can be run here (see `qemuUnavailable` for why not). `VMLAB_NO_QEMU=1` pretends it is
 * absent, to check that the QEMU-less path of the differential tests still checks something.
 */
export function qemuAvailable(): boolean {
  return qemuUnavailable() === null;
}

export interface QemuRunOptions {
  /** Wall-clock limit; the process is killed after it. */
  timeoutMs: number;
  /** Bytes fed to the guest's UART (QEMU's stdin). */
  input?: Uint8Array;
  /** RAM in MiB (QEMU's `-m`); QEMU's and vmlab's default is 128. */
  ramMiB?: number;
  /** Extra QEMU arguments (devices, drives, netdevs), appended after the machine options. */
  args?: readonly string[];
}

export interface QemuRunResult {
  /** Everything the guest wrote to its UART. */
  console: Buffer;
  /** The finisher's exit code (QEMU's process exit status); -1 when killed. */
  exitCode: number;
  timedOut: boolean;
}

/**
 * Runs `elfPath` on QEMU; resolves to null when QEMU is not installed.
 *
 * QEMU's stdout goes to a temporary file, not a pipe: with a pipe, QEMU 7.2
 * drops UART bytes whenever the pipe is full (seen with 100 KB outputs).
 */
export function runQemu(elfPath: string, options: QemuRunOptions): Promise<QemuRunResult | null> {
  if (!qemuAvailable()) return Promise.resolve(null);
  const args = ["-machine", "virt", "-nographic", "-bios", "none", "-kernel", elfPath];
  if (options.ramMiB !== undefined) args.push("-m", `${options.ramMiB}M`);
  if (options.args !== undefined) args.push(...options.args);
  const dir = mkdtempSync(join(tmpdir(), "vmlab-qemu-"));
  const outPath = join(dir, "console.out");
  const outFd = openSync(outPath, "w");
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  return new Promise<QemuRunResult>((resolve, reject) => {
    const child = spawn(qemuBinary(), args, { stdio: ["pipe", outFd, "pipe"] });
    closeSync(outFd);
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.stdin?.on("error", () => {
      // The guest may exit before reading its input; a closed pipe is fine.
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const console = readFileSync(outPath);
      const stderr = Buffer.concat(err).toString("utf8").trim();
      if (!timedOut && code !== 0 && console.length === 0 && stderr !== "") {
        // QEMU itself failed (bad ELF, bad option): not a guest exit code.
        reject(new Error(`QEMU failed on ${elfPath} (status ${code}): ${stderr}`));
        return;
      }
      resolve({ console, exitCode: timedOut ? -1 : (code ?? -1), timedOut });
    });
    child.stdin?.end(options.input ? Buffer.from(options.input) : undefined);
  }).finally(cleanup);
}
