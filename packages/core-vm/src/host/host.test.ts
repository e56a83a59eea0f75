import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../block/memory.js";
import { ModeledBackend } from "../block/modeled.js";
import { Machine } from "../board/machine.js";
import { isVmlabError } from "../errors.js";
import { type SwitchPort, VirtualSwitch } from "../net/switch.js";
import { Simulation } from "../sim/simulation.js";
import { runMachine } from "../snapshot/run.js";
import { VirtioBlk } from "../virtio/blk.js";
import { VirtioNet } from "../virtio/net.js";
import { EmulatedVm } from "./emulated-vm.js";
import { Host, runHosts } from "./host.js";
import type { HostedVm } from "./hosted-vm.js";
import { WorkloadVm } from "./workload-vm.js";

const elf = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../guest/bin/${name}.elf`, import.meta.url)));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const SLICE = 10_000;

function guestVm(name: string, program: string): EmulatedVm {
  const m = new Machine({ ramMiB: 16 });
  m.loadElf(elf(program));
  return new EmulatedVm(name, m);
}

/** netping's pong on host `a` and its ping on host `b`, each with a NIC on its host's network; returns [pong, ping]. */
function addNetpingPair(a: Host, b: Host): EmulatedVm[] {
  return (
    [
      [a, "52:54:00:00:00:02"],
      [b, "52:54:00:00:00:01"],
    ] as const
  ).map(([host, mac]) => {
    const vm = guestVm(`netping@${host.name}`, "netping");
    const nic = new VirtioNet({ mac });
    vm.machine.attachVirtio(7, nic);
    host.connectNic(nic, vm.sim, { latencyNs: SLICE });
    host.add(vm);
    return vm;
  });
}

function runAlone(program: string): Machine {
  const m = new Machine({ ramMiB: 16 });
  m.loadElf(elf(program));
  runMachine(m, Number.POSITIVE_INFINITY);
  return m;
}

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

describe("two hosts in virtual time", () => {
  /**
   * Host A: netping (one end), blkbench on a LUN of A's storage, an
   * Iometer-like workload VM on another LUN — three vCPUs on two physical
   * CPUs. Host B: netping (other end) and a workload VM on two CPUs. One
   * network between them. Everything that comes out is hashed.
   */
  function twoHosts(): string {
    const net = new VirtualSwitch();
    const storageA = new MemoryBackend({ sizeBytes: 16 << 20, latencyNs: 30_000 });
    const storageB = new MemoryBackend({ sizeBytes: 8 << 20, latencyNs: 80_000 });
    const a = new Host({ name: "A", physicalCpus: 2, timeSliceNs: SLICE, network: net, storage: storageA });
    const b = new Host({ name: "B", physicalCpus: 2, timeSliceNs: SLICE, network: net, storage: storageB });
    const pingers = addNetpingPair(a, b);
    const blk = new Machine({ ramMiB: 16 });
    const lun = a.lun(0, 8 << 20);
    lun.write(0, new TextEncoder().encode("vmlab disk image v1\n"));
    blk.attachVirtio(7, new VirtioBlk({ backend: lun, queueDepth: 32, serial: "vmlab-disk0" }));
    blk.loadElf(elf("blkbench"));
    const blkVm = a.add(new EmulatedVm("blkbench@A", blk)) as EmulatedVm;
    const wa = a.add(new WorkloadVm({ name: "iometer@A", disk: a.lun(8 << 20, 8 << 20), totalIos: 300, seed: 1 })) as WorkloadVm;
    const wb = b.add(
      new WorkloadVm({ name: "iometer@B", disk: b.lun(0, 8 << 20), totalIos: 500, readFraction: 0.3, seed: 2 }),
    ) as WorkloadVm;
    expect(runHosts([a, b], 5_000_000_000)).toBe("done");
    return JSON.stringify({
      guests: [...pingers, blkVm].map((vm) => ({
        name: vm.name,
        stop: vm.stop,
        retired: vm.machine.hart.retired,
        timeNs: vm.machine.nowNs(),
        exitCode: vm.machine.exitCode,
        console: sha(vm.machine.console()),
      })),
      disks: [sha(storageA.bytes), sha(storageB.bytes)],
      workloads: [wa, wb].map((w) => ({ completed: w.completed, cpuNs: w.cpuNs, p99: w.latency.save() })),
      sched: [a.schedStats(), b.schedStats()],
      end: [a.nowNs, b.nowNs],
    });
  }

  it("guests exchanging packets and writing disks give byte-identical results twice", () => {
    const first = twoHosts();
    const second = twoHosts();
    expect(second).toBe(first);
    const r = JSON.parse(first);
    for (const g of r.guests) expect([g.name, g.stop, g.exitCode]).toEqual([g.name, "exit", 0]);
    expect(r.workloads.map((w: { completed: number }) => w.completed)).toEqual([300, 500]);
    // Host A's three vCPUs really contended for its two CPUs.
    expect(r.sched[0].some((s: { readyNs: number }) => s.readyNs > 0)).toBe(true);
  });
});

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

describe("a guest idle in WFI on a host", () => {
  it("stays at the slice's end, so a frame another host sends meanwhile arrives on time, and computes what it computes alone", () => {
    const net = new VirtualSwitch();
    const a = new Host({ name: "A", timeSliceNs: SLICE, network: net });
    const b = new Host({ name: "B", timeSliceNs: SLICE, network: net });
    // timer: five 1 ms ticks, idle in WFI between them.
    const timer = a.add(guestVm("timer", "timer")) as EmulatedVm;
    const arrived: number[] = [];
    a.connectNic({ receive: () => arrived.push(timer.sim.now), plug: () => {} }, timer.sim, { latencyNs: SLICE });
    // A VM on host B that sends one broadcast frame in its slice starting at 40 µs.
    const sim = new Simulation();
    let port: SwitchPort | null = null;
    let sentAt = -1;
    const sender: HostedVm = {
      name: "sender",
      sim,
      get done() {
        return sentAt >= 0;
      },
      wantsCpu: (end) => end > 40_000,
      runOn: (end) => {
        sentAt = sim.now;
        const frame = new Uint8Array(64).fill(0xff);
        frame[6] = 0x52;
        port?.send(frame, sim.now);
        sim.run({ until: end });
        return 0;
      },
      idleTo: (end) => sim.run({ until: end }),
    };
    b.add(sender);
    b.connectNic(
      {
        receive: () => {},
        plug: (p) => {
          port = p;
        },
      },
      sim,
      { latencyNs: SLICE },
    );
    expect(runHosts([a, b], 20_000_000)).toBe("done");
    expect(sentAt).toBe(40_000);
    // Two links of 10 µs, 64 bytes serialised on each at 10 Gbit/s.
    expect(arrived).toEqual([40_000 + 2 * (SLICE + Math.ceil((64 * 8 * 1e9) / 10e9))]);
    expect(net.late.value).toBe(0);
    // Alone, with the frame's delivery as an event at the same time (a WFI wakes at its machine's next event).
    const alone = new Machine({ ramMiB: 16 });
    alone.loadElf(elf("timer"));
    alone.sim.scheduleAt(
      arrived[0],
      alone.sim.on("frame", () => {}),
    );
    runMachine(alone, Number.POSITIVE_INFINITY);
    expect(Buffer.from(timer.machine.console()).equals(Buffer.from(alone.console()))).toBe(true);
    expect([timer.stop, timer.machine.hart.retired, timer.machine.nowNs()]).toEqual(["exit", alone.hart.retired, alone.nowNs()]);
    // Idle between ticks, it held a CPU for a few slices only.
    expect(a.schedStats()[0].slices).toBeLessThan(40);
  });
});

describe("a guest waiting in WFI for another VM (no timer, nothing in its own simulation)", () => {
  const wokenBy = (sendAtNs: number | null) => {
    const a = new Host({ name: "A", timeSliceNs: SLICE });
    const b = new Host({ name: "B", timeSliceNs: SLICE });
    // uartirq: WFI until a line arrives on the UART's receive interrupt.
    const guest = a.add(guestVm("uartirq", "uartirq")) as EmulatedVm;
    const kind = guest.sim.on("line", () => guest.machine.uart.inject(new TextEncoder().encode("hi\n")));
    const sim = new Simulation();
    let sent = false;
    b.add({
      name: "sender",
      sim,
      get done() {
        return sendAtNs === null || sent;
      },
      wantsCpu: (end) => sendAtNs !== null && end > sendAtNs,
      runOn: (end) => {
        // As a switch delivers a frame: an event in the receiver's simulation, at least a slice ahead.
        guest.sim.scheduleAt(sim.now + SLICE, kind);
        sent = true;
        sim.run({ until: end });
        return 0;
      },
      idleTo: (end) => sim.run({ until: end }),
    });
    return { result: runHosts([a, b], 50_000_000), guest, a };
  };

  it("is parked, not halted, until another VM's input wakes it", () => {
    const { result, guest, a } = wokenBy(2_000_000);
    expect(result).toBe("done");
    expect(guest.stop).toBe("exit");
    expect(new TextDecoder().decode(guest.machine.console())).toMatch(/got "hi" \(2 bytes\)/);
    // Parked, it asked for no CPU: a few slices to boot and to handle the line.
    expect(a.schedStats()[0].slices).toBeLessThan(20);
  });

  it("is halted once nothing on any host can wake it, and the run ends", () => {
    const { result, guest, a } = wokenBy(null);
    expect(result).toBe("done");
    expect(guest.stop).toBe("halt");
    expect(a.nowNs).toBeLessThan(1_000_000);
  });
});

describe("Machine.run with a time limit", () => {
  it("cuts an idle WFI at the limit and resumes it exactly, also from a saved state", () => {
    const alone = runAlone("timer");
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(elf("timer"));
    expect(m.run(Number.POSITIVE_INFINITY, 50_000)).toBe("budget");
    expect([m.waiting, m.nowNs()]).toEqual([true, 50_000]);
    expect(m.wakeNs()).toBeGreaterThan(900_000);
    const state = JSON.parse(JSON.stringify({ machine: m.save(), sim: m.sim.save() }));
    expect(state.machine.waiting).toBe(true);
    const copy = new Machine({ ramMiB: 16 });
    copy.sim.restore(state.sim);
    copy.restore(state.machine, m.ram.u8);
    expect(copy.waiting).toBe(true);
    for (const x of [m, copy]) {
      runMachine(x, Number.POSITIVE_INFINITY);
      expect(Buffer.from(x.console()).equals(Buffer.from(alone.console()))).toBe(true);
      expect([x.hart.retired, x.nowNs(), x.waiting]).toEqual([alone.hart.retired, alone.nowNs(), false]);
    }
  });
});

describe("netping when one end starts late", () => {
  it("finishes on one physical CPU shared with a CPU hog: the ping lost before the peer's driver is up is resent", () => {
    const net = new VirtualSwitch();
    const a = new Host({ name: "A", physicalCpus: 1, timeSliceNs: SLICE, network: net });
    const b = new Host({ name: "B", physicalCpus: 1, timeSliceNs: SLICE, network: net });
    const pair = addNetpingPair(a, b);
    a.add(guestVm("hog@A", "cpubench"));
    expect(runHosts([a, b], 3_000_000_000)).toBe("done");
    const [pong, ping] = pair.map((vm) => new TextDecoder().decode(vm.machine.console()));
    expect(pong).toContain("netping: echoed 32 pings, 0 bad frames");
    expect(ping).toContain("netping: sent 32 pings, 32 replies ok, 0 bad, 0 lost");
    expect(ping).toMatch(/resent=[1-9]/);
    for (const vm of pair) expect(vm.machine.exitCode).toBe(0);
  });
});

/** A CPU-bound VM without instructions: wants the CPU all the time and uses all it gets. */
function hogVm(name: string): HostedVm {
  const sim = new Simulation();
  return {
    name,
    sim,
    done: false,
    wantsCpu: () => true,
    runOn: (end) => {
      const used = end - sim.now;
      sim.run({ until: end });
      return used;
    },
    runUntilIdle: (from, end) => {
      sim.run({ until: end });
      return { usedNs: end - from, stopNs: end };
    },
    idleTo: (end) => sim.run({ until: end }),
  };
}

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
