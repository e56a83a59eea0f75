import { plugin } from "@vmlab/core-vm/plugin";
import { describe, expect, it } from "vitest";

describe("virtio.blk.iops benchmark", () => {
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
    const before = process.env.VMLAB_QEMU;
    process.env.VMLAB_QEMU = "/nonexistent/qemu-system-riscv32";
    try {
      const r = await plugin.benchmarks.find((b) => b.name === "virtio.blk.iops")!.run({ quick: true });
      expect(r.baseline).toBeNull();
      expect(r.note).toMatch(/^no baseline: VMLAB_QEMU=\/nonexistent\/qemu-system-riscv32 does not exist \(ENOENT\)\. /);
    } finally {
      if (before === undefined) delete process.env.VMLAB_QEMU;
      else process.env.VMLAB_QEMU = before;
    }
  }, 60_000);
});
