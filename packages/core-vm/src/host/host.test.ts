import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../block/memory.js";
import { Machine } from "../board/machine.js";
import { isVmlabError } from "../errors.js";
import { VirtualSwitch } from "../net/switch.js";
import { Simulation } from "../sim/simulation.js";
import { VirtioNet } from "../virtio/net.js";
import type { EmulatedVm } from "./emulated-vm.js";
import { Host, runHosts } from "./host.js";
import { guestVm, runAlone, SLICE } from "./host.test-support.js";
import type { HostedVm } from "./hosted-vm.js";
import { WorkloadVm } from "./workload-vm.js";

describe("Host: vCPUs time-sliced over physical CPUs", () => {
  it("three CPU-bound guests on one physical CPU share it round robin; on three they never wait", () => {
    const alone = runAlone("usermode");
    const finish = (cpus: number) => {
      const host = new Host({ name: "h", physicalCpus: cpus, timeSliceNs: SLICE });
      const vms = ["a", "b", "c"].map((n) => host.add(guestVm(n, "usermode")) as EmulatedVm);
      expect(runHosts([host])).toBe("done");
      for (const vm of vms) {
        // Time slicing changes when the guest runs, never what it computes.
        expect(Buffer.from(vm.machine.console()).equals(Buffer.from(alone.console()))).toBe(true);
        expect(vm.machine.hart.retired).toBe(alone.hart.retired);
        expect(vm.stop).toBe("exit");
      }
      return { end: host.nowNs, stats: host.schedStats() };
    };
    const one = finish(1);
    const three = finish(3);
    const slicesNeeded = Math.ceil(alone.nowNs() / SLICE);
    for (const s of three.stats) {
      expect(s.readyNs).toBe(0);
      expect(s.slices).toBe(slicesNeeded);
    }
    expect(three.end).toBe(slicesNeeded * SLICE);
    for (const s of one.stats) {
      expect(s.runNs).toBe(alone.nowNs());
      expect(s.readyNs).toBeGreaterThanOrEqual((slicesNeeded - 1) * SLICE);
    }
    // A guest that exits partway through a slice hands the CPU to the next one for the rest of it:
    // the CPU never idles while a guest is ready, so the last one is done after exactly the three runs.
    expect(one.stats.map((s) => s.slices)).toEqual([slicesNeeded, slicesNeeded + 1, slicesNeeded + 1]);
    expect(Math.max(...one.stats.map((s) => s.runNs + s.readyNs))).toBe(3 * alone.nowNs());
    expect(one.end).toBe(Math.ceil((3 * alone.nowNs()) / SLICE) * SLICE);
  });

  it("a VM that wants no CPU (idle or done) does not hand its turn to the next one: CPU-bound guests share fairly", () => {
    const idle: HostedVm = {
      name: "idle",
      sim: new Simulation(),
      done: false,
      wantsCpu: () => false,
      runOn: () => 0,
      idleTo: () => {},
    };
    const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
    host.add(idle);
    host.add(guestVm("b", "cpubench"));
    host.add(guestVm("c", "cpubench"));
    expect(runHosts([host], 60 * SLICE)).toBe("time");
    const [, b, c] = host.schedStats();
    expect(b.slices + c.slices).toBe(60);
    expect([b.slices, c.slices]).toEqual([30, 30]);
    expect([b.readyNs, c.readyNs]).toEqual([30 * SLICE, 30 * SLICE]);
  });

  it("a workload VM issues fewer IOs when CPU-bound guests contend for its physical CPU", () => {
    const iosIn = (guests: number, cpus: number) => {
      const host = new Host({ name: "h", physicalCpus: cpus, timeSliceNs: SLICE });
      const disk = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 50_000 });
      const w = new WorkloadVm({ name: "iometer", disk, outstandingIos: 4, cpuNsPerIo: 5_000, seed: 3 });
      host.add(w);
      for (let i = 0; i < guests; i++) host.add(guestVm(`g${i}`, "memtest"));
      runHosts([host], 2_000_000);
      return w.completed;
    };
    const alone = iosIn(0, 1);
    const contended = iosIn(2, 1);
    const enoughCpus = iosIn(2, 3);
    expect(alone).toBeGreaterThan(50);
    expect(contended).toBeLessThan(alone * 0.8);
    expect(enoughCpus).toBe(alone);
  });

  it("a workload VM's state round-trips through JSON and the restored VM continues identically", () => {
    const make = () => new WorkloadVm({ name: "w", disk: new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 7_000 }), seed: 9 });
    const a = make();
    a.runOn(300_000);
    const saved = JSON.parse(JSON.stringify({ vm: a.save(), sim: a.sim.save() }));
    const b = make();
    b.sim.restore(saved.sim);
    b.restore(b.parse(saved.vm));
    expect(b.save()).toEqual(a.save());
    a.runOn(900_000);
    b.runOn(900_000);
    expect(b.save()).toEqual(a.save());
    expect(b.completed).toBeGreaterThan(10);
    expect(() => b.parse({ ...saved.vm, completed: -1 })).toThrow(expect.objectContaining({ code: "VMLAB_SIM_BAD_STATE" }));
  });

  it("a host's scheduler state round-trips: restored with its VMs, it continues as if never stopped", () => {
    const make = () => {
      const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
      const vms = [3_000, 7_000, 25_000].map((cpuNsPerIo, i) =>
        host.add(
          new WorkloadVm({
            name: `w${i}`,
            disk: new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 40_000 }),
            cpuNsPerIo,
            outstandingIos: 2,
            seed: i,
          }),
        ),
      ) as WorkloadVm[];
      return { host, vms };
    };
    const a = make();
    runHosts([a.host], 37 * SLICE);
    const saved = JSON.parse(JSON.stringify({ host: a.host.save(), vms: a.vms.map((vm) => ({ vm: vm.save(), sim: vm.sim.save() })) }));
    const b = make();
    b.vms.forEach((vm, i) => {
      vm.sim.restore(saved.vms[i].sim);
      vm.restore(vm.parse(saved.vms[i].vm));
    });
    b.host.restore(b.host.parse(saved.host));
    expect(b.host.save()).toEqual(a.host.save());
    runHosts([a.host], 400 * SLICE);
    runHosts([b.host], 400 * SLICE);
    expect(b.host.nowNs).toBe(a.host.nowNs);
    expect(b.host.schedStats()).toEqual(a.host.schedStats());
    expect(b.vms.map((vm) => vm.save())).toEqual(a.vms.map((vm) => vm.save()));
    expect(a.vms[2].completed).toBeGreaterThan(10);
    // A state for other VMs is refused, and changes nothing.
    const other = new Host({ name: "h" });
    other.add(b.vms[0]);
    expect(() => other.parse(saved.host)).toThrow(expect.objectContaining({ code: "VMLAB_SIM_BAD_STATE" }));
    expect(() => b.host.parse({ ...saved.host, nextVm: 3 })).toThrow(expect.objectContaining({ code: "VMLAB_SIM_BAD_STATE" }));
  });

  it("a NIC connected with the default link on a host with the default slice: the link latency follows the slice", () => {
    // The defaults together used to throw (10 µs link latency < 100 µs slice).
    const net = new VirtualSwitch();
    const host = new Host({ name: "h", network: net });
    host.connectNic(new VirtioNet({ mac: "52:54:00:00:00:01" }), new Machine({ ramMiB: 1 }).sim);
    expect(net.minLatencyNs).toBe(host.timeSliceNs);
    // A slice of at most 10 µs keeps the switch's default 10 µs link (runs that worked before are unchanged).
    const small = new VirtualSwitch();
    new Host({ name: "s", network: small, timeSliceNs: SLICE / 2 }).connectNic(
      new VirtioNet({ mac: "52:54:00:00:00:02" }),
      new Machine({ ramMiB: 1 }).sim,
    );
    expect(small.minLatencyNs).toBe(10_000);
  });

  it("a link latency below the slice is refused with what to change", () => {
    const host = new Host({ name: "h", network: new VirtualSwitch(), timeSliceNs: 50_000 });
    expect(() =>
      host.connectNic(new VirtioNet({ mac: "52:54:00:00:00:01" }), new Machine({ ramMiB: 1 }).sim, { latencyNs: 10_000 }),
    ).toThrow(/latencyNs=10000 .*>= the time slice \(50000 ns\).*timeSliceNs/);
  });

  it("checks its options", () => {
    for (const f of [
      () => new Host({ name: "h", physicalCpus: 0 }),
      () => new Host({ name: "h", timeSliceNs: 0.5 }),
      () => new Host({ name: "h" }).lun(0, 4096),
      () => new Host({ name: "h", storage: new MemoryBackend({ sizeBytes: 4096 }) }).lun(512, 4096),
      () =>
        new Host({ name: "h", network: new VirtualSwitch(), timeSliceNs: 50_000 }).connectNic(
          new VirtioNet({ mac: "52:54:00:00:00:01" }),
          new Machine({ ramMiB: 1 }).sim,
          { latencyNs: 10_000 },
        ),
    ]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_HOST_BAD_OPTION");
      }
    }
  });
});

describe("misspelt options", () => {
  it("Host and WorkloadVm refuse an option they do not know, naming it and the options", () => {
    // physicalCPUs: 4 ran on 1 CPU and outstandingIOs: 32 at 8 outstanding IOs, without a word.
    const disk = new MemoryBackend({ sizeBytes: 1 << 20 });
    const cases: [() => unknown, RegExp][] = [
      [() => new Host({ name: "h", physicalCPUs: 4 } as never), /physicalCPUs.*physicalCpus/],
      [() => new Host({ name: "h", timeslice: 10_000 } as never), /timeslice.*timeSliceNs/],
      [() => new WorkloadVm({ name: "w", disk, outstandingIOs: 32 } as never), /outstandingIOs.*outstandingIos/],
      [() => new WorkloadVm({ name: "w", disk, cpuNsPerIO: 5 } as never), /cpuNsPerIO.*cpuNsPerIo/],
    ];
    for (const [f, message] of cases) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_HOST_BAD_OPTION");
        expect((e as Error).message).toMatch(message);
      }
    }
    expect(new WorkloadVm({ name: "w", disk, outstandingIos: 32, seed: 3 }).outstandingIos).toBe(32);
  });
});
