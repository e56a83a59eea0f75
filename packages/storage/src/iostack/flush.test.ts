import { MemoryBackend, Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { RaidGroup } from "../array/raid.js";
import { StorageArray } from "../array/storage-array.js";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import { Ssd } from "../devices/ssd.js";
import type { IoRequest } from "../io.js";
import { ModelBlockBackend } from "./block-backend.js";
import { HostAdapter } from "./host-adapter.js";
import { HostCpu } from "./host-cpu.js";
import type { BlockTarget } from "./target.js";
import { VirtualDisk } from "./virtual-disk.js";

const wceDisk = (sim: Simulation, name = "wce") => new Hdd(sim, CHEETAH_15K5, name, { writeCache: true });

/** Submits IOs and flushes to a target and records when each completes (by id). */
class Driver {
  readonly done = new Map<number, number>();
  /** Each member's dirty sectors when a flush completed (by the flush's id). */
  readonly dirtyAtFlush = new Map<number, number[]>();
  private nextId = 0;
  constructor(
    private readonly sim: Simulation,
    private readonly target: BlockTarget,
    private readonly disks: readonly Hdd[] = [],
  ) {}
  private req(lba: number, sectors: number, isRead: boolean): IoRequest {
    return { id: this.nextId++, vm: 0, lba, sectors, isRead, issueTime: this.sim.now };
  }
  io(lba: number, sectors: number, isRead = false): number {
    const r = this.req(lba, sectors, isRead);
    this.target.submit(r, { complete: () => this.done.set(r.id, this.sim.now) });
    return r.id;
  }
  flush(): number {
    const r = this.req(0, 0, false);
    (this.target.flush as NonNullable<BlockTarget["flush"]>).call(this.target, r, {
      complete: () => {
        this.done.set(r.id, this.sim.now);
        this.dirtyAtFlush.set(
          r.id,
          this.disks.map((d) => d.dirtySectors),
        );
      },
    });
    return r.id;
  }
  at(id: number): number {
    const t = this.done.get(id);
    if (t === undefined) throw new Error(`IO ${id} has not completed`);
    return t;
  }
}

/** Far from the head (cylinder 0): writing data back takes a long seek. */
const FAR = 500_000_000;

describe("flushes through the host stack", () => {
  it("a host adapter passes a flush to a disk with its write cache on: it completes after the write-backs of the writes before it", () => {
    const sim = new Simulation();
    const disk = wceDisk(sim);
    const adapter = new HostAdapter(sim, disk, { issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 10_000, interruptCostNs: 5_000 });
    expect(adapter.volatileWriteCache).toBe(true);
    const d = new Driver(sim, adapter, [disk]);
    const w = [d.io(FAR, 128), d.io(FAR + 10_000_000, 128)];
    sim.run({ until: 1_000_000 });
    for (const id of w) expect(d.at(id)).toBeLessThan(1_000_000); // completed from the buffer
    expect(disk.dirtySectors).toBe(256);
    const t = sim.now;
    const f = d.flush();
    sim.run();
    expect(d.dirtyAtFlush.get(f)).toEqual([0]);
    expect(d.at(f) - t).toBeGreaterThan(2_000_000); // the write-backs' seeks
    expect(disk.flushes).toBe(1);
    expect(adapter.flushes).toBe(1);
    expect(adapter.completed).toBe(2); // reads and writes only
    expect(adapter.inFlight).toBe(0);
  });

  it("an adapter's flush costs issue and interrupt CPU and takes a slot of the issue queue, ahead of the IOs its scheduler holds", () => {
    const sim = new Simulation();
    const cpu = new HostCpu(1);
    const disk = wceDisk(sim);
    const adapter = new HostAdapter(sim, disk, { issueQueueDepth: 1, cpu, issueCostNs: 10_000, interruptCostNs: 5_000 });
    const d = new Driver(sim, adapter, [disk]);
    // Nothing to write back: issue CPU + the drive's command overhead + interrupt CPU.
    const f0 = d.flush();
    sim.run();
    expect(d.at(f0)).toBe(10_000 + CHEETAH_15K5.commandOverheadNs + 5_000);
    expect(cpu.busyNs).toBe(15_000);
    expect(adapter.interrupts).toBe(1);
    // Depth 1: a read holds the one slot; a second read waits in the scheduler; a flush issued after both
    // waits for the slot but goes before the held read.
    const t = sim.now;
    const r1 = d.io(FAR, 8, true);
    const r2 = d.io(FAR + 1_000_000, 8, true);
    const f1 = d.flush();
    sim.run();
    // It reached the disk when r1 freed the slot: the drive's command overhead and its interrupt after r1's.
    expect(d.at(f1)).toBe(d.at(r1) + CHEETAH_15K5.commandOverheadNs);
    expect(d.at(r2)).toBeGreaterThan(d.at(f1));
    expect(cpu.busyNs).toBe(15_000 + 3 * 15_000);
    expect(adapter.interrupts).toBe(4);
    expect(adapter.flushes).toBe(2);
    expect(d.at(r1)).toBeGreaterThan(t);
  });

  it("a virtual disk passes a flush to its backing target, in a slot of the guest's queue, unseen by vscsiStats", () => {
    const sim = new Simulation();
    const disk = wceDisk(sim);
    const adapter = new HostAdapter(sim, disk, { issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    const vdisk = new VirtualDisk(sim, adapter, { queueDepth: 1, offsetSectors: 1000, capacitySectors: 1 << 20 });
    let seen = 0;
    vdisk.addObserver({ onIssue: () => seen++, onComplete: () => seen++ });
    expect(vdisk.volatileWriteCache).toBe(true);
    const d = new Driver(sim, vdisk, [disk]);
    const w = d.io(0, 128);
    sim.run();
    // The write's data reached the disk's buffer, not yet the media... (the run ends when it is written back)
    expect(disk.writesBuffered).toBe(1);
    const w2 = d.io(1 << 19, 128);
    const f = d.flush(); // waits in the guest for w2's slot
    expect(vdisk.inFlight).toBe(1);
    sim.run();
    expect(d.at(f)).toBeGreaterThan(d.at(w2));
    expect(d.dirtyAtFlush.get(f)).toEqual([0]);
    expect(vdisk.flushes).toBe(1);
    expect(disk.flushes).toBe(1);
    expect(seen).toBe(4); // two writes, issued and completed; the flush is not a vSCSI read or write
    expect(d.at(w)).toBeGreaterThan(0);
  });

  it("a RAID-1 group sends a flush to both mirrors and completes when both have written back", () => {
    const sim = new Simulation();
    const disks = [wceDisk(sim, "m0"), wceDisk(sim, "m1")];
    const raid = new RaidGroup(sim, disks, { level: 1, chunkSectors: 128 });
    expect(raid.volatileWriteCache).toBe(true);
    const d = new Driver(sim, raid, disks);
    d.io(FAR, 256);
    sim.run({ until: 1_000_000 });
    expect(disks.map((x) => x.dirtySectors)).toEqual([256, 256]);
    const t = sim.now;
    const f = d.flush();
    sim.run();
    expect(d.dirtyAtFlush.get(f)).toEqual([0, 0]);
    expect(d.at(f) - t).toBeGreaterThan(2_000_000);
    expect(disks.map((x) => x.flushes)).toEqual([1, 1]);
    expect(raid.flushes).toBe(1);
  });

  it("a RAID-5 group sends a flush to every member, those a small write did not touch too; it covers the read-modify-write's data and parity", () => {
    const sim = new Simulation();
    const disks = [0, 1, 2, 3].map((i) => wceDisk(sim, `m${i}`));
    const raid = new RaidGroup(sim, disks, { level: 5, chunkSectors: 128 });
    const d = new Driver(sim, raid, disks);
    // A small write far out: read old data and parity, then write both (two members dirty).
    const w = d.io(3 * FAR * 0.9, 8);
    while (!d.done.has(w)) sim.run({ until: sim.now + 10_000 });
    expect(disks.filter((x) => x.dirtySectors > 0).length).toBe(2);
    const f = d.flush();
    sim.run();
    expect(d.dirtyAtFlush.get(f)).toEqual([0, 0, 0, 0]);
    expect(disks.map((x) => x.flushes)).toEqual([1, 1, 1, 1]);
    // A flush waits for the member that takes longest: with nothing dirty, each member's command overhead.
    const t = sim.now;
    const f2 = d.flush();
    sim.run();
    expect(d.at(f2) - t).toBe(CHEETAH_15K5.commandOverheadNs);
  });

  it("a flush issued while a write is still queued below does not wait for it (only completed writes are covered), and the layers stay consistent", () => {
    const sim = new Simulation();
    const disks = [wceDisk(sim, "m0"), wceDisk(sim, "m1")];
    const raid = new RaidGroup(sim, disks, { level: 1, chunkSectors: 128 });
    const adapter = new HostAdapter(sim, raid, { issueQueueDepth: 4, cpu: new HostCpu(1), issueCostNs: 1_000, interruptCostNs: 1_000 });
    const d = new Driver(sim, adapter, disks);
    const ids = [d.io(FAR, 64), d.io(FAR + 5_000_000, 64)];
    sim.run({ until: 2_000_000 });
    const f = d.flush();
    const later = d.io(FAR + 50_000_000, 64);
    sim.run();
    for (const id of [...ids, later, f]) expect(d.done.has(id)).toBe(true);
    expect(d.at(f)).toBeGreaterThan(Math.max(...ids.map((id) => d.at(id))));
    expect(adapter.inFlight).toBe(0);
    expect(disks.every((x) => x.dirtySectors === 0)).toBe(true);
    // Idle again: the stack saves, with the flush counts.
    const state = adapter.save();
    expect(state.flushes).toBe(1);
  });

  it("layers over a target with nothing volatile complete a flush at once at that layer", () => {
    const sim = new Simulation();
    const cpu = new HostCpu(1);
    const ssdRaid = new RaidGroup(sim, [new Ssd(sim), new Ssd(sim)], { level: 1, chunkSectors: 128 });
    const adapter = new HostAdapter(sim, ssdRaid, { issueQueueDepth: 2, cpu, issueCostNs: 3_000, interruptCostNs: 2_000 });
    expect(adapter.volatileWriteCache).toBe(false);
    const d = new Driver(sim, adapter);
    const f = d.flush();
    sim.run();
    expect(d.at(f)).toBe(5_000); // the adapter's CPU only: the SSDs take no flush
    expect(ssdRaid.flushes).toBe(1);
  });

  it("a guest disk sits on a host adapter, a virtual disk or a RAID group over disks with their write cache on; an array LUN is refused, by name", () => {
    const sim = new Simulation();
    const store = new MemoryBackend({ sizeBytes: 1 << 20 });
    const cpu = () => ({ issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    const disks = () => [0, 1, 2].map((i) => new Hdd(sim, CHEETAH_15K5, `d${i}`, { writeCache: i === 2 }));
    const raid = new RaidGroup(sim, disks(), { level: 5, chunkSectors: 128 });
    const ok = [
      new HostAdapter(sim, wceDisk(sim), cpu()),
      new VirtualDisk(sim, new HostAdapter(sim, wceDisk(sim), cpu()), { queueDepth: 32 }),
      raid,
      new HostAdapter(sim, raid, cpu()),
    ];
    for (const target of ok) expect(thrownCode(() => new ModelBlockBackend({ sim, target, store }))).toBe("no error");
    const lun = new StorageArray(sim, new RaidGroup(sim, disks(), { level: 5, chunkSectors: 128 })).lun(0);
    const overLun = new VirtualDisk(sim, new HostAdapter(sim, lun, cpu()), { queueDepth: 32 });
    const overRaidOfLun = new RaidGroup(sim, [lun, new Hdd(sim)], { level: 1, chunkSectors: 128 });
    for (const target of [lun, overLun, overRaidOfLun]) {
      expect(thrownCode(() => new ModelBlockBackend({ sim, target, store }))).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect(() => new ModelBlockBackend({ sim, target, store })).toThrow(/battery-backed cache and does not pass it to its member disks/);
    }
    // Asked directly, a layer over such a LUN refuses the flush the same way (nothing is left half-done).
    const d = new Driver(sim, overLun);
    expect(thrownCode(() => d.flush())).toBe("VMLAB_STORAGE_BAD_CONFIG");
    expect(overLun.inFlight).toBe(0);
  });

  it("a virtual disk gives a freed slot to a flush waiting in the guest before the IOs that waited longer", () => {
    const sim = new Simulation();
    const disk = wceDisk(sim);
    const adapter = new HostAdapter(sim, disk, { issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    const vdisk = new VirtualDisk(sim, adapter, { queueDepth: 1 });
    const d = new Driver(sim, vdisk, [disk]);
    const r1 = d.io(FAR, 8, true); // holds the guest's one slot for a long seek
    const r2 = d.io(FAR + 1_000_000, 8, true); // waits in the guest
    const f = d.flush(); // waits in the guest too, behind r2
    sim.run();
    // The flush went as r1 completed (nothing to write back: the command overhead); r2 only after it.
    expect(d.at(f)).toBe(d.at(r1) + CHEETAH_15K5.commandOverheadNs);
    expect(d.at(r2)).toBeGreaterThan(d.at(f));
    expect(vdisk.flushes).toBe(1);
  });

  it("raising the issue-queue depth sends a flush waiting for a slot at once, before the IOs its scheduler holds", () => {
    const sim = new Simulation();
    const disk = wceDisk(sim);
    const adapter = new HostAdapter(sim, disk, { issueQueueDepth: 1, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    const d = new Driver(sim, adapter, [disk]);
    const r1 = d.io(FAR, 8, true); // holds the one slot for a long seek
    const r2 = d.io(FAR + 1_000_000, 8, true); // waits in the scheduler
    const f = d.flush(); // waits for a slot
    sim.run({ until: 100_000 });
    expect(adapter.inFlight).toBe(1);
    adapter.setIssueQueueDepth(3);
    expect(adapter.inFlight).toBe(3);
    sim.run();
    // Nothing to write back: the drive's command overhead, well before the far read ends.
    expect(d.at(f)).toBe(100_000 + CHEETAH_15K5.commandOverheadNs);
    expect(d.at(r1)).toBeGreaterThan(d.at(f));
    expect(d.at(r2)).toBeGreaterThan(d.at(f));
  });

  it("flushes that arrive while one is at the target wait and go as one command, as Linux's blk-flush merges them", () => {
    const sim = new Simulation();
    const disk = wceDisk(sim);
    const adapter = new HostAdapter(sim, disk, { issueQueueDepth: 4, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    const d = new Driver(sim, adapter, [disk]);
    const f0 = d.flush(); // at the target at once
    const later = [d.flush(), d.flush(), d.flush()]; // wait for it, then go together
    expect(adapter.inFlight).toBe(1);
    sim.run();
    const cmd = CHEETAH_15K5.commandOverheadNs;
    expect(d.at(f0)).toBe(cmd);
    for (const f of later) expect(d.at(f)).toBe(2 * cmd);
    // Two commands at the drive for four flushes, each flush completed to its submitter.
    expect([disk.flushes, adapter.flushes, adapter.interrupts]).toEqual([2, 4, 2]);
  });

  it("a guest flushing in a loop does not take every slot of a shared adapter: another VM's reads keep their pace", () => {
    // One command at a time leaves the other slots to the scheduler's IOs. With a slot per flush, 8 flushes in a
    // loop (each 50 µs of the drive's controller) took every slot that freed: the reads went 2 a second, not ~700.
    const readsPerSecond = (flushers: number) => {
      const sim = new Simulation();
      const hdd = new Hdd(sim, CHEETAH_15K5, "d");
      const adapter = new HostAdapter(sim, hdd, { issueQueueDepth: 4, cpu: new HostCpu(1), issueCostNs: 12_000, interruptCostNs: 6_000 });
      const a = new VirtualDisk(sim, adapter, { queueDepth: 32, offsetSectors: 0, capacitySectors: 1e7 });
      const b = new VirtualDisk(sim, adapter, { queueDepth: 32, offsetSectors: 1e7, capacitySectors: 1e7 });
      let reads = 0;
      let seed = 1;
      const lba = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return Math.floor((seed / 2 ** 31) * 1e6) * 8;
      };
      const flush = (): void => a.flush({ id: 0, vm: 0, lba: 0, sectors: 0, isRead: false, issueTime: sim.now }, { complete: flush });
      const read = (): void =>
        b.submit(
          { id: 0, vm: 1, lba: lba(), sectors: 8, isRead: true, issueTime: sim.now },
          {
            complete: () => {
              reads++;
              read();
            },
          },
        );
      for (let i = 0; i < 32; i++) read();
      for (let i = 0; i < flushers; i++) flush();
      sim.run({ until: 2e9 });
      return reads / 2;
    };
    const alone = readsPerSecond(0);
    expect(readsPerSecond(8) / alone).toBeGreaterThan(0.8); // measured: 682 of 777.5
  });

  it("a host adapter asked for a flush over an array LUN whose members cache writes refuses it at once, taking nothing in", () => {
    const sim = new Simulation();
    const disks = [0, 1, 2].map((i) => new Hdd(sim, CHEETAH_15K5, `d${i}`, { writeCache: true }));
    const lun = new StorageArray(sim, new RaidGroup(sim, disks, { level: 5, chunkSectors: 128 })).lun(0);
    const cpu = new HostCpu(1);
    const adapter = new HostAdapter(sim, lun, { issueQueueDepth: 8, cpu, issueCostNs: 1_000, interruptCostNs: 0 });
    const d = new Driver(sim, adapter);
    expect(thrownCode(() => d.flush())).toBe("VMLAB_STORAGE_BAD_CONFIG");
    expect(() => d.flush()).toThrow(/battery-backed cache and does not pass it to its member disks/);
    sim.run();
    expect([adapter.inFlight, adapter.flushes, cpu.busyNs]).toEqual([0, 0, 0]);
  });

  it("an adapter's flush count is saved and restored; a state saved before any flush restores it as 0", () => {
    const sim = new Simulation();
    const make = () => {
      const disk = wceDisk(sim);
      return new HostAdapter(sim, disk, { issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    };
    const a = make();
    const none = a.save();
    expect(none.flushes).toBeUndefined();
    new Driver(sim, a).flush();
    sim.run();
    const one = a.save();
    expect(one.flushes).toBe(1);
    const b = make();
    new Driver(sim, b).flush();
    new Driver(sim, b).flush();
    sim.run();
    expect(b.flushes).toBe(2);
    b.restore(none);
    expect(b.flushes).toBe(0);
    b.restore(one);
    expect(b.flushes).toBe(1);
  });
});
