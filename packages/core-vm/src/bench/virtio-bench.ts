import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "../block/memory.js";
import { Machine } from "../board/machine.js";
import type { Benchmark, BenchmarkResult } from "../plugin-api.js";
import { VirtioBlk } from "../virtio/blk.js";
import { findGuestElf } from "./cpu-bench.js";
import { qemuCommand, qemuRunFailure, qemuUnavailable } from "./qemu.js";

/** blkbench's disk: 8 MiB with a label in sector 0 (as the differential test's). */
const DISK_BYTES = 8 * 1024 * 1024;
const LABEL = "vmlab disk image v1\n";
const SERIAL = "vmlab-disk0";
const QUEUE_DEPTH = 32;
/** QEMU `virt` puts the first -device in the highest virtio-mmio slot; blkbench prints the address, so vmlab uses the same. */
const SLOT = 7;

function disk(): Uint8Array {
  const d = new Uint8Array(DISK_BYTES);
  d.set(new TextEncoder().encode(LABEL));
  return d;
}

/** The guest-measured IOPS at queue depth 32 from blkbench's output; throws if the run did not verify. */
function iopsAt32(console: string, who: string): number {
  if (!console.includes("read back and verified 256 blocks: 0 errors") || !console.includes(`qd=${QUEUE_DEPTH}: 2048 reads, 0 errors`))
    throw new Error(`blkbench did not verify its data on ${who}:\n${console}`);
  const m = new RegExp(`timing: qd=${QUEUE_DEPTH} ticks=\\d+ iops=(\\d+)`).exec(console);
  if (m === null) throw new Error(`blkbench printed no qd=${QUEUE_DEPTH} timing line on ${who}`);
  return Number(m[1]);
}

/** The same ELF on QEMU (`qemuCommand`) with a raw image as virtio-blk-device; a string saying why if QEMU cannot be run or the run fails. */
function qemuIops(elfPath: string): number | string {
  const unavailable = qemuUnavailable();
  if (unavailable !== null) return unavailable;
  const dir = mkdtempSync(join(tmpdir(), "vmlab-blkbench-"));
  try {
    const img = join(dir, "disk.img");
    writeFileSync(img, disk());
    const run = spawnSync(
      qemuCommand(),
      [
        ...["-machine", "virt", "-nographic", "-bios", "none", "-kernel", elfPath],
        ...["-global", "virtio-mmio.force-legacy=false", "-drive", `file=${img},if=none,format=raw,id=d0`],
        ...["-device", `virtio-blk-device,drive=d0,serial=${SERIAL}`],
      ],
      { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 },
    );
    if (run.error !== undefined || run.status !== 0) return qemuRunFailure(run);
    // A run that did not verify is no baseline (said in the note), not a failed benchmark.
    try {
      return iopsAt32(run.stdout.toString("latin1"), "QEMU");
    } catch {
      return `blkbench did not verify its data (or print its qd=${QUEUE_DEPTH} timing) on ${qemuCommand()}`;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `virtio.blk.iops`: blkbench's 4 KiB random reads (each verified by the
 * guest) at queue depth 32 through virtio-blk on the in-memory backend,
 * as the guest measures them with `mtime`. On vmlab that clock is virtual
 * time (1 ns per instruction), so the figure counts guest and device work
 * per IO, not host speed; QEMU's guest reads the host clock.
 */
export const virtioBlkIops: Benchmark = {
  name: "virtio.blk.iops",
  unit: "IOPS",
  description: "blkbench: guest-measured 4 KiB random reads at queue depth 32 through virtio-blk on the in-memory backend",
  run(): BenchmarkResult {
    const path = findGuestElf("blkbench");
    if (path === null)
      return {
        value: Number.NaN,
        baseline: null,
        note: "skipped: guest/bin/blkbench.elf not found (run from the vmlab repository, or `npm run guests`)",
      };
    const m = new Machine();
    m.attachVirtio(
      SLOT,
      new VirtioBlk({ backend: new MemoryBackend({ sizeBytes: DISK_BYTES, contents: disk() }), queueDepth: QUEUE_DEPTH, serial: SERIAL }),
    );
    m.loadElf(new Uint8Array(readFileSync(path)));
    for (;;) {
      const r = m.run(2_000_000_000 - m.hart.retired);
      if (r === "event") m.sim.run({ until: m.sim.now });
      else break;
    }
    const value = iopsAt32(Buffer.from(m.console()).toString("latin1"), "vmlab");
    const q = qemuIops(path);
    return {
      value,
      baseline: typeof q === "string" ? null : { name: `${qemuCommand()} (TCG), same ELF (guest mtime = host clock)`, value: q },
      // Virtual time against the host clock: vmlab's figure does not move with host speed, so a quotient would only
      // follow QEMU's.
      ...(typeof q === "string" ? {} : { noRatio: "vmlab's IOPS are in virtual time, QEMU's in host time" }),
      note:
        typeof q === "string"
          ? `no baseline: ${q}. vmlab's figure is in virtual time (1 ns per guest instruction, RAM disk with 0 ns service time)`
          : "vmlab's figure is in virtual time (1 ns per guest instruction, RAM disk with 0 ns service time); QEMU's guest reads the host clock",
    };
  },
};

export const virtioBenchmarks: Benchmark[] = [virtioBlkIops];
