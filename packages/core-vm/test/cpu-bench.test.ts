import { afterEach, describe, expect, it, vi } from "vitest";
import { cpuBenchmarks, findGuestElf } from "../src/bench/cpu-bench.js";
import { plugin } from "../src/plugin.js";
import { fakeQemu } from "./fake-qemu.js";

describe("CPU benchmarks", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("are registered in core-vm's plugin", () => {
    const names = plugin.benchmarks.map((b) => b.name);
    expect(names).toContain("cpu.mips");
    expect(names).toContain("cpu.vs-qemu");
  });

  it("find the committed cpubench guest", () => {
    expect(findGuestElf("cpubench")).toMatch(/guest\/bin\/cpubench\.elf$/);
    expect(findGuestElf("no-such-guest")).toBeNull();
  });

  it("cpu.mips measures a positive rate over the whole cpubench run", async () => {
    const mips = cpuBenchmarks.find((b) => b.name === "cpu.mips");
    const r = await mips?.run({ quick: true });
    expect(r?.value).toBeGreaterThan(1);
    expect(r?.note).toMatch(/^\d+ instructions in [\d.]+ s wall, [\d.]+ s CPU/);
  });

  it("cpu.vs-qemu names a VMLAB_QEMU it cannot run, not 'not installed'", async () => {
    vi.stubEnv("VMLAB_QEMU", "/nonexistent/qemu-system-riscv32");
    const r = await cpuBenchmarks.find((b) => b.name === "cpu.vs-qemu")?.run({ quick: true });
    expect(r?.value).toBeNaN();
    expect(r?.note).toBe("skipped: VMLAB_QEMU=/nonexistent/qemu-system-riscv32 does not exist (ENOENT)");
  });

  it("cpu.vs-qemu honours VMLAB_NO_QEMU=1, as the differential tests do", async () => {
    vi.stubEnv("VMLAB_NO_QEMU", "1");
    const r = await cpuBenchmarks.find((b) => b.name === "cpu.vs-qemu")?.run({ quick: true });
    expect(r?.note).toBe("skipped: VMLAB_NO_QEMU=1 is set");
  });
  // A QEMU that answers --version but cannot run the guest (another architecture's; "Could not find ROM image")
  // gave cpu.vs-qemu a ratio of 0.004 and a WARNING in the note: a script reading `value` took it as measured.
  it("cpu.vs-qemu gives no ratio when QEMU's run is not the same run as ours", async () => {
    const fake = fakeQemu('echo "Could not find ROM image" >&2\nexit 1');
    vi.stubEnv("VMLAB_QEMU", fake);
    const r = await cpuBenchmarks.find((b) => b.name === "cpu.vs-qemu")?.run({ quick: true });
    expect(r?.value).toBeNaN();
    expect(r?.note).toBe(`skipped: ${fake} exited with status 1, vmlab's run with 0: not the same run, no ratio`);
  }, 60_000);
  // A Ctrl-C reaches QEMU too: its killed run was kept as the fastest round and then blamed as "a console that differs".
  it("cpu.vs-qemu says QEMU was killed by a signal, not that its console differs", async () => {
    const fake = fakeQemu("kill -INT $$");
    vi.stubEnv("VMLAB_QEMU", fake);
    const r = await cpuBenchmarks.find((b) => b.name === "cpu.vs-qemu")?.run({ quick: true });
    expect(r?.value).toBeNaN();
    expect(r?.note).toBe(`skipped: ${fake} exited with signal SIGINT`);
  }, 60_000);
});
