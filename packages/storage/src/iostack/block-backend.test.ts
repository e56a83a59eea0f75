import { BLOCK_PENDING, MemoryBackend, Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { RaidGroup } from "../array/raid.js";
import { StorageArray } from "../array/storage-array.js";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import type { IoRequest } from "../io.js";
import { ModelBlockBackend } from "./block-backend.js";
import { HostAdapter } from "./host-adapter.js";
import { HostCpu } from "./host-cpu.js";
import type { BlockTarget, HostScheduler, IoSink } from "./target.js";
import { VirtualDisk } from "./virtual-disk.js";

/** Four 4 KiB IOs (reads and a write) at scattered addresses, all issued at t = 0. */
const IOS = [
  { op: "read" as const, offset: 0 },
  { op: "read" as const, offset: 200 << 20 },
  { op: "write" as const, offset: 50 << 20 },
  { op: "read" as const, offset: 120 << 20 },
];

describe("ModelBlockBackend", () => {
  it("completes each IO when the Hdd does: same times as submitting the same IOs to the disk directly", () => {
    // The disk alone.
    const simA = new Simulation();
    const hddA = new Hdd(simA, CHEETAH_15K5);
    const direct: number[] = [];
    const sink: IoSink = { complete: (req: IoRequest) => direct.push(req.id, simA.now) };
    IOS.forEach((io, id) => {
      hddA.submit({ id, vm: 0, lba: io.offset / 512, sectors: 8, isRead: io.op === "read", issueTime: 0 }, sink);
    });
    simA.run();
    // The same disk behind the backend.
    const simB = new Simulation();
    const b = new ModelBlockBackend({ sim: simB, target: new Hdd(simB, CHEETAH_15K5), store: new MemoryBackend({ sizeBytes: 256 << 20 }) });
    const heard: number[] = [];
    b.setCompletionListener((tag) => heard.push(tag - 100, simB.now));
    for (const [id, io] of IOS.entries()) expect(b.submit(io.op, io.offset, 4096, 0, 100 + id)).toBe(BLOCK_PENDING);
    expect(b.inFlight).toBe(4);
    simB.run();
    expect(heard).toEqual(direct);
    expect(b.inFlight).toBe(0);
    // SPTF reorders: the disk does not serve them in submission order, and each takes milliseconds.
    const order = direct.filter((_, i) => i % 2 === 0);
    expect(order).not.toEqual([0, 1, 2, 3]);
    expect(direct[1]).toBeGreaterThan(1_000_000);
  });

  it("starts an IO submitted ahead of the simulation clock at the guest's time, from an event there", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5);
    const b = new ModelBlockBackend({ sim, target: hdd, store: new MemoryBackend({ sizeBytes: 1 << 20 }) });
    let doneAt = -1;
    b.setCompletionListener(() => {
      doneAt = sim.now;
    });
    b.submit("read", 4096, 4096, 7_000_000, 1);
    expect(hdd.outstanding).toBe(0);
    sim.run();
    expect(doneAt).toBeGreaterThan(7_000_000);
    // The same IO on a fresh disk at t = 7 ms directly.
    const sim2 = new Simulation();
    const hdd2 = new Hdd(sim2, CHEETAH_15K5);
    sim2.run({ until: 7_000_000 });
    let direct = -1;
    hdd2.submit({ id: 0, vm: 0, lba: 8, sectors: 8, isRead: true, issueTime: 7_000_000 }, { complete: () => (direct = sim2.now) });
    sim2.run();
    expect(doneAt).toBe(direct);
  });

  it("flushes and empty requests complete at once; data goes to the store", () => {
    const sim = new Simulation();
    const store = new MemoryBackend({ sizeBytes: 1 << 20 });
    const b = new ModelBlockBackend({ sim, target: new Hdd(sim), store });
    expect(b.submit("flush", 0, 0, 5, 0)).toBe(5);
    expect(b.submit("read", 0, 0, 5, 0)).toBe(5);
    b.write(512, new Uint8Array([1, 2, 3]));
    expect(Array.from(store.bytes.subarray(512, 515))).toEqual([1, 2, 3]);
    const out = new Uint8Array(3);
    b.read(512, out);
    expect(Array.from(out)).toEqual([1, 2, 3]);
  });

  it("refuses to save while IOs are in flight; saves and restores the store and the disk's state when idle", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim);
    const b = new ModelBlockBackend({ sim, target: hdd, store: new MemoryBackend({ sizeBytes: 64 << 20 }) });
    b.setCompletionListener(() => {});
    b.submit("read", 40 << 20, 4096, 0, 0);
    expect(thrownCode(() => b.save())).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    sim.run();
    const state = JSON.parse(JSON.stringify(b.save()));
    expect(state.target.headCylinder).toBeGreaterThan(0);
    const sim2 = new Simulation();
    const c = new ModelBlockBackend({ sim: sim2, target: new Hdd(sim2), store: new MemoryBackend({ sizeBytes: 64 << 20 }) });
    c.restore(state);
    expect(c.save()).toEqual(state);
    // A target that saves nothing (a stub) cannot take a disk's state, and the reverse.
    const stub = { capacitySectors: 1 << 20, submit: () => {} };
    const d = new ModelBlockBackend({ sim: sim2, target: stub, store: new MemoryBackend({ sizeBytes: 64 << 20 }) });
    expect(thrownCode(() => d.restore(state))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(thrownCode(() => c.restore({ ...state, target: null }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(thrownCode(() => c.restore({ version: 2 }))).toBe("VMLAB_STORAGE_BAD_STATE");
  });

  it("refuses a next IO id that is not an exact integer (2^53 and beyond), naming it and changing nothing", () => {
    const sim = new Simulation();
    const b = new ModelBlockBackend({ sim, target: new Hdd(sim), store: new MemoryBackend({ sizeBytes: 1 << 20 }) });
    const state = JSON.parse(JSON.stringify(b.save()));
    const before = JSON.stringify(b.save());
    // Past 2^53 ids stop being distinct: 2^53 + 1 is 2^53, so two IOs would carry one id.
    for (const nextId of [2 ** 53, 2 ** 53 + 2, 2 ** 64, -1, 0.5]) {
      expect(thrownCode(() => b.restore({ ...state, nextId }))).toBe("VMLAB_STORAGE_BAD_STATE");
      expect(() => b.restore({ ...state, nextId })).toThrow(/nextId/);
      expect(JSON.stringify(b.save())).toBe(before);
    }
    b.restore({ ...state, nextId: Number.MAX_SAFE_INTEGER });
    expect(b.save().nextId).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("over an array: refuses while it destages, saves once idle, and a restored copy goes on identically", () => {
    /** An array of four disks whose cache destages everything (high water 1%). */
    const build = (sim: Simulation) => {
      const disks = Array.from({ length: 4 }, (_, i) => new Hdd(sim, CHEETAH_15K5, `d${i}`));
      const array = new StorageArray(sim, new RaidGroup(sim, disks, { level: 5, chunkSectors: 128 }), {
        cacheBytes: 8 << 20,
        destageHighWater: 0.01,
        destageLowWater: 0,
      });
      const b = new ModelBlockBackend({ sim, target: array.lun(0), store: new MemoryBackend({ sizeBytes: 64 << 20 }) });
      const done: string[] = [];
      b.setCompletionListener((tag) => done.push(`${tag}@${sim.now}`));
      return { array, b, done };
    };
    /** Mixed 4–16 KiB reads and writes at scattered offsets, issued at the current time. */
    const phase = (sim: Simulation, b: ModelBlockBackend, first: number) => {
      for (let i = 0; i < 24; i++) {
        const offset = ((i * 7919) % 4096) * 16384;
        b.submit(i % 3 === 0 ? "write" : "read", offset, 4096 * (1 + (i % 4)), sim.now, first + i);
      }
      sim.run();
    };
    const sim = new Simulation();
    const a = build(sim);
    for (let i = 0; i < 20; i++) a.b.submit("write", i * (1 << 20), 4096, 0, i);
    while (a.done.length < 20) sim.step();
    expect(a.b.inFlight).toBe(0);
    expect(a.array.idle).toBe(false); // destage still running
    expect(thrownCode(() => a.b.save())).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    sim.run();
    expect(a.array.idle).toBe(true);
    expect(a.array.destageWrites).toBeGreaterThan(0);
    const state = a.b.save();
    const simState = sim.save();
    phase(sim, a.b, 100);

    const sim2 = new Simulation();
    const c = build(sim2);
    sim2.restore(simState);
    // A state whose store refuses leaves the array as it was (the target is restored first, then put back).
    const blankArray = c.array.save();
    expect(thrownCode(() => c.b.restore({ ...state, store: { version: 99 } }))).not.toBe("no error");
    expect(c.array.save()).toEqual(blankArray);
    c.b.restore(state);
    expect(c.b.save()).toEqual(state);
    phase(sim2, c.b, 100);
    expect(c.done).toEqual(a.done.slice(20));
    expect(c.array.readHits).toBe(a.array.readHits);
    expect(c.array.destageWrites).toBe(a.array.destageWrites);
    expect(c.array.raid.members.map((d) => (d as Hdd).mediaOps)).toEqual(a.array.raid.members.map((d) => (d as Hdd).mediaOps));

    // A different array (another cache size) refuses the state and is left as it was.
    const sim3 = new Simulation();
    const disks = Array.from({ length: 4 }, (_, i) => new Hdd(sim3, CHEETAH_15K5, `d${i}`));
    const other = new StorageArray(sim3, new RaidGroup(sim3, disks, { level: 5, chunkSectors: 128 }), { cacheBytes: 16 << 20 });
    const blank = other.save();
    expect(thrownCode(() => other.restore(state.target))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(other.save()).toEqual(blank);
  });

  it("over a host stack: saves with a FIFO adapter, refuses with a clear error when its scheduler has no saved form", () => {
    const sim = new Simulation();
    const adapter = (scheduler?: HostScheduler) =>
      new HostAdapter(sim, new Hdd(sim), { issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 1000, interruptCostNs: 1000, scheduler });
    const store = () => new MemoryBackend({ sizeBytes: 1 << 20 });
    const fifo = new ModelBlockBackend({ sim, target: adapter(), store: store() });
    expect(thrownCode(() => fifo.save())).toBe("no error");
    const plain: HostScheduler = { attach: () => {}, enqueue: () => {}, dequeue: () => null, onComplete: () => {}, queued: 0 };
    const b = new ModelBlockBackend({ sim, target: adapter(plain), store: store() });
    expect(thrownCode(() => b.save())).toBe("VMLAB_STORAGE_NOT_SAVABLE");
  });

  it("takes one device: a second completion listener is refused (it would steal the first's completions)", () => {
    const sim = new Simulation();
    const b = new ModelBlockBackend({ sim, target: new Hdd(sim), store: new MemoryBackend({ sizeBytes: 1 << 20 }) });
    b.setCompletionListener(() => {});
    expect(thrownCode(() => b.setCompletionListener(() => {}))).toBe("VMLAB_STORAGE_BAD_CONFIG");
  });

  it("refuses a store that does not fit the target, and IO without a completion listener", () => {
    const sim = new Simulation();
    const small = { capacitySectors: 2048, submit: () => {} };
    const store = new MemoryBackend({ sizeBytes: 1 << 20 });
    expect(thrownCode(() => new ModelBlockBackend({ sim, target: small, store }))).toBe("no error");
    expect(thrownCode(() => new ModelBlockBackend({ sim, target: small, store, firstSector: 1 }))).toBe("VMLAB_STORAGE_BAD_CONFIG");
    expect(thrownCode(() => new ModelBlockBackend({ sim, target: { ...small, capacitySectors: 2047 }, store }))).toBe(
      "VMLAB_STORAGE_BAD_CONFIG",
    );
    expect(thrownCode(() => new ModelBlockBackend({ sim, target: small, store, firstSector: -1 }))).toBe("VMLAB_STORAGE_BAD_CONFIG");
    const b = new ModelBlockBackend({ sim, target: small, store });
    expect(thrownCode(() => b.submit("read", 0, 512, 0, 0))).toBe("VMLAB_STORAGE_BAD_CONFIG");
  });

  it("refuses a read or write not of whole sectors inside the disk, in the caller's bytes, taking nothing in (save still works)", () => {
    const sim = new Simulation();
    const disk = new Hdd(sim, CHEETAH_15K5, "d");
    const b = new ModelBlockBackend({ sim, target: disk, store: new MemoryBackend({ sizeBytes: 1 << 20 }) });
    b.setCompletionListener(() => {});
    const refusal = (op: "read" | "write", offset: number, length: number, nowNs = 0) => {
      try {
        b.submit(op, offset, length, nowNs, 0);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(refusal("read", 100, 512)).toBe(
      "model block backend: a read of 512 bytes at byte 100: offset and length must be whole 512-byte sectors, the length at least one",
    );
    expect(refusal("write", 0, 1000)).toMatch(/a write of 1000 bytes at byte 0: offset and length must be whole 512-byte sectors/);
    expect(refusal("read", 0, -512)).toMatch(/the length at least one/);
    expect(refusal("read", (1 << 20) - 512, 1024)).toBe(
      "model block backend: a read of 1024 bytes at byte 1048064: it ends past the disk's 1048576 bytes",
    );
    // Ahead of the simulation's clock it was refused later, from inside sim.run, by the disk in its sectors.
    expect(refusal("read", 100, 512, 5_000)).toMatch(/at byte 100/);
    sim.run();
    // Nothing was taken in: the refused IOs were counted in flight, and every save after refused.
    expect(b.inFlight).toBe(0);
    expect(thrownCode(() => b.save())).toBe("no error");
  });

  it("a disk with its write cache on: a guest's flush waits until the writes before it are on the media", () => {
    const sim = new Simulation();
    const store = new MemoryBackend({ sizeBytes: 1 << 20 });
    const wce = new Hdd(sim, CHEETAH_15K5, "wce", { writeCache: true });
    // Far from the head (cylinder 0): writing the data back takes a long seek.
    const b = new ModelBlockBackend({ sim, target: wce, store, firstSector: 500_000_000 });
    const done = new Map<number, number>();
    let dirtyWhenFlushed = -1;
    b.setCompletionListener((tag) => {
      done.set(tag, sim.now);
      if (tag === 2) dirtyWhenFlushed = wce.dirtySectors;
    });
    expect(b.submit("write", 0, 64 << 10, 0, 1)).toBe(BLOCK_PENDING);
    sim.run({ until: 1_000_000 });
    // The write completed from the buffer (overhead + 64 KiB over the interface), its data not yet on the media.
    expect(done.get(1)).toBeLessThan(300_000);
    expect(wce.dirtySectors).toBe(128);
    const flushAt = sim.now;
    expect(b.submit("flush", 0, 0, flushAt, 2)).toBe(BLOCK_PENDING);
    sim.run();
    expect(done.get(2)).toBeGreaterThan(flushAt + 2_000_000); // the write-back's seek, not the command overhead
    expect(dirtyWhenFlushed).toBe(0);
    expect(wce.flushes).toBe(1);
    // With nothing left to write back, a flush takes the command overhead only.
    const t3 = sim.now;
    expect(b.submit("flush", 0, 0, t3, 3)).toBe(BLOCK_PENDING);
    sim.run();
    expect((done.get(3) as number) - t3).toBe(CHEETAH_15K5.commandOverheadNs);
    // A write-through disk: the flush completes at once, without the model.
    const plain = new ModelBlockBackend({ sim, target: new Hdd(sim), store: new MemoryBackend({ sizeBytes: 1 << 20 }) });
    plain.setCompletionListener(() => {});
    expect(plain.submit("flush", 0, 0, sim.now, 4)).toBe(sim.now);
  });

  it("a disk with its write cache on behind a host adapter: the adapter passes the guest's flush down, and it waits for the media", () => {
    const sim = new Simulation();
    const store = new MemoryBackend({ sizeBytes: 1 << 20 });
    const wce = new Hdd(sim, CHEETAH_15K5, "wce", { writeCache: true });
    const adapter = new HostAdapter(sim, wce, { issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    const b = new ModelBlockBackend({ sim, target: adapter, store, firstSector: 500_000_000 });
    const done = new Map<number, number>();
    b.setCompletionListener((tag) => done.set(tag, sim.now));
    b.submit("write", 0, 64 << 10, 0, 1);
    sim.run({ until: 1_000_000 });
    expect(wce.dirtySectors).toBe(128);
    const flushAt = sim.now;
    expect(b.submit("flush", 0, 0, flushAt, 2)).toBe(BLOCK_PENDING);
    sim.run();
    expect(done.get(2)).toBeGreaterThan(flushAt + 2_000_000);
    expect(wce.flushes).toBe(1);
    expect(adapter.flushes).toBe(1);
  });

  it("refuses such disks under an array LUN (an array does not pass a flush to its members), alone or behind other layers", () => {
    const sim = new Simulation();
    const store = new MemoryBackend({ sizeBytes: 1 << 20 });
    const cpu = { issueQueueDepth: 8, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 };
    const disks = (wce: boolean) =>
      Array.from({ length: 3 }, (_, i) => new Hdd(sim, CHEETAH_15K5, `d${i}`, { writeCache: wce && i === 2 }));
    const stacks = (wce: boolean) => {
      const lun = new StorageArray(sim, new RaidGroup(sim, disks(wce), { level: 5, chunkSectors: 128 })).lun(0);
      return [lun, new VirtualDisk(sim, new HostAdapter(sim, lun, cpu), { queueDepth: 32 })];
    };
    for (const target of stacks(true)) {
      expect(thrownCode(() => new ModelBlockBackend({ sim, target, store }))).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect(() => new ModelBlockBackend({ sim, target, store })).toThrow(/member disk of the array has its write cache on/);
    }
    for (const target of stacks(false)) expect(thrownCode(() => new ModelBlockBackend({ sim, target, store }))).toBe("no error");
  });

  it("a guest's IO reaches the model at firstSector + offset / 512", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    const kind = sim.on("test.done", (_n, o) => {
      const [req, sink] = o as [IoRequest, IoSink];
      sink.complete(req);
    });
    const target: BlockTarget = {
      capacitySectors: 1_000_000,
      submit(req: IoRequest, sink: IoSink) {
        seen.push(req.lba);
        sim.schedule(1000, kind, 0, [req, sink]);
      },
    };
    const b = new ModelBlockBackend({ sim, target, store: new MemoryBackend({ sizeBytes: 1 << 20 }), firstSector: 5000 });
    b.setCompletionListener(() => {});
    b.submit("read", 4096, 512, 0, 1);
    b.submit("write", 0, 1024, 0, 2);
    sim.run();
    expect(seen).toEqual([5008, 5000]);
  });
});
