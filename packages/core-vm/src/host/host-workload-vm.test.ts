import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../block/memory.js";
import { ModeledBackend } from "../block/modeled.js";
import { Machine } from "../board/machine.js";
import { Simulation } from "../sim/simulation.js";
import { runMachine } from "../snapshot/run.js";
import { EmulatedVm } from "./emulated-vm.js";
import { Host, runHosts } from "./host.js";
import { elf, guestVm, hogVm, runAlone, SLICE, sha } from "./host.test-support.js";
import type { HostedVm } from "./hosted-vm.js";
import { WorkloadVm } from "./workload-vm.js";

describe("WorkloadVm: wants the CPU from its next completion, and handles completions in a slice it runs", () => {
  const ioVm = (latencyNs: number) =>
    new WorkloadVm({
      name: "io",
      disk: new MemoryBackend({ sizeBytes: 1 << 20, latencyNs }),
      outstandingIos: 1,
      cpuNsPerIo: 1_000,
      seed: 5,
    });

  it("is ready from an IO's completion in a slice it does not get, not only with completions waiting at the slice's start", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    // Issues its IO at 1 µs (done at 16 µs); the hog has the next slice.
    const w = host.add(ioVm(15_000)) as WorkloadVm;
    host.add(hogVm("hog"));
    host.step();
    expect(host.schedStats()[0].readyNs).toBe(0);
    expect(w.readyFromNs()).toBe(16_000);
    host.step();
    expect(host.schedStats()[1].slices).toBe(2);
    expect(host.schedStats()[0].readyNs).toBe(20_000 - 16_000);
  });

  it("given a CPU, handles an IO completing partway through the slice then, not a slice later", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const w = host.add(ioVm(5_000)) as WorkloadVm;
    expect(runHosts([host], 10 * SLICE)).toBe("time");
    // Each IO: 1 µs to issue, 5 µs on the disk, 1 µs to handle its completion — completions at 6 + 7k µs.
    expect(w.completed).toBe(14);
    expect(w.cpuNs).toBe((15 + 14) * 1_000);
    expect(host.schedStats()[0].runNs).toBe(w.cpuNs);
  });
});

describe("Host: a VM that stops needing its physical CPU partway through a slice gives it to a ready VM", () => {
  const ioVm = () =>
    new WorkloadVm({
      name: "io",
      disk: new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 15_000 }),
      outstandingIos: 1,
      cpuNsPerIo: 1_000,
      seed: 5,
    });

  it("two CPU-bound guests on one CPU with an IO-bound VM get the time it waits for its IOs: the CPU never idles", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const w = host.add(ioVm()) as WorkloadVm;
    host.add(guestVm("hog1", "cpubench"));
    host.add(guestVm("hog2", "cpubench"));
    expect(runHosts([host], 60 * SLICE)).toBe("time");
    const [io, h1, h2] = host.schedStats();
    expect(io.runNs).toBe(w.cpuNs);
    expect(w.completed).toBeGreaterThan(5);
    // Every ns of the 60 slices ran someone: the IO VM ran a few µs of each slice it got, the hogs the rest.
    expect(io.runNs + h1.runNs + h2.runNs).toBe(60 * SLICE);
    expect(h1.runNs + h2.runNs).toBeGreaterThan((2 * (60 * SLICE - io.runNs)) / 3);
  });

  it("an IO-bound VM beside a hog is ready exactly from each IO's completion to when it gets the CPU", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const w = host.add(ioVm()) as WorkloadVm;
    host.add(hogVm("hog"));
    expect(runHosts([host], 6 * SLICE)).toBe("time");
    const [io, hog] = host.schedStats();
    // Slice 0: io issues (0-1 µs; done at 16), the hog runs 1-10 (ready 0-1). Slice 1: the hog's; io is ready
    // 16-20. Slice 2: io handles and issues again (20-22; done at 37), the hog runs 22-30 (ready 20-22).
    // Slice 3: the hog's, io ready 37-40. Slice 4 as 2 (issue at 42, done at 57), slice 5 as 3.
    expect(io).toEqual({ name: "io", runNs: 5_000, readyNs: 4_000 + 3_000 + 3_000, slices: 3 });
    expect(hog).toEqual({ name: "hog", runNs: 60_000 - 5_000, readyNs: 1_000 + 2_000 + 2_000, slices: 6 });
    expect([w.issued, w.completed]).toEqual([3, 3]);
  });

  it("refuses a VM whose runUntilIdle reports no whole used time or stops before it started", () => {
    for (const [usedNs, stopNs, what] of [
      [0.5, SLICE, "usedNs"],
      [0, Number.NaN, "stopNs"],
      [0, -1, "stopNs"],
    ] as const) {
      const host = new Host({ name: "h", timeSliceNs: SLICE });
      const sim = new Simulation();
      host.add({
        name: "odd",
        sim,
        done: false,
        wantsCpu: () => true,
        runOn: () => 0,
        runUntilIdle: () => ({ usedNs, stopNs }),
        idleTo: () => {},
      });
      expect(() => host.step()).toThrow(
        expect.objectContaining({ code: "VMLAB_HOST_BAD_OPTION", message: expect.stringContaining(`odd.runUntilIdle's ${what}`) }),
      );
    }
  });

  it("refuses a VM whose readyFromNs is not a time (NaN hung the slice: no CPU was ever free again)", () => {
    const host = new Host({ name: "h", physicalCpus: 2, timeSliceNs: SLICE });
    host.add({
      name: "odd",
      sim: new Simulation(),
      done: false,
      wantsCpu: () => true,
      readyFromNs: () => Number.NaN,
      runOn: () => 0,
      runUntilIdle: (fromNs) => ({ usedNs: 0, stopNs: fromNs }),
      idleTo: () => {},
    });
    expect(() => host.step()).toThrow(
      expect.objectContaining({ code: "VMLAB_HOST_BAD_OPTION", message: expect.stringContaining("odd.readyFromNs") }),
    );
  });

  it("a guest idle in WFI gives its CPU to a CPU-bound guest and takes one again once its timer fires", () => {
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const timer = host.add(guestVm("timer", "timer")) as EmulatedVm;
    host.add(guestVm("hog", "cpubench"));
    const alone = runAlone("timer");
    while (!timer.done) host.step();
    const [t, hog] = host.schedStats();
    expect(t.runNs).toBe(timer.machine.hart.retired);
    expect(t.runNs + hog.runNs).toBe(host.nowNs);
    // Waiting for a CPU after its ticks changes when it runs, not what it computes.
    expect(Buffer.from(timer.machine.console()).equals(Buffer.from(alone.console()))).toBe(true);
  });

  it("a guest given the CPU as its WFI ends, partway through a slice, runs no further than the slice's end", () => {
    // The IO VM holds the CPU when the timer guest's deadline passes: the guest gets it then, past its clock.
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    host.add(ioVm());
    const timer = host.add(guestVm("timer", "timer")) as EmulatedVm;
    let overran = 0;
    while (!timer.done) {
      host.step();
      const run = host.schedStats().reduce((a, s) => a + s.runNs, 0);
      // Its budget counted from the clock it waited at: it ran on past the slice by as long as it had waited.
      if (timer.machine.nowNs() > host.nowNs || run > host.nowNs) overran++;
    }
    expect(overran).toBe(0);
    expect(Buffer.from(timer.machine.console()).equals(Buffer.from(runAlone("timer").console()))).toBe(true);
  });

  it("a guest waiting in WFI given the CPU too close to the slice's end for an instruction gives it back where it got it", () => {
    // 10 ns per instruction: given the CPU 3 ns past its clock, 5 ns before the end, it cannot run one.
    const m = new Machine({ ramMiB: 16, nsPerInstruction: 10 });
    m.loadElf(elf("timer"));
    const vm = new EmulatedVm("timer", m);
    const { stopNs } = vm.runUntilIdle(0, 100_000_000);
    expect(m.waiting && m.wakeNs() > stopNs + 10).toBe(true);
    // Not at its clock, before it got the CPU: the host refuses a stop before the start.
    expect(vm.runUntilIdle(stopNs + 3, stopNs + 8)).toEqual({ usedNs: 0, stopNs: stopNs + 3 });
  });

  it("runOn stops a guest at its end however long it waited in WFI on the way", () => {
    // Its budget counted from before the wait: csrprobe's run to 150 µs ended at 155.8 µs.
    const vm = guestVm("csrprobe", "csrprobe");
    const past: number[] = [];
    for (let end = SLICE; !vm.done; end += SLICE) {
      vm.runOn(end);
      if (vm.machine.nowNs() > end) past.push(vm.machine.nowNs() - end);
    }
    expect(past).toEqual([]);
    expect(Buffer.from(vm.machine.console()).equals(Buffer.from(runAlone("csrprobe").console()))).toBe(true);
  });

  it("an event of its own with no interrupt ends a descheduled guest's WFI, as it does a guest's alone", () => {
    // Events in the guest's simulation that raise nothing (a drive model's internal steps), during its first WFI.
    const quietEvents = (m: Machine) => {
      const kind = m.sim.on("test.quiet", () => {});
      for (const t of [300_001, 400_003]) m.sim.scheduleAt(t, kind);
    };
    const plain = runAlone("timer");
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(elf("timer"));
    quietEvents(m);
    runMachine(m, Number.POSITIVE_INFINITY);
    // Alone, each event ends the WFI: the guest goes round its wait loop once more.
    expect(m.hart.retired).toBeGreaterThan(plain.hart.retired);
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    const timer = host.add(guestVm("timer", "timer")) as EmulatedVm;
    quietEvents(timer.machine);
    host.add(guestVm("hog", "cpubench"));
    while (!timer.done) host.step();
    expect(Buffer.from(timer.machine.console()).equals(Buffer.from(m.console()))).toBe(true);
    expect(timer.machine.hart.retired).toBe(m.hart.retired);
  });

  it("is deterministic: two CPUs, guests and workload VMs on one queueing storage target, run twice give the same statistics and snapshots", () => {
    const run = () => {
      const storage = new ModeledBackend({
        store: new MemoryBackend({ sizeBytes: 4 << 20 }),
        model: { serviceNs: (_op, offset) => 3_000 + (offset % 7_919) },
      });
      const host = new Host({ name: "h", physicalCpus: 2, timeSliceNs: SLICE, storage });
      const vms: HostedVm[] = [
        host.add(guestVm("timer", "timer")),
        host.add(new WorkloadVm({ name: "w1", disk: host.lun(0, 2 << 20), outstandingIos: 2, cpuNsPerIo: 1_500, seed: 1 })),
        host.add(guestVm("hog", "cpubench")),
        host.add(new WorkloadVm({ name: "w2", disk: host.lun(2 << 20, 2 << 20), outstandingIos: 3, cpuNsPerIo: 2_500, seed: 2 })),
      ];
      runHosts([host], 300 * SLICE);
      return JSON.stringify({
        host: host.save(),
        storage: storage.save(),
        vms: vms.map((vm) =>
          vm instanceof WorkloadVm
            ? { vm: vm.save(), sim: vm.sim.save() }
            : { machine: (vm as EmulatedVm).machine.save(), sim: vm.sim.save(), ram: sha((vm as EmulatedVm).machine.ram.u8) },
        ),
      });
    };
    const first = run();
    expect(run()).toBe(first);
    const stats = JSON.parse(first).host.stats as { runNs: number; slices: number }[];
    for (const s of stats) expect(s.runNs).toBeGreaterThan(0);
  });
});
