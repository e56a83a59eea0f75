import { createHash } from "node:crypto";
import { type BlockBackend, encodeSnapshot, Machine, MemoryBackend, restoreSnapshotInto, type Simulation, VirtioBlk } from "@vmlab/core-vm";
import {
  type BlockTarget,
  CHEETAH_15K5,
  Hdd,
  type HddSpec,
  HostAdapter,
  HostCpu,
  hddRaid5Array,
  ModelBlockBackend,
  RaidGroup,
  type StorageArray,
} from "@vmlab/storage";
import { readGuestElf, thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import {
  BLKBENCH_DISK_BYTES,
  BLKBENCH_SERIAL,
  blkbenchDisk,
  maskTiming,
  QEMU_FIRST_SLOT,
  runToEnd,
} from "../../core-vm/test/virtio-helpers.js";

interface Run {
  console: string;
  masked: string;
  diskSha256: string;
  /** Mean ns per request at the device (submission to completion), and the guest's own IOPS per queue depth. */
  meanLatencyNs: number;
  iops: Record<number, number>;
}

/** Boots blkbench on a virtio-blk over `backend(machine)`; the store holds the blkbench disk. */
function blkbench(backend: (m: Machine, store: MemoryBackend) => BlockBackend): Run {
  const m = new Machine();
  const store = new MemoryBackend({ sizeBytes: BLKBENCH_DISK_BYTES, contents: blkbenchDisk() });
  const blk = new VirtioBlk({ backend: backend(m, store), serial: BLKBENCH_SERIAL });
  m.attachVirtio(QEMU_FIRST_SLOT, blk);
  m.loadElf(readGuestElf("blkbench"));
  expect(runToEnd(m, 20_000_000_000)).toBe("exit");
  expect(m.exitCode).toBe(0);
  const console = Buffer.from(m.console()).toString("latin1");
  const iops: Record<number, number> = {};
  for (const [, qd, v] of console.matchAll(/timing: qd=(\d+) ticks=\d+ iops=(\d+)/g)) iops[Number(qd)] = Number(v);
  return {
    console,
    masked: maskTiming(m.console()),
    diskSha256: createHash("sha256").update(store.bytes).digest("hex"),
    meanLatencyNs: blk.latency.summary().mean,
    iops,
  };
}

const onHdd = (spec: HddSpec = CHEETAH_15K5) =>
  blkbench((m, store) => new ModelBlockBackend({ sim: m.sim, target: new Hdd(m.sim, spec), store }));

/** The same drive with its read cache and read-ahead off: every read goes to the media. */
const NO_READ_CACHE: HddSpec = { ...CHEETAH_15K5, cacheBytes: 0, cacheSegments: 0, readAheadSectors: 0 };

describe("a guest's virtio-blk disk on the Cheetah 15K.5 model (ModelBlockBackend)", () => {
  const memory = blkbench((_m, store) => store);
  const hdd = onHdd();
  const nocache = onHdd(NO_READ_CACHE);

  it("the guest sees the same data: console (apart from timing) and final disk bytes equal the memory backend's", () => {
    for (const run of [hdd, nocache]) {
      expect(run.console).toContain("blkbench: done");
      expect(run.console).toContain("read back and verified 256 blocks: 0 errors");
      expect(run.masked).toBe(memory.masked);
      expect(run.diskSha256).toBe(memory.diskSha256);
    }
  });

  it("the guest measures a disk: hundreds of random-read IOPS at qd=1 from the media, versus ~100k on memory", () => {
    expect(memory.iops[1]).toBeGreaterThan(50_000);
    // Media reads: ~2 ms each at qd=1 (half a turn at 15k RPM plus short seeks); SPTF gains with depth.
    expect(nocache.iops[1]).toBeGreaterThan(200);
    expect(nocache.iops[1]).toBeLessThan(1000);
    expect(nocache.iops[32]).toBeGreaterThan(3 * nocache.iops[1]);
    expect(nocache.meanLatencyNs).toBeGreaterThan(1_000_000);
    // With the drive's 16 MB cache on, blkbench's 1 MiB random set is read-ahead and hits the cache:
    // ~50 µs command overhead + transfer per read at qd=1; writes still go to the media (write cache off).
    expect(hdd.iops[1]).toBeGreaterThan(5_000);
    expect(hdd.iops[1]).toBeLessThan(20_000);
    expect(hdd.meanLatencyNs).toBeGreaterThan(100_000);
    // At qd 8 and 32 the drive's one controller processes the hits one after another, 50 µs each: ~20k IOPS
    // (the interface, 13.65 µs per 4 KiB, is not the limit), well below what the guest's CPU reaches on memory.
    const controllerIops = 1e9 / CHEETAH_15K5.commandOverheadNs;
    const interfaceIops = (CHEETAH_15K5.busMBps * 1e6) / 4096;
    for (const qd of [8, 32]) {
      expect(hdd.iops[qd]).toBeLessThanOrEqual(controllerIops);
      expect(hdd.iops[qd]).toBeGreaterThan(0.95 * controllerIops);
    }
    expect(memory.iops[32]).toBeGreaterThan(1.3 * interfaceIops);
  });

  it("a disk with its write cache on: writes complete from its buffer, the guest's flush waits for the media, same data", () => {
    const runOn = (writeCache: boolean) => {
      let disk: Hdd | null = null;
      const run = blkbench((m, store) => {
        disk = new Hdd(m.sim, CHEETAH_15K5, "d", { writeCache });
        return new ModelBlockBackend({ sim: m.sim, target: disk, store });
      });
      return { run, disk: disk as unknown as Hdd };
    };
    const { run, disk } = runOn(true);
    const through = runOn(false).disk;
    expect(run.masked).toBe(memory.masked);
    expect(run.diskSha256).toBe(memory.diskSha256);
    expect(run.console).toContain("flush status 0");
    expect(disk.writesBuffered).toBe(256); // blkbench's 256 writes of 4 KiB, all from the buffer
    expect(disk.flushes).toBe(1); // its one flush went to the drive (that it waits there: block-backend.test.ts)
    expect(through.flushes).toBe(0); // write-through: the backend completes it at once
    expect(disk.dirtySectors).toBe(0);
    // The buffered sequential stream reached the media in long write-backs, not 256 commands.
    expect(disk.mediaOps).toBeLessThan(through.mediaOps - 200);
    expect(runOn(true).run.console).toBe(run.console);
  });

  it("a software RAID-1 of two such disks behind a host adapter: the guest's flush goes down through both layers to both disks", () => {
    let disks: Hdd[] = [];
    let raid: RaidGroup | null = null;
    let adapter: HostAdapter | null = null;
    const dirtyAtFlush: number[][] = [];
    const run = blkbench((m, store) => {
      disks = [0, 1].map((i) => new Hdd(m.sim, CHEETAH_15K5, `m${i}`, { writeCache: true }));
      raid = new RaidGroup(m.sim, disks, { level: 1, chunkSectors: 128 });
      adapter = new HostAdapter(m.sim, raid, { issueQueueDepth: 32, cpu: new HostCpu(1), issueCostNs: 10_000, interruptCostNs: 5_000 });
      // Each member's buffered data when the guest's flush completes at the adapter.
      const flush = adapter.flush.bind(adapter);
      adapter.flush = (req, sink) =>
        flush(req, {
          complete: (r) => {
            dirtyAtFlush.push(disks.map((d) => d.dirtySectors));
            sink.complete(r);
          },
        });
      return new ModelBlockBackend({ sim: m.sim, target: adapter, store });
    });
    expect(run.masked).toBe(memory.masked);
    expect(run.diskSha256).toBe(memory.diskSha256);
    expect(run.console).toContain("flush status 0");
    expect(disks.map((d) => d.writesBuffered)).toEqual([256, 256]); // every write mirrored, from the buffers
    expect(disks.map((d) => d.flushes)).toEqual([1, 1]);
    expect((raid as unknown as RaidGroup).flushes).toBe(1);
    expect((adapter as unknown as HostAdapter).flushes).toBe(1);
    // blkbench flushes after its writes have completed and before it reads: nothing is left in either buffer.
    expect(dirtyAtFlush).toEqual([[0, 0]]);
  });

  it("is deterministic: a second run is byte-identical", () => {
    const again = onHdd();
    expect(again.console).toBe(hdd.console);
    expect(again.diskSha256).toBe(hdd.diskSha256);
  });

  it("a snapshot taken while requests are inside the disk model is refused in the device's words, not the encoder's", () => {
    const m = new Machine();
    const store = new MemoryBackend({ sizeBytes: BLKBENCH_DISK_BYTES, contents: blkbenchDisk() });
    const blk = new VirtioBlk({ backend: new ModelBlockBackend({ sim: m.sim, target: new Hdd(m.sim), store }), serial: BLKBENCH_SERIAL });
    m.attachVirtio(QEMU_FIRST_SLOT, blk);
    m.loadElf(readGuestElf("blkbench"));
    // Run in small steps until a request is in the model (blkbench keeps the disk busy once it starts).
    for (let i = 0; i < 100_000 && blk.inflight === 0; i++) {
      if (m.run(10_000) === "event") m.sim.run({ until: m.sim.now });
    }
    expect(blk.inflight).toBeGreaterThan(0);
    expect(thrownCode(() => encodeSnapshot({ machine: m }))).toBe("VMLAB_VIRTIO_NOT_QUIESCENT");
  });

  it("a snapshot while the drive's write cache still holds written data (no request inside) is refused, naming that data", () => {
    const m = new Machine();
    const store = new MemoryBackend({ sizeBytes: BLKBENCH_DISK_BYTES, contents: blkbenchDisk() });
    const disk = new Hdd(m.sim, CHEETAH_15K5, "wce", { writeCache: true });
    const blk = new VirtioBlk({ backend: new ModelBlockBackend({ sim: m.sim, target: disk, store }), serial: BLKBENCH_SERIAL });
    m.attachVirtio(QEMU_FIRST_SLOT, blk);
    m.loadElf(readGuestElf("blkbench"));
    // Between blkbench's last write completing and its flush going out: every request answered, data still buffered.
    for (let i = 0; i < 1_000_000 && !(blk.inflight === 0 && disk.dirtySectors > 0); i++) {
      if (m.run(50) === "event") m.sim.run({ until: m.sim.now });
    }
    expect(blk.inflight).toBe(0);
    expect(disk.dirtySectors).toBeGreaterThan(0);
    let details: Record<string, unknown> = {};
    try {
      encodeSnapshot({ machine: m });
    } catch (e) {
      details = (e as { details: Record<string, unknown> }).details;
    }
    expect(thrownCode(() => encodeSnapshot({ machine: m }))).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    expect(details.dirtySectors).toBe(disk.dirtySectors);
  });

  it("a snapshot taken between requests, after the model has served IO, resumes identically (a disk and an array LUN)", () => {
    /** blkbench on a model; `busy()` says whether the model still works (an array destaging). */
    const build = (
      target: (sim: Simulation) => { target: BlockTarget; served: () => number; busy: () => boolean },
      contents = blkbenchDisk(),
    ) => {
      const m = new Machine();
      const store = new MemoryBackend({ sizeBytes: BLKBENCH_DISK_BYTES, contents });
      const t = target(m.sim);
      const backend = new ModelBlockBackend({ sim: m.sim, target: t.target, store });
      const blk = new VirtioBlk({ backend, serial: BLKBENCH_SERIAL });
      m.attachVirtio(QEMU_FIRST_SLOT, blk);
      m.loadElf(readGuestElf("blkbench"));
      return { m, blk, backend, store, ...t };
    };
    const disk = (sim: Simulation) => {
      const hdd = new Hdd(sim);
      return { target: hdd, served: () => hdd.completed, busy: () => false };
    };
    const array = (sim: Simulation) => {
      const a: StorageArray = hddRaid5Array(sim, { disks: 4, array: { cacheBytes: 64 << 20 } }).array;
      return { target: a.lun(0), served: () => a.readMisses + a.readHits + a.writesAbsorbed, busy: () => !a.idle };
    };
    for (const model of [disk, array]) {
      const a = build(model);
      // Step until the model has served a good many requests and nothing is inside it.
      let steps = 0;
      while (!(a.served() > 1000 && a.blk.inflight === 0 && a.backend.inFlight === 0 && !a.busy()) && steps++ < 200_000)
        if (a.m.run(2_000) === "event") a.m.sim.run({ until: a.m.sim.now });
      expect(a.served()).toBeGreaterThan(1000);
      const servedAtSave = a.served();
      const printed = a.m.console().length;
      const chunks = encodeSnapshot({ machine: a.m });
      const bytes = new Uint8Array(Buffer.concat(chunks));
      // The disk's bytes are not in a snapshot (as with an image file): the copy starts from the same bytes.
      const b = build(model, a.store.bytes.slice());
      restoreSnapshotInto({ machine: b.m }, bytes);
      expect(b.served()).toBe(servedAtSave); // the model's state came back, not a fresh drive
      for (const x of [a, b]) expect(runToEnd(x.m, 20_000_000_000)).toBe("exit");
      // The restored machine prints what the original printed after the save point (the console is not saved).
      expect(Buffer.from(b.m.console()).toString("latin1")).toBe(Buffer.from(a.m.console().subarray(printed)).toString("latin1"));
      expect(Buffer.from(b.m.console()).toString("latin1")).toContain("blkbench: done");
      expect(createHash("sha256").update(b.store.bytes).digest("hex")).toBe(createHash("sha256").update(a.store.bytes).digest("hex"));
      expect(b.m.nowNs()).toBe(a.m.nowNs());
    }
  });
});
