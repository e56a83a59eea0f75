import { plugin } from "@vmlab/core-vm/plugin";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeQemu } from "./fake-qemu.js";

describe("virtio.blk.iops benchmark", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is registered and reports blkbench's guest-measured qd=32 IOPS (deterministic in virtual time)", async () => {
    const bench = plugin.benchmarks.find((b) => b.name === "virtio.blk.iops");
    expect(bench).toBeDefined();
    const a = await bench!.run({ quick: true });
    const b = await bench!.run({ quick: true });
    expect(a.value).toBeGreaterThan(10_000);
    expect(b.value).toBe(a.value);
    if (a.baseline !== null) expect(a.baseline.value).toBeGreaterThan(0);
  }, 60_000);

  it("says why it has no QEMU baseline: a VMLAB_QEMU it cannot run is named", async () => {
    vi.stubEnv("VMLAB_QEMU", "/nonexistent/qemu-system-riscv32");
    const r = await plugin.benchmarks.find((b) => b.name === "virtio.blk.iops")!.run({ quick: true });
    expect(r.baseline).toBeNull();
    expect(r.note).toMatch(/^no baseline: VMLAB_QEMU=\/nonexistent\/qemu-system-riscv32 does not exist \(ENOENT\)\. /);
  }, 60_000);
  // Its QEMU run printing no verified data threw, which ended all of `vmlab bench` with a stack trace.
  it("a QEMU whose run does not verify is no baseline (said in the note), not a failed benchmark", async () => {
    const fake = fakeQemu('echo "blkbench: read back and verified 256 blocks: 3 errors"\nexit 0');
    vi.stubEnv("VMLAB_QEMU", fake);
    const r = await plugin.benchmarks.find((b) => b.name === "virtio.blk.iops")!.run({ quick: true });
    expect(r.value).toBeGreaterThan(10_000);
    expect(r.baseline).toBeNull();
    expect(r.noRatio).toBeUndefined();
    expect(r.note).toMatch(
      /^no baseline: blkbench did not verify its data \(or print its qd=32 timing\) on .*\/qemu\. vmlab's figure is in virtual time/,
    );
  }, 60_000);

  it("with QEMU's figure as baseline, gives no ratio: vmlab's IOPS are in virtual time, QEMU's in host time", async () => {
    const r = await plugin.benchmarks.find((b) => b.name === "virtio.blk.iops")!.run({ quick: true });
    if (r.baseline === null) {
      console.warn(`virtio.blk.iops: no QEMU baseline here (${r.note}); the no-ratio check is skipped`);
      return;
    }
    expect(r.noRatio).toBe("vmlab's IOPS are in virtual time, QEMU's in host time");
    expect(r.baseline.name).toMatch(/\(TCG\), same ELF/);
  }, 60_000);
});
