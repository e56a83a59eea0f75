import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type Machine, Rng, runMachine, writeSnapshotFile } from "../../src/index.js";
import { buildRig, RAM_MIB, type Rig } from "./devices.js";
import { buildPair, runPair, switchComponent } from "./pair.js";

/**
 * Snapshot fidelity (issue 5, "Must show"): for each guest program, snapshot
 * an uninterrupted run at 20 seeded random instruction counts, restore each
 * snapshot in a fresh `node` process, run it to the end, and compare console
 * bytes, final instruction count, exit code and (blkbench) the disk image's
 * hash with the uninterrupted run. Devices: see `devices.ts`.
 */

const SNAPSHOTS_PER_PROGRAM = 20;
const SEED = 20_250_505;
const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const bin = join(repo, "guest", "bin");
const child = fileURLToPath(new URL("./resume-child.ts", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "vmlab-fidelity-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const programs = readdirSync(bin)
  .filter((f) => f.endsWith(".elf"))
  .map((f) => f.slice(0, -4))
  .sort();

function boot(name: string): Rig {
  const rig = buildRig(name);
  const m = rig.subject.machine;
  m.loadElf(new Uint8Array(readFileSync(join(bin, `${name}.elf`))));
  const input = join(repo, "guest", "programs", `${name}.input`);
  if (existsSync(input)) m.injectConsoleInput(new Uint8Array(readFileSync(input)));
  return rig;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface ChildResult {
  file: string;
  stop: string;
  retired: number;
  exitCode: number | null;
  console: string;
  disk: string | null;
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
  it(`netping pair (two VMs on a switch, lockstep): ${SNAPSHOTS_PER_PROGRAM} cuts at random virtual times`, {
    timeout: 300_000,
  }, async () => {
    const elf = new Uint8Array(readFileSync(join(bin, "netping.elf")));
    const ref = buildPair(RAM_MIB);
    for (const m of ref.machines) m.loadElf(elf);
    expect(runPair(ref)).toBe("exit");
    const end = Math.max(...ref.machines.map((m) => m.nowNs()));
    for (const m of ref.machines) expect(Buffer.from(m.console()).toString("latin1")).toMatch(/netping: done/);

    const rng = new Rng(SEED, "netping-pair");
    const cuts = [...new Set(Array.from({ length: SNAPSHOTS_PER_PROGRAM }, () => 1 + rng.int(end - 1)))].sort((a, b) => a - b);
    const pair = buildPair(RAM_MIB);
    for (const m of pair.machines) m.loadElf(elf);
    const args: string[] = [];
    const prefixes = new Map<string, number>();
    for (const cut of cuts) {
      if (runPair(pair, cut) !== "time") break;
      const files = pair.machines.map((m, i) => {
        const file = join(tmp, `netping-${cut}-${i}.snap`);
        writeSnapshotFile(file, { machine: m, components: i === 0 ? [switchComponent(pair.sw)] : [] });
        prefixes.set(file, m.console().length);
        return file;
      });
      args.push(`netping-pair:${files.join(",")}`);
    }
    expect(args.length).toBeGreaterThanOrEqual(SNAPSHOTS_PER_PROGRAM - 1);
    const results = await resumeInChild(args);
    expect(results.length).toBe(2 * args.length);
    results.forEach((r, k) => {
      const m = ref.machines[k % 2];
      const full = Buffer.from(m.console());
      expect({ stop: r.stop, retired: r.retired, exitCode: r.exitCode }).toEqual({
        stop: "exit",
        retired: m.hart.retired,
        exitCode: m.exitCode,
      });
      expect(Buffer.concat([full.subarray(0, prefixes.get(r.file)), Buffer.from(r.console, "base64")]).equals(full)).toBe(true);
    });
  });

  it("finds the guest programs", () => {
    expect(programs.length).toBeGreaterThanOrEqual(7);
  });

  for (const name of programs) {
    it(`${name}: ${SNAPSHOTS_PER_PROGRAM} snapshots at random instruction counts`, { timeout: 300_000 }, async () => {
      const ref = boot(name);
      const reference: Machine = ref.subject.machine;
      expect(runMachine(reference, Number.POSITIVE_INFINITY)).toBe("exit");
      const total = reference.hart.retired;
      // The device programs really used their devices: blkbench wrote its disk.
      if (ref.disk !== null) expect(sha(ref.disk.bytes)).not.toBe(sha((buildRig(name).disk as NonNullable<Rig["disk"]>).bytes));
      const fullConsole = Buffer.from(reference.console());

      const rng = new Rng(SEED, name);
      const points = new Set<number>();
      while (points.size < SNAPSHOTS_PER_PROGRAM) points.add(1 + rng.int(total - 1));
      const sorted = [...points].sort((a, b) => a - b);

      const rig = boot(name);
      const m = rig.subject.machine;
      const files: string[] = [];
      const prefixes = new Map<string, number>();
      for (const at of sorted) {
        expect(runMachine(m, at)).toBe("budget");
        expect(m.hart.retired).toBe(at);
        const file = join(tmp, `${name}-${at}.snap`);
        writeSnapshotFile(file, rig.subject);
        if (rig.disk !== null) writeFileSync(`${file}.disk`, rig.disk.bytes);
        files.push(file);
        prefixes.set(file, m.console().length);
      }

      const results = await resumeInChild(files.map((f) => `${name}:${f}`));
      expect(results.map((r) => r.file)).toEqual(files);
      for (const r of results) {
        const prefix = fullConsole.subarray(0, prefixes.get(r.file));
        expect({ file: r.file, stop: r.stop, retired: r.retired, exitCode: r.exitCode, disk: r.disk }).toEqual({
          file: r.file,
          stop: "exit",
          retired: total,
          exitCode: reference.exitCode,
          disk: ref.disk === null ? null : sha(ref.disk.bytes),
        });
        expect(Buffer.concat([prefix, Buffer.from(r.console, "base64")]).equals(fullConsole)).toBe(true);
      }
    });
  }
});
