import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Machine, Rng, runMachine, writeSnapshotFile } from "../../src/index.js";

/**
 * Snapshot fidelity (issue 5, "Must show"): for each guest program, snapshot
 * an uninterrupted run at 20 seeded random instruction counts, restore each
 * snapshot in a fresh `node` process, run it to the end, and compare console
 * bytes, final instruction count and exit code with the uninterrupted run.
 * (The disk image hash joins once a block device exists.)
 */

const SNAPSHOTS_PER_PROGRAM = 20;
const SEED = 20_250_505;
const RAM_MIB = 32;
const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const bin = join(repo, "guest", "bin");
const child = fileURLToPath(new URL("./resume-child.ts", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "vmlab-fidelity-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const programs = readdirSync(bin)
  .filter((f) => f.endsWith(".elf"))
  .map((f) => f.slice(0, -4))
  .sort();

function boot(name: string): Machine {
  const m = new Machine({ ramMiB: RAM_MIB });
  m.loadElf(new Uint8Array(readFileSync(join(bin, `${name}.elf`))));
  const input = join(repo, "guest", "programs", `${name}.input`);
  if (existsSync(input)) m.injectConsoleInput(new Uint8Array(readFileSync(input)));
  return m;
}

interface ChildResult {
  file: string;
  stop: string;
  retired: number;
  exitCode: number | null;
  console: string;
}

function resumeInChild(files: string[]): Promise<ChildResult[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--conditions=@vmlab/source", "--import", "tsx", child, ...files], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    p.stderr.on("data", (d: Buffer) => {
      err += d.toString("utf8");
    });
    p.on("error", reject);
    p.on("close", (code) => {
      if (code !== 0) reject(new Error(`resume child exited ${code}: ${err}`));
      else
        resolve(
          out
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as ChildResult),
        );
    });
  });
}

describe("snapshot fidelity: restore in a fresh process equals an uninterrupted run", () => {
  it("finds the guest programs", () => {
    expect(programs.length).toBeGreaterThanOrEqual(7);
  });

  for (const name of programs) {
    it(`${name}: ${SNAPSHOTS_PER_PROGRAM} snapshots at random instruction counts`, { timeout: 300_000 }, async () => {
      const reference = boot(name);
      expect(runMachine(reference, Number.POSITIVE_INFINITY)).toBe("exit");
      const total = reference.hart.retired;
      const fullConsole = Buffer.from(reference.console());

      const rng = new Rng(SEED, name);
      const points = new Set<number>();
      while (points.size < SNAPSHOTS_PER_PROGRAM) points.add(1 + rng.int(total - 1));
      const sorted = [...points].sort((a, b) => a - b);

      const m = boot(name);
      const files: string[] = [];
      const prefixes = new Map<string, number>();
      for (const at of sorted) {
        expect(runMachine(m, at)).toBe("budget");
        expect(m.hart.retired).toBe(at);
        const file = join(tmp, `${name}-${at}.snap`);
        writeSnapshotFile(file, { machine: m });
        files.push(file);
        prefixes.set(file, m.console().length);
      }

      const results = await resumeInChild(files);
      expect(results.map((r) => r.file)).toEqual(files);
      for (const r of results) {
        const prefix = fullConsole.subarray(0, prefixes.get(r.file));
        expect({ file: r.file, stop: r.stop, retired: r.retired, exitCode: r.exitCode }).toEqual({
          file: r.file,
          stop: "exit",
          retired: total,
          exitCode: reference.exitCode,
        });
        expect(Buffer.concat([prefix, Buffer.from(r.console, "base64")]).equals(fullConsole)).toBe(true);
      }
    });
  }
});
