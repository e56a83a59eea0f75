import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../block/memory.js";
import { Machine } from "../board/machine.js";
import { isVmlabError } from "../errors.js";
import { Simulation } from "../sim/simulation.js";
import { EmulatedVm } from "./emulated-vm.js";
import { Host, runHosts } from "./host.js";
import { elf, guestVm, SLICE } from "./host.test-support.js";
import { WorkloadVm } from "./workload-vm.js";

describe("Host.schedStats: runNs is time on a physical CPU (ESX %RUN), not slices handed out", () => {
  it("a guest that idles in WFI partway through its slices is charged only the time it executed", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    // timer: five 1 ms ticks, idle in WFI between them; each wait starts partway through a slice.
    const vm = host.add(guestVm("timer", "timer")) as EmulatedVm;
    expect(runHosts([host])).toBe("done");
    const [s] = host.schedStats();
    expect(vm.stop).toBe("exit");
    expect(s.runNs).toBe(vm.machine.hart.retired * vm.machine.nsPerInstruction);
    // Charged whole slices, it "ran" more than every slice it was given partly idle.
    expect(s.runNs).toBeLessThan(s.slices * SLICE);
    expect(s.readyNs).toBe(0);
  });

  it("counts instructions at the machine's ns per instruction, also a guest that exits mid-slice", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const m = new Machine({ ramMiB: 16, nsPerInstruction: 3 });
    m.loadElf(elf("hello"));
    const vm = host.add(new EmulatedVm("hello", m)) as EmulatedVm;
    expect(runHosts([host])).toBe("done");
    expect(vm.stop).toBe("exit");
    const [s] = host.schedStats();
    expect(s.runNs).toBe(m.hart.retired * 3);
    expect(s.runNs % SLICE).not.toBe(0);
  });

  it("a guest whose instructions do not divide the slice is never charged more than the slice: CPUs are not over-committed", () => {
    // 3 ns per instruction, 10 µs slices: a slice's budget was rounded up to 3334 instructions, 10 002 ns.
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const vms = ["a", "b"].map((name) => {
      const m = new Machine({ ramMiB: 16, nsPerInstruction: 3 });
      m.loadElf(elf("cpubench"));
      return host.add(new EmulatedVm(name, m)) as EmulatedVm;
    });
    for (let i = 0; i < 20; i++) {
      host.step();
      const run = host.schedStats().reduce((a, s) => a + s.runNs, 0);
      expect(run).toBeLessThanOrEqual(host.nowNs);
      for (const vm of vms) expect(vm.machine.nowNs()).toBeLessThanOrEqual(host.nowNs);
    }
    // Each ran every other slice; given the CPU with 1 ns left (no room for an instruction) it ran in no slice.
    // A slice that holds no instruction is refused: the guest would never run, nor the host finish.
    const m = new Machine({ ramMiB: 1, nsPerInstruction: 3 });
    expect(() => new Host({ name: "tiny", timeSliceNs: 2 }).add(new EmulatedVm("g", m))).toThrow(
      expect.objectContaining({ code: "VMLAB_HOST_BAD_OPTION", message: expect.stringContaining("timeSliceNs for g") }),
    );
    expect(host.schedStats().map((s) => [s.runNs, s.slices])).toEqual([
      [10 * 9_999, 10],
      [10 * 9_999, 10],
    ]);
  });

  it("a workload VM is charged its vCPU time (cpuNsPerIo per issue and completion), not the slices it waits out", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const disk = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 50_000 });
    const w = host.add(
      new WorkloadVm({ name: "iometer", disk, outstandingIos: 1, cpuNsPerIo: 3_000, totalIos: 20, seed: 3 }),
    ) as WorkloadVm;
    expect(runHosts([host])).toBe("done");
    const [s] = host.schedStats();
    expect(w.cpuNs).toBe(20 * 2 * 3_000 - 3_000);
    expect(s.runNs).toBe(w.cpuNs);
  });

  it("a workload VM whose step ends exactly at the end of its CPU time issues the request then, not when it next runs", () => {
    const disk = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 50_000 });
    const w = new WorkloadVm({ name: "w", disk, outstandingIos: 2, cpuNsPerIo: 1_000, seed: 1 });
    expect(w.runUntilIdle(0, 1_000)).toEqual({ usedNs: 1_000, stopNs: 1_000 });
    expect(w.issued).toBe(1);
    // The second request's step, cut 500 ns in, goes on from there.
    expect(w.runUntilIdle(1_000, 1_500)).toEqual({ usedNs: 500, stopNs: 1_500 });
    expect(w.issued).toBe(1);
    expect(w.runUntilIdle(1_500, 2_000)).toEqual({ usedNs: 500, stopNs: 2_000 });
    expect(w.issued).toBe(2);
  });

  it("a workload VM with a total spends vCPU time only on the requests it issues, however many it keeps outstanding", () => {
    for (const [totalIos, outstandingIos] of [
      [2, 8],
      [20, 8],
      [20, 1],
    ]) {
      const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
      const disk = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 50_000 });
      const w = host.add(new WorkloadVm({ name: "w", disk, outstandingIos, cpuNsPerIo: 1_000, totalIos, seed: 1 })) as WorkloadVm;
      expect(runHosts([host])).toBe("done");
      // Each request issued, and every completion but the last handled (the VM is done then).
      expect([w.issued, w.completed, w.cpuNs]).toEqual([totalIos, totalIos, (2 * totalIos - 1) * 1_000]);
    }
  });

  it("refuses a total of IOs that is not a whole number >= 1 (2.5 ran 3, NaN never issued one nor finished)", () => {
    for (const totalIos of [2.5, Number.NaN, 0, -3]) {
      const disk = new MemoryBackend({ sizeBytes: 1 << 20 });
      expect(() => new WorkloadVm({ name: "w", disk, totalIos })).toThrow(
        expect.objectContaining({ code: "VMLAB_HOST_BAD_OPTION", message: expect.stringContaining("totalIos") }),
      );
    }
  });

  it("refuses a VM whose runOn reports no whole, non-negative time (the host's saved state could not be restored)", () => {
    for (const bad of [-1, 0.5, Number.NaN]) {
      const host = new Host({ name: "h", timeSliceNs: SLICE });
      const sim = new Simulation();
      host.add({ name: "odd", sim, done: false, wantsCpu: () => true, runOn: () => bad, idleTo: () => {} });
      let err: unknown;
      try {
        host.step();
      } catch (e) {
        err = e;
      }
      expect(isVmlabError(err) && err.code).toBe("VMLAB_HOST_BAD_OPTION");
      expect(String((err as Error).message)).toContain("odd.runOn");
    }
  });
});

describe("Host.schedStats: readyNs is time runnable without a physical CPU (ESX %RDY)", () => {
  it("a guest whose WFI wakes partway through a slice it does not get is ready from its wake-up, not the slice's start", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const timer = host.add(guestVm("timer", "timer")) as EmulatedVm;
    // Two hogs: round robin sometimes hands the slice in which the timer wakes to one of them.
    host.add(guestVm("hog1", "cpubench"));
    host.add(guestVm("hog2", "cpubench"));
    let expected = 0;
    let partial = 0;
    while (!timer.done) {
      const start = host.nowNs;
      const end = start + SLICE;
      const m = timer.machine;
      const wants = timer.wantsCpu(end);
      const readyAt = Math.max(start, m.waiting ? m.wakeNs() : m.nowNs());
      const slices = host.schedStats()[0].slices;
      host.step();
      if (wants && host.schedStats()[0].slices === slices) {
        expected += end - readyAt;
        if (readyAt > start) partial++;
      }
    }
    expect(partial).toBeGreaterThan(0);
    expect(host.schedStats()[0].readyNs).toBe(expected);
  });
});
