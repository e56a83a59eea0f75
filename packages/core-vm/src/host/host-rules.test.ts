import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { BLOCK_PENDING, type BlockBackend, type BlockOp } from "../block/backend.js";
import { MemoryBackend } from "../block/memory.js";
import { VirtualSwitch } from "../net/switch.js";
import { Simulation } from "../sim/simulation.js";
import { Host, runHosts } from "./host.js";
import type { HostedVm } from "./hosted-vm.js";
import { WorkloadVm } from "./workload-vm.js";

// Host and WorkloadVm rules (DESIGN.md "Host", docs/snapshots.md "Hosts"): option bounds, restore checks, runHosts' stops.

/** A VM that wants the CPU all the time and uses all it gets. */
function hogVm(name: string, minRunNs?: number): HostedVm {
  const sim = new Simulation();
  return {
    name,
    sim,
    minRunNs,
    done: false,
    wantsCpu: () => true,
    runOn: (end) => {
      const used = end - sim.now;
      sim.run({ until: end });
      return used;
    },
    idleTo: (end) => sim.run({ until: end }),
  };
}

/** A memory disk that records each request's op and offset. */
class SpyDisk extends MemoryBackend {
  readonly ops: [BlockOp, number][] = [];
  override submit(op: BlockOp, offset: number, length: number, nowNs: number): number {
    this.ops.push([op, offset]);
    return super.submit(op, offset, length, nowNs);
  }
}

const nic = () => ({ receive: () => {}, plug: () => {} });

describe("Host option bounds", () => {
  it("takes a slice exactly as long as a VM's least run; refuses a shorter one", () => {
    expect(thrownCode(() => new Host({ name: "h", timeSliceNs: 500 }).add(hogVm("g", 500)))).toBe("no error");
    expect(thrownCode(() => new Host({ name: "h", timeSliceNs: 499 }).add(hogVm("g", 500)))).toBe("VMLAB_HOST_BAD_OPTION");
  });

  it("takes a link exactly as slow as the slice; a default link is the switch's 10 µs when the slice is shorter", () => {
    const net = new VirtualSwitch();
    const h = new Host({ name: "h", timeSliceNs: 1000, network: net });
    expect(thrownCode(() => h.connectNic(nic(), new Simulation(), { latencyNs: 1000 }))).toBe("no error");
    expect(thrownCode(() => h.connectNic(nic(), new Simulation(), { latencyNs: 999 }))).toBe("VMLAB_HOST_BAD_OPTION");
    const alone = new VirtualSwitch();
    new Host({ name: "h2", timeSliceNs: 1000, network: alone }).connectNic(nic(), new Simulation());
    expect(alone.minLatencyNs).toBe(10_000);
  });

  it("runHosts refuses hosts whose slices differ", () => {
    const a = new Host({ name: "a", timeSliceNs: 1000 });
    const b = new Host({ name: "b", timeSliceNs: 2000 });
    expect(thrownCode(() => runHosts([a, b]))).toBe("VMLAB_HOST_BAD_OPTION");
  });
});

describe("runHosts stops", () => {
  it("at untilNs exactly when it is a whole number of slices", () => {
    const h = new Host({ name: "h", timeSliceNs: 1000 });
    h.add(hogVm("g"));
    expect(runHosts([h], 5000)).toBe("time");
    expect(h.nowNs).toBe(5000);
  });

  it("settles every parked VM once all are done or parked (nothing can wake them)", () => {
    const h = new Host({ name: "h", timeSliceNs: 1000 });
    let settled = 0;
    const parked: HostedVm = { ...hogVm("p"), parked: true, wantsCpu: () => false, settle: () => settled++ };
    h.add(parked);
    expect(runHosts([h])).toBe("done");
    expect(settled).toBe(1);
  });

  it("counts a slice for a VM that held its CPU without using vCPU time", () => {
    const h = new Host({ name: "h", timeSliceNs: 1000 });
    const base = hogVm("w");
    h.add({
      ...base,
      runUntilIdle: (_from, end) => {
        base.idleTo(end);
        return { usedNs: 0, stopNs: end };
      },
    });
    h.step();
    expect(h.schedStats()[0]).toMatchObject({ runNs: 0, slices: 1 });
  });
});

describe("Host restore checks", () => {
  const host = () => {
    const h = new Host({ name: "h", timeSliceNs: 1000 });
    h.add(hogVm("a"));
    h.add(hogVm("b"));
    return h;
  };

  it("refuses a nextVm that is not one of its VMs, and a state for a prefix of its VMs", () => {
    const h = host();
    expect(thrownCode(() => h.parse({ ...h.save(), nextVm: 1 }))).toBe("no error");
    expect(thrownCode(() => h.parse({ ...h.save(), nextVm: 2 }))).toBe("VMLAB_SIM_BAD_STATE");
    const s = h.save();
    expect(thrownCode(() => h.parse({ ...s, stats: s.stats.slice(0, 1) }))).toBe("VMLAB_SIM_BAD_STATE");
  });
});

describe("WorkloadVm rules", () => {
  const run = (vm: WorkloadVm) => {
    const h = new Host({ name: "h", timeSliceNs: 100_000 });
    h.add(vm);
    expect(runHosts([h], 1e9)).toBe("done");
  };

  it("readFraction 1 issues only reads and 0 only writes", () => {
    for (const [readFraction, op] of [
      [1, "read"],
      [0, "write"],
    ] as const) {
      const disk = new SpyDisk({ sizeBytes: 1 << 20, latencyNs: 1000 });
      run(new WorkloadVm({ name: "w", disk, readFraction, totalIos: 40, cpuNsPerIo: 100 }));
      expect(new Set(disk.ops.map(([o]) => o))).toEqual(new Set([op]));
    }
  });

  it("places requests anywhere a whole request fits, the last position too; a request as large as the disk is taken", () => {
    const disk = new SpyDisk({ sizeBytes: 2048, latencyNs: 1000 });
    run(new WorkloadVm({ name: "w", disk, ioBytes: 512, totalIos: 200, cpuNsPerIo: 100 }));
    expect(new Set(disk.ops.map(([, at]) => at))).toEqual(new Set([0, 512, 1024, 1536]));
    const whole = new SpyDisk({ sizeBytes: 4096, latencyNs: 1000 });
    run(new WorkloadVm({ name: "w", disk: whole, ioBytes: 4096, totalIos: 3, cpuNsPerIo: 100 }));
    expect(whole.ops.map(([, at]) => at)).toEqual([0, 0, 0]);
  });

  it("records each request's latency from submit to completion", () => {
    const vm = new WorkloadVm({
      name: "w",
      disk: new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 5000 }),
      totalIos: 20,
      cpuNsPerIo: 100,
    });
    run(vm);
    expect(vm.latency.summary()).toMatchObject({ count: 20, min: 5000, max: 5000 });
  });

  it("refuses an asynchronous disk and no outstanding IOs", () => {
    const pending = new (class extends MemoryBackend {
      override submit(): number {
        return BLOCK_PENDING;
      }
    })({ sizeBytes: 4096 }) as BlockBackend;
    const h = new Host({ name: "h", timeSliceNs: 100_000 });
    h.add(new WorkloadVm({ name: "w", disk: pending, totalIos: 1 }));
    expect(thrownCode(() => h.step())).toBe("VMLAB_HOST_BAD_OPTION");
    expect(thrownCode(() => new WorkloadVm({ name: "w", disk: new MemoryBackend({ sizeBytes: 4096 }), outstandingIos: 0 }))).toBe(
      "VMLAB_HOST_BAD_OPTION",
    );
  });

  it("refuses a disk that says it is asynchronous (it takes a completion listener) when the VM is made, not at its first IO", () => {
    // What storage's ModelBlockBackend is: submit returns BLOCK_PENDING and completions come to the listener.
    const asyncTarget = Object.assign(new MemoryBackend({ sizeBytes: 1 << 20 }), {
      setCompletionListener: (_listener: (tag: number) => void) => {},
      submit: () => BLOCK_PENDING,
    }) as BlockBackend;
    const refused = { code: "VMLAB_HOST_BAD_OPTION", message: expect.stringMatching(/^[^\n]*disk[^\n]*asynchronous[^\n]*$/) };
    expect(() => new WorkloadVm({ name: "w", disk: asyncTarget })).toThrow(expect.objectContaining(refused));
    // A host's LUN of it too (a LUN takes a listener whatever its target: the target decides).
    const h = new Host({ name: "h", storage: asyncTarget });
    expect(() => new WorkloadVm({ name: "w", disk: h.lun(0, 4096) })).toThrow(expect.objectContaining(refused));
    // A LUN of a synchronous target is still taken, and runs.
    const sync = new Host({ name: "s", storage: new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 1000 }) });
    const vm = new WorkloadVm({ name: "w", disk: sync.lun(0, 4096), totalIos: 3, cpuNsPerIo: 100 });
    run(vm);
    expect(vm.latency.summary()).toMatchObject({ count: 3, min: 1000 });
  });

  it("parse checks the latency histogram, so a bad state is refused before restore changes anything", () => {
    const vm = new WorkloadVm({ name: "w", disk: new MemoryBackend({ sizeBytes: 4096 }) });
    expect(thrownCode(() => vm.parse({ ...vm.save(), latency: { junk: true } }))).toBe("VMLAB_SIM_BAD_STATE");
  });
});
