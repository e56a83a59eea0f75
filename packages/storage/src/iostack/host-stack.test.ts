import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Hdd } from "../devices/hdd.js";
import { Ssd } from "../devices/ssd.js";
import type { IoRequest } from "../io.js";
import { IometerWorkload } from "../workload/iometer.js";
import { runMeasured } from "../workload/measure.js";
import { FifoScheduler } from "./fifo-scheduler.js";
import { HostAdapter, type HostAdapterState } from "./host-adapter.js";
import { HostCpu, MAX_HOST_CORES } from "./host-cpu.js";
import type { BlockTarget, HostScheduler, IoSink, SchedulerHost, VscsiObserver } from "./target.js";
import { VirtualDisk } from "./virtual-disk.js";

const randomRead = (oio: number) => ({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: oio });

describe("host IO stack", () => {
  it("the vSCSI observer sees every issue and completion, with at most the guest queue depth outstanding", () => {
    const sim = new Simulation();
    const cpu = new HostCpu(1);
    const adapter = new HostAdapter(sim, new Hdd(sim), { issueQueueDepth: 32, cpu, issueCostNs: 10_000, interruptCostNs: 5_000 });
    const vdisk = new VirtualDisk(sim, adapter, { queueDepth: 8 });
    let issued = 0;
    let completed = 0;
    let maxOutstanding = 0;
    const lastIssue = new Map<number, number>();
    const obs: VscsiObserver = {
      onIssue: (req, now) => {
        issued++;
        lastIssue.set(req.id, now);
        maxOutstanding = Math.max(maxOutstanding, issued - completed);
      },
      onComplete: (req, now) => {
        completed++;
        expect(now).toBeGreaterThan(lastIssue.get(req.id) as number);
      },
    };
    vdisk.addObserver(obs);
    const w = new IometerWorkload(randomRead(20));
    w.start({ sim, target: vdisk, rng: new RngStreams(1).get("w"), vm: 0 });
    sim.run({ until: 1e9 });
    expect(maxOutstanding).toBe(8);
    expect(completed).toBeGreaterThan(100);
    expect(issued - completed).toBe(vdisk.inFlight);
    expect(w.stats.completed).toBe(completed);
    // A VM cannot reach past its virtual disk into its neighbour's region.
    const small = new VirtualDisk(sim, adapter, { queueDepth: 1, offsetSectors: 1000, capacitySectors: 64 });
    expect(() => small.submit({ id: 0, vm: 1, lba: 60, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} })).toThrow(
      /outside the virtual disk/,
    );
  });

  it("a virtual disk's region must lie inside its backing target, in whole sectors, and the error names what to fix", () => {
    const sim = new Simulation();
    const disk = new Hdd(sim);
    const cap = disk.capacitySectors;
    const bad: [{ queueDepth: number; offsetSectors?: number; capacitySectors?: number }, RegExp][] = [
      [{ queueDepth: 4, offsetSectors: cap + 10 }, /offsetSectors must be a whole number from 0 to \d+ .*, got \d+/], // had capacity -10
      [{ queueDepth: 4, offsetSectors: cap }, /offsetSectors/], // had capacity 0
      [{ queueDepth: 4, offsetSectors: 1.5 }, /offsetSectors .*got 1.5/], // IOs at fractional sectors
      [{ queueDepth: 4, offsetSectors: -10 }, /offsetSectors .*got -10/],
      [{ queueDepth: 4, capacitySectors: 0 }, /capacitySectors must be a whole number >= 1, got 0/],
      [{ queueDepth: 4, capacitySectors: 64.5 }, /capacitySectors must be a whole number >= 1, got 64.5/],
      [
        { queueDepth: 4, offsetSectors: cap - 10, capacitySectors: 100 },
        new RegExp(`offset ${cap - 10} \\+ capacity 100 sectors exceed .* ${cap}`),
      ],
    ];
    for (const [options, message] of bad) expect(() => new VirtualDisk(sim, disk, options)).toThrow(message);
    expect(new VirtualDisk(sim, disk, { queueDepth: 4, offsetSectors: cap - 1 }).capacitySectors).toBe(1);
  });

  it("the adapter keeps at most issueQueueDepth IOs at the device, and the depth can change at run time", () => {
    const sim = new Simulation();
    const adapter = new HostAdapter(sim, new Hdd(sim), { issueQueueDepth: 4, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    const w = new IometerWorkload(randomRead(32));
    w.start({ sim, target: adapter, rng: new RngStreams(1).get("w"), vm: 0 });
    let max = 0;
    for (let i = 0; i < 500; i++) {
      sim.run({ until: sim.now + 1e6 });
      max = Math.max(max, adapter.inFlight);
    }
    expect(max).toBe(4);
    expect(adapter.scheduler.queued).toBe(28);
    adapter.setIssueQueueDepth(16);
    expect(adapter.inFlight).toBe(16);
    expect(() => adapter.setIssueQueueDepth(0)).toThrow(/issue-queue depth/);
  });

  it("refuses CPU costs that are not finite and a missing host CPU, naming them, instead of failing inside the run", () => {
    const sim = new Simulation();
    const ssd = new Ssd(sim);
    const cpu = new HostCpu(1);
    const costs = { issueQueueDepth: 8, cpu, issueCostNs: 1000, interruptCostNs: 1000 };
    // An infinite cost scheduled its event at an infinite time: the kernel's error, at the first IO.
    expect(() => new HostAdapter(sim, ssd, { ...costs, issueCostNs: Number.POSITIVE_INFINITY })).toThrow(
      /finite and >= 0 ns, got issueCostNs Infinity/,
    );
    expect(() => new HostAdapter(sim, ssd, { ...costs, interruptCostNs: -1 })).toThrow(/interruptCostNs -1/);
    // Without a CPU it was a TypeError at the first IO.
    const noCpu = JSON.parse('{"issueQueueDepth": 8, "issueCostNs": 0, "interruptCostNs": 0}');
    expect(() => new HostAdapter(sim, ssd, noCpu)).toThrow(/cpu must be a HostCpu/);
  });

  it("per-IO CPU cost caps IOPS once the host CPU saturates (the virtualization overhead mechanism)", () => {
    const iops = (issueCostNs: number, interruptCostNs: number) => {
      const sim = new Simulation();
      const cpu = new HostCpu(1);
      const ssd = new Ssd(sim);
      const adapter = new HostAdapter(sim, ssd, { issueQueueDepth: 64, cpu, issueCostNs, interruptCostNs });
      const w = new IometerWorkload({ ...randomRead(64), readPercent: 0 });
      w.start({ sim, target: adapter, rng: new RngStreams(1).get("w"), vm: 0 });
      const busy0 = cpu.busyNs;
      const elapsed = runMeasured(sim, [w], 1e7, 5e7);
      return { iops: w.stats.iops(sim.now), util: cpu.utilization(cpu.busyNs - busy0, elapsed) };
    };
    const cheap = iops(2_000, 1_000);
    const costly = iops(40_000, 20_000);
    // 60 µs of CPU per IO: at most 1 / 60 µs ≈ 16,667 IOPS on one core, and the CPU is pegged.
    expect(costly.iops).toBeLessThanOrEqual(1.02 * (1e9 / 60_000)); // 2%: CPU work queued before the window
    expect(costly.iops).toBeGreaterThan(0.95 * (1e9 / 60_000));
    expect(costly.util).toBeGreaterThan(0.97);
    expect(cheap.iops).toBeGreaterThan(1.5 * costly.iops);
  });

  it("an IO pays its issue CPU time before it reaches the device and its interrupt's CPU time before it completes", () => {
    // A device that answers every IO 1 ms after it arrives; one core; 10 µs to issue, 5 µs per interrupt.
    const sim = new Simulation();
    const kind = sim.on("test.device", (_n, o) => {
      const [req, sink] = o as [IoRequest, { complete(r: IoRequest): void }];
      sink.complete(req);
    });
    const arrived: number[] = [];
    const device = {
      capacitySectors: 1_000_000,
      submit(req: IoRequest, sink: { complete(r: IoRequest): void }) {
        arrived.push(sim.now);
        sim.schedule(1_000_000, kind, 0, [req, sink]);
      },
    };
    const cpu = new HostCpu(1);
    const adapter = new HostAdapter(sim, device, { issueQueueDepth: 8, cpu, issueCostNs: 10_000, interruptCostNs: 5_000 });
    const done: number[] = [];
    for (let i = 0; i < 3; i++)
      adapter.submit({ id: i, vm: 0, lba: 8 * i, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => done.push(sim.now) });
    sim.run();
    // The one core issues them one after another; each completion's interrupt runs once the core is free.
    expect(arrived).toEqual([10_000, 20_000, 30_000]);
    expect(done).toEqual([1_015_000, 1_025_000, 1_035_000]);
    expect([adapter.interrupts, cpu.busyNs]).toEqual([3, 45_000]);
  });

  /** A device that answers every IO 1 ms after it arrives, logging the LBA each arrives at. */
  const oneMsDevice = (sim: Simulation) => {
    const kind = sim.on("test.device1ms", (_n, o) => {
      const [req, sink] = o as [IoRequest, { complete(r: IoRequest): void }];
      sink.complete(req);
    });
    const lbas: number[] = [];
    const device = {
      capacitySectors: 1_000_000,
      submit(req: IoRequest, sink: { complete(r: IoRequest): void }) {
        lbas.push(req.lba);
        sim.schedule(1_000_000, kind, 0, [req, sink]);
      },
    };
    return { device, lbas };
  };

  it("a virtual disk's IOs reach its backing target at the VMDK's place (offsetSectors + guest LBA); the guest and observers see the guest LBA", () => {
    const sim = new Simulation();
    const { device, lbas } = oneMsDevice(sim);
    const first = new VirtualDisk(sim, device, { queueDepth: 4, offsetSectors: 0, capacitySectors: 5000 });
    const second = new VirtualDisk(sim, device, { queueDepth: 4, offsetSectors: 5000, capacitySectors: 5000 });
    const seen: number[] = [];
    second.addObserver({ onIssue: (req) => seen.push(req.lba), onComplete: (req) => seen.push(req.lba) });
    const answered: number[] = [];
    const sink = { complete: (r: IoRequest) => answered.push(r.lba) };
    first.submit({ id: 1, vm: 0, lba: 8, sectors: 8, isRead: true, issueTime: 0 }, sink);
    second.submit({ id: 2, vm: 1, lba: 8, sectors: 8, isRead: false, issueTime: 0 }, sink);
    sim.run();
    // The two VMs' sector 8 are different sectors of the datastore.
    expect(lbas).toEqual([8, 5008]);
    expect(answered).toEqual([8, 8]);
    expect(seen).toEqual([8, 8]);
  });

  it("deviceLatencySumNs sums each IO's time at the device (dispatch to device completion), not its wait in the adapter queue", () => {
    // One slot: the three IOs go to the 1 ms device one after another, the later ones waiting in the queue first.
    const sim = new Simulation();
    const { device } = oneMsDevice(sim);
    const adapter = new HostAdapter(sim, device, { issueQueueDepth: 1, cpu: new HostCpu(1), issueCostNs: 10_000, interruptCostNs: 5_000 });
    for (let i = 0; i < 3; i++)
      adapter.submit({ id: i, vm: 0, lba: 8 * i, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    sim.run();
    expect(adapter.completed).toBe(3);
    expect(adapter.deviceLatencySumNs).toBe(3_000_000);
  });

  it("a host CPU runs each job on its earliest-free core: two cores run two jobs at once", () => {
    const cpu = new HostCpu(2);
    expect([cpu.run(0, 10), cpu.run(0, 10), cpu.run(0, 10), cpu.run(5, 10)]).toEqual([10, 10, 20, 20]);
  });

  it("a host CPU needs a whole number of cores, from 1 to MAX_HOST_CORES", () => {
    for (const cores of [0, -1, 2.5, Number.NaN, MAX_HOST_CORES + 1, 2 ** 40])
      expect(() => new HostCpu(cores)).toThrow(/cores must be an integer from 1 to 4096/);
    expect(() => new HostCpu(2 ** 40)).toThrow(`host cpu: cores must be an integer from 1 to ${MAX_HOST_CORES}, got ${2 ** 40}`);
    expect(new HostCpu(3).cores).toBe(3);
    expect(new HostCpu(MAX_HOST_CORES).cores).toBe(MAX_HOST_CORES);
  });

  it("a plugged-in scheduler decides the dispatch order and hears device latencies", () => {
    /** Strict priority to VM 0 — a stand-in for SFQ(D)/PARDA/mClock. */
    class Priority implements HostScheduler {
      readonly q: IoRequest[][] = [[], []];
      latencies = 0;
      attach(_host: SchedulerHost): void {}
      get queued() {
        return this.q[0].length + this.q[1].length;
      }
      enqueue(req: IoRequest) {
        this.q[req.vm].push(req);
      }
      dequeue() {
        return this.q[0].shift() ?? this.q[1].shift() ?? null;
      }
      onComplete(_req: IoRequest, _now: number, latencyNs: number) {
        expect(latencyNs).toBeGreaterThan(0);
        this.latencies++;
      }
    }
    const run = (scheduler: HostScheduler) => {
      const sim = new Simulation();
      const adapter = new HostAdapter(sim, new Hdd(sim), {
        issueQueueDepth: 2,
        cpu: new HostCpu(1),
        issueCostNs: 0,
        interruptCostNs: 0,
        scheduler,
      });
      const ws = [0, 1].map((vm) => {
        const w = new IometerWorkload(randomRead(8), { kind: "closed" }, `vm${vm}`);
        w.start({ sim, target: adapter, rng: new RngStreams(vm + 1).get("w"), vm });
        return w;
      });
      sim.run({ until: 2e9 });
      return ws.map((w) => w.stats.completed);
    };
    const prio = new Priority();
    const [a, b] = run(prio);
    expect(a).toBeGreaterThan(3 * b);
    expect(prio.latencies).toBe(a + b);
    const [fa, fb] = run(new FifoScheduler());
    expect(fa / fb).toBeGreaterThan(0.8);
    expect(fa / fb).toBeLessThan(1.25);
  });

  it("saves and restores when idle: a virtual disk → adapter → disk stack goes on exactly as the original", () => {
    const build = (sim: Simulation) => {
      const cpu = new HostCpu(2);
      const adapter = new HostAdapter(sim, new Hdd(sim), { issueQueueDepth: 16, cpu, issueCostNs: 30_000, interruptCostNs: 20_000 });
      return { cpu, adapter, vdisk: new VirtualDisk(sim, adapter, { queueDepth: 8 }) };
    };
    const phase = (sim: Simulation, vdisk: VirtualDisk, seed: number) => {
      const w = new IometerWorkload({ ...randomRead(12), readPercent: 70 });
      w.start({ sim, target: vdisk, rng: new RngStreams(seed).get("w"), vm: 0 });
      sim.run({ until: sim.now + 3e8 });
      w.stop();
      sim.run();
      return { completed: w.stats.completed, mean: w.stats.latencyUs.mean, max: w.stats.latencyUs.max };
    };
    const sim = new Simulation();
    const a = build(sim);
    a.adapter.setIssueQueueDepth(3); // as PARDA would: the copy is built with 16 and must take 3 from the state
    phase(sim, a.vdisk, 1);
    const saved = a.vdisk.save();
    const simState = sim.save();
    const next = phase(sim, a.vdisk, 2);

    const sim2 = new Simulation();
    const b = build(sim2);
    sim2.restore(simState);
    b.vdisk.restore(JSON.parse(JSON.stringify(saved)));
    expect(b.adapter.save()).toEqual(saved);
    expect(b.adapter.issueQueueDepth).toBe(3);
    expect(b.cpu.busyNs).toBe((saved as HostAdapterState).cpu.busyNs);
    const again = phase(sim2, b.vdisk, 2);
    expect(again).toEqual(next);
    expect(sim2.now).toBe(sim.now);
    expect(b.adapter.interrupts).toBe(a.adapter.interrupts);
  });

  it("refuses to save with IOs in the stack or a scheduler that cannot save, and a refused restore changes nothing", () => {
    /** The adapter every part of this test saves or restores: the same options, on a simulation of its own. */
    const adapterOn = (s: Simulation) =>
      new HostAdapter(s, new Hdd(s), { issueQueueDepth: 4, cpu: new HostCpu(1), issueCostNs: 1000, interruptCostNs: 1000 });
    const sim = new Simulation();
    const adapter = adapterOn(sim);
    const sink = { complete: () => {} };
    adapter.submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, sink);
    expect(() => adapter.save()).toThrow(/VMLAB|in flight/);
    const idleState = adapterOn(new Simulation()).save();
    // A restore into a busy adapter says restore (its rollback's save said "cannot save host adapter").
    expect(() => adapter.restore(idleState)).toThrow(/^cannot restore host adapter: 1 IO is in flight; .*then restore$/);
    sim.run();
    const state = adapter.save();
    // A state from another run (its disk elsewhere, other counters) whose CPU part is bad: the disk,
    // restored first, must be put back.
    const other = new Simulation();
    const o = adapterOn(other);
    for (let i = 0; i < 5; i++) o.submit({ id: i, vm: 0, lba: 40_000_000 * (i + 1), sectors: 8, isRead: true, issueTime: 0 }, sink);
    other.run();
    const elsewhere = o.save();
    expect(elsewhere.target).not.toEqual(state.target);
    expect(() => adapter.restore({ ...elsewhere, cpu: { ...elsewhere.cpu, cores: 2 } })).toThrow(/cores/);
    expect(adapter.save()).toEqual(state);
    const scheduler: HostScheduler = {
      attach: () => {},
      enqueue: () => {},
      dequeue: () => null,
      onComplete: () => {},
      queued: 0,
    };
    const plain = new HostAdapter(sim, new Hdd(sim), {
      issueQueueDepth: 4,
      cpu: new HostCpu(1),
      issueCostNs: 0,
      interruptCostNs: 0,
      scheduler,
    });
    expect(() => plain.save()).toThrow(/scheduler has no saved form/);
  });

  it("a CPU shared by two adapters cannot be saved from one while the other's job runs on it", () => {
    const sim = new Simulation();
    const cpu = new HostCpu(1);
    const a = new HostAdapter(sim, new Hdd(sim), { issueQueueDepth: 4, cpu, issueCostNs: 1_000_000, interruptCostNs: 1000 });
    const b = new HostAdapter(sim, new Hdd(sim), { issueQueueDepth: 4, cpu, issueCostNs: 1_000_000, interruptCostNs: 1000 });
    b.submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => {} });
    expect(() => a.save()).toThrow(/host cpu/);
    sim.run();
    expect(a.save().cpu).toEqual({ version: 1, cores: 1, busyNs: cpu.busyNs });
  });

  it("IOs waiting in a virtual disk complete at their own sink, in order, when its wait queue grows while wrapped", () => {
    const sim = new Simulation();
    const kind = sim.on("test.done", (_n, o) => {
      const [req, sink] = o as [IoRequest, IoSink];
      sink.complete(req);
    });
    const target: BlockTarget = { capacitySectors: 1_000_000, submit: (req, sink) => void sim.schedule(1000, kind, 0, [req, sink]) };
    const vd = new VirtualDisk(sim, target, { queueDepth: 1 });
    const got: string[] = [];
    const sinkOf = (name: string): IoSink => ({ complete: (r) => void got.push(`${name}${r.id}`) });
    const req = (id: number): IoRequest => ({ id, vm: 0, lba: id, sectors: 1, isRead: true, issueTime: sim.now });
    for (let i = 0; i < 41; i++) vd.submit(req(i), sinkOf("a")); // 1 issued, 40 waiting
    sim.run({ until: 20_500 }); // 20 done: the wait ring's head has moved on
    for (let i = 100; i < 150; i++) vd.submit(req(i), sinkOf("b")); // the ring fills (64) and grows while wrapped
    sim.run();
    const want = [...Array.from({ length: 41 }, (_, i) => `a${i}`), ...Array.from({ length: 50 }, (_, i) => `b${100 + i}`)];
    expect(got).toEqual(want);
  });
});
