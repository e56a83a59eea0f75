import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../block/memory.js";
import { Machine } from "../board/machine.js";
import { VirtualSwitch } from "../net/switch.js";
import { VirtioBlk } from "../virtio/blk.js";
import { EmulatedVm } from "./emulated-vm.js";
import { Host, runHosts } from "./host.js";
import { addNetpingPair, elf, guestVm, SLICE, sha } from "./host.test-support.js";
import { WorkloadVm } from "./workload-vm.js";

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
