import { RngStreams, Simulation } from "@vmlab/core-vm";
import { Hdd, HostAdapter, HostCpu, IometerWorkload, VirtualDisk } from "@vmlab/storage";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { Fcfs } from "../sched/fcfs.js";
import { MClock } from "../sched/mclock.js";
import type { HostScheduler } from "../sched/scheduler.js";
import { SfqD } from "../sched/sfq.js";
import { SchedulerBridge } from "./scheduler-bridge.js";

/** Two VMs with shares 1:2 behind an SFQ(D) bridge on one adapter over one disk. */
function stack(sim: Simulation, inner: HostScheduler = new SfqD([1, 2], 4)) {
  const bridge = new SchedulerBridge(sim, inner, 0, { onDeviceLatency: () => {} });
  const adapter = new HostAdapter(sim, new Hdd(sim), {
    issueQueueDepth: 8,
    cpu: new HostCpu(1),
    issueCostNs: 20_000,
    interruptCostNs: 10_000,
    scheduler: bridge,
  });
  return { adapter, disks: [0, 1].map(() => new VirtualDisk(sim, adapter, { queueDepth: 16 })) };
}

/** Closed-loop random reads from the given VMs (index into `disks`) for 200 ms, then drained. */
function phase(sim: Simulation, disks: VirtualDisk[], vms: number[], seed: number): number[] {
  const ws = vms.map((vm) => {
    const d = disks[vm];
    const w = new IometerWorkload({ ioSizeBytes: 4096, readPercent: 100, randomPercent: 100, outstandingIos: 8 });
    w.start({ sim, target: d, rng: new RngStreams(seed).get(`vm${vm}`), vm });
    return w;
  });
  sim.run({ until: sim.now + 2e8 });
  for (const w of ws) w.stop();
  sim.run();
  return ws.map((w) => w.stats.completed);
}

describe("SchedulerBridge snapshots", () => {
  it("an SFQ(D) host stack saved between phases goes on exactly as the original", () => {
    const sim = new Simulation();
    const a = stack(sim);
    // Only VM 1 in the first phase, so the scheduler's per-VM state is uneven at the save.
    phase(sim, a.disks, [1], 1);
    const saved = JSON.parse(JSON.stringify(a.adapter.save()));
    const simState = sim.save();
    const next = phase(sim, a.disks, [0, 1], 2);
    expect(next[1]).toBeGreaterThan(next[0]); // shares 1:2 at work

    const sim2 = new Simulation();
    const b = stack(sim2);
    sim2.restore(simState);
    b.adapter.restore(saved);
    expect(b.adapter.save()).toEqual(saved); // the SFQ tags and virtual time came back, not a fresh scheduler
    expect(phase(sim2, b.disks, [0, 1], 2)).toEqual(next);
    expect(sim2.now).toBe(sim.now);
  });

  it("an mClock stack (reservations and limits) saved between phases goes on exactly as the original; a fresh mClock would not", () => {
    const mclock = () =>
      new MClock(
        [
          { reservationIops: 150, limitIops: 400, share: 1 },
          { reservationIops: 0, limitIops: Number.POSITIVE_INFINITY, share: 2 },
        ],
        4,
      );
    const sim = new Simulation();
    const a = stack(sim, mclock());
    phase(sim, a.disks, [0, 1], 1);
    const saved = JSON.parse(JSON.stringify(a.adapter.save()));
    const simState = sim.save();
    const next = phase(sim, a.disks, [0, 1], 2);
    const resumed = (restore: boolean) => {
      const sim2 = new Simulation();
      const b = stack(sim2, mclock());
      sim2.restore(simState);
      if (restore) b.adapter.restore(saved);
      return phase(sim2, b.disks, [0, 1], 2);
    };
    expect(resumed(true)).toEqual(next);
    expect(resumed(false)).not.toEqual(next); // the tags matter: the restore is what makes the runs agree
  });

  it("refuses a saved scheduler that still holds requests, and is left as it was", () => {
    const sim = new Simulation();
    const a = stack(sim);
    phase(sim, a.disks, [0, 1], 1);
    const saved = a.adapter.save() as { scheduler: { inner: { outstanding: number } } };
    const jammed = JSON.parse(JSON.stringify(saved));
    jammed.scheduler.inner.outstanding = 4;
    expect(thrownCode(() => a.adapter.restore(jammed))).toBe("VMLAB_QOS_INVALID_STATE");
    expect(a.adapter.save()).toEqual(saved);
  });

  it("FCFS has no saved form: the adapter refuses with VMLAB_STORAGE_NOT_SAVABLE", () => {
    const sim = new Simulation();
    const { adapter } = stack(sim, new Fcfs(2, 4));
    expect(thrownCode(() => adapter.save())).toBe("VMLAB_STORAGE_NOT_SAVABLE");
  });
});

describe("SchedulerBridge wake-ups", () => {
  it("arms one wake-up for the earliest eligible time, however often the adapter asks while a limit holds requests back", () => {
    const sim = new Simulation();
    const m = new MClock([{ reservationIops: 0, limitIops: 1000, share: 1 }], 4);
    const bridge = new SchedulerBridge(sim, m, 0, { onDeviceLatency: () => {} });
    const req = (id: number) => ({ id, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 });
    for (let i = 0; i < 3; i++) bridge.enqueue(req(i), 0);
    expect(bridge.dequeue(0)).not.toBeNull();
    for (let i = 0; i < 5; i++) expect(bridge.dequeue(0)).toBeNull(); // the next L tag is 1 ms away
    expect(sim.pending).toBe(1);
  });
});

describe("SchedulerBridge defaults", () => {
  // A bridge used only to order IOs (no PARDA loop listening) needed vmBase and a no-op listener spelled out;
  // left out, the first request was refused as "VM NaN does not exist".
  it("takes VM indices from 0 and no listener when given only the simulation and the scheduler", () => {
    const run = (bridgeOf: (sim: Simulation) => SchedulerBridge) => {
      const sim = new Simulation();
      const adapter = new HostAdapter(sim, new Hdd(sim), {
        issueQueueDepth: 8,
        cpu: new HostCpu(1),
        issueCostNs: 0,
        interruptCostNs: 0,
        scheduler: bridgeOf(sim),
      });
      const disks = [0, 1].map(() => new VirtualDisk(sim, adapter, { queueDepth: 16 }));
      return phase(sim, disks, [0, 1], 3);
    };
    const bare = run((sim) => new SchedulerBridge(sim, new SfqD([1, 2], 4)));
    expect(bare[0]).toBeGreaterThan(0);
    expect(bare).toEqual(run((sim) => new SchedulerBridge(sim, new SfqD([1, 2], 4), 0, { onDeviceLatency: () => {} })));
  });
});
