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
});
