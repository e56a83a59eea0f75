import { BLOCK_PENDING, isVmlabError, MemoryBackend, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { RaidGroup } from "../array/raid.js";
import { StorageArray } from "../array/storage-array.js";
import { Hdd } from "../devices/hdd.js";
import { CHEETAH_15K5 } from "../devices/hdd-spec.js";
import type { IoRequest } from "../io.js";
import { ModelBlockBackend } from "./block-backend.js";
import type { IoSink } from "./target.js";

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isVmlabError(e) ? e.code : `not a VmlabError: ${String(e)}`;
  }
  return "no error";
}

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
    expect(code(() => b.save())).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
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
    expect(code(() => d.restore(state))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(code(() => c.restore({ ...state, target: null }))).toBe("VMLAB_STORAGE_BAD_STATE");
    expect(code(() => c.restore({ version: 2 }))).toBe("VMLAB_STORAGE_BAD_STATE");
  });

  it("refuses to save over an array, which keeps destaging after its last IO (no saved form), with a clear error", () => {
    const sim = new Simulation();
    const disks = Array.from({ length: 4 }, (_, i) => new Hdd(sim, CHEETAH_15K5, `d${i}`));
    const array = new StorageArray(sim, new RaidGroup(sim, disks, { level: 5, chunkSectors: 128 }), {
      cacheBytes: 8 << 20,
      destageHighWater: 0.01,
      destageLowWater: 0,
    });
    const b = new ModelBlockBackend({ sim, target: array.lun(0), store: new MemoryBackend({ sizeBytes: 64 << 20 }) });
    let done = 0;
    b.setCompletionListener(() => done++);
    for (let i = 0; i < 20; i++) b.submit("write", i * (1 << 20), 4096, 0, i);
    while (done < 20) sim.step();
    expect(b.inFlight).toBe(0);
    expect(sim.pending).toBeGreaterThan(0); // destage still running
    expect(code(() => b.save())).toBe("VMLAB_STORAGE_NOT_SAVABLE");
  });

  it("takes one device: a second completion listener is refused (it would steal the first's completions)", () => {
    const sim = new Simulation();
    const b = new ModelBlockBackend({ sim, target: new Hdd(sim), store: new MemoryBackend({ sizeBytes: 1 << 20 }) });
    b.setCompletionListener(() => {});
    expect(code(() => b.setCompletionListener(() => {}))).toBe("VMLAB_STORAGE_BAD_CONFIG");
  });

  it("refuses a store that does not fit the target, and IO without a completion listener", () => {
    const sim = new Simulation();
    const small = { capacitySectors: 2048, submit: () => {} };
    const store = new MemoryBackend({ sizeBytes: 1 << 20 });
    expect(code(() => new ModelBlockBackend({ sim, target: small, store }))).toBe("no error");
    expect(code(() => new ModelBlockBackend({ sim, target: small, store, firstSector: 1 }))).toBe("VMLAB_STORAGE_BAD_CONFIG");
    expect(code(() => new ModelBlockBackend({ sim, target: { ...small, capacitySectors: 2047 }, store }))).toBe("VMLAB_STORAGE_BAD_CONFIG");
    expect(code(() => new ModelBlockBackend({ sim, target: small, store, firstSector: -1 }))).toBe("VMLAB_STORAGE_BAD_CONFIG");
    const b = new ModelBlockBackend({ sim, target: small, store });
    expect(code(() => b.submit("read", 0, 512, 0, 0))).toBe("VMLAB_STORAGE_BAD_CONFIG");
  });
});
