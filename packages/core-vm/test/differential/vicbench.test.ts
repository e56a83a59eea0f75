/**
 * Differential test of `vicbench` (the vIC guest): on vmlab and on
 * `qemu-system-riscv32 -machine virt -global virtio-mmio.force-legacy=false
 * -drive file=disk.img,if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0`
 * it must take its completions through the PLIC interrupt handler, reap
 * every IO it issued, compute the same checksum over the data and exit 0.
 * Interrupt counts, latencies and instruction counts follow the device's
 * timing (QEMU's is the host's), so only their bounds are compared.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine, MemoryBackend, VirtioBlk } from "@vmlab/core-vm";
import { guestElfPath, qemuUnavailable, readGuestElf, runQemu } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { QEMU_FIRST_SLOT, runToEnd } from "../virtio-helpers.js";

const DISK_BYTES = 4 * 1024 * 1024;
const OIO = 16;
const IOS = 2000;
const APP_WORDS = 64;
const INPUT = new TextEncoder().encode(`${OIO} ${IOS} ${APP_WORDS} 0\n`);
/** The disk is zeros, so the application's checksum is IOS · Σ_{w < APP_WORDS} (0 ^ w). */
const CHECKSUM = ((IOS * ((APP_WORDS * (APP_WORDS - 1)) / 2)) >>> 0).toString(16).padStart(8, "0");
const LINE =
  /vicbench: oio=(\d+) ios=(\d+) interrupts=(\d+) empty=(\d+) reaped=(\d+) handler_instret=(\d+) instret=(\d+) latency_sum=(\d+) latency_max=(\d+) elapsed=(\d+) checksum=([0-9a-f]{8})/;

interface Counts {
  oio: number;
  ios: number;
  interrupts: number;
  reaped: number;
  checksum: string;
}

function counts(console: Uint8Array): Counts {
  const m = LINE.exec(Buffer.from(console).toString("latin1"));
  expect(m, Buffer.from(console).toString("latin1")).not.toBeNull();
  const r = m as RegExpExecArray;
  return { oio: Number(r[1]), ios: Number(r[2]), interrupts: Number(r[3]), reaped: Number(r[5]), checksum: r[11] };
}

function expectSane(c: Counts): void {
  expect({ oio: c.oio, ios: c.ios, reaped: c.reaped, checksum: c.checksum }).toEqual({
    oio: OIO,
    ios: IOS,
    reaped: IOS,
    checksum: CHECKSUM,
  });
  expect(c.interrupts).toBeGreaterThan(0);
  expect(c.interrupts).toBeLessThanOrEqual(IOS);
}

function runVmlab(): { console: Uint8Array; exitCode: number | null; instructions: number } {
  const m = new Machine();
  m.attachVirtio(
    QEMU_FIRST_SLOT,
    new VirtioBlk({ backend: new MemoryBackend({ sizeBytes: DISK_BYTES, latencyNs: 20_000 }), queueDepth: 64 }),
  );
  m.loadElf(readGuestElf("vicbench"));
  m.injectConsoleInput(INPUT);
  expect(runToEnd(m)).toBe("exit");
  return { console: m.console(), exitCode: m.exitCode, instructions: m.hart.retired };
}

describe("vicbench on vmlab vs QEMU", () => {
  it("vmlab: every IO reaped by the interrupt handler, the expected checksum, exit 0; deterministic", () => {
    const a = runVmlab();
    expect(a.exitCode).toBe(0);
    expectSane(counts(a.console));
    const b = runVmlab();
    expect(Buffer.from(b.console).equals(Buffer.from(a.console))).toBe(true);
    expect(b.instructions).toBe(a.instructions);
  });

  it("QEMU: the same counts that do not depend on timing", async (ctx) => {
    const noQemu = qemuUnavailable();
    if (noQemu !== null) {
      await ctx.annotate(`${noQemu}: live comparison skipped`, "warning");
      ctx.skip(`${noQemu}`);
    }
    const dir = mkdtempSync(join(tmpdir(), "vmlab-vicbench-"));
    try {
      const img = join(dir, "disk.img");
      writeFileSync(img, new Uint8Array(DISK_BYTES));
      const q = await runQemu(guestElfPath("vicbench"), {
        timeoutMs: 30_000,
        input: INPUT,
        args: [
          "-global",
          "virtio-mmio.force-legacy=false",
          "-drive",
          `file=${img},if=none,format=raw,id=d0`,
          "-device",
          "virtio-blk-device,drive=d0",
        ],
      });
      expect(q?.timedOut, "QEMU timed out").toBe(false);
      expect(q?.exitCode).toBe(0);
      expectSane(counts(q?.console ?? new Uint8Array()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
