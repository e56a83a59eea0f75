import {
  attachInQemuOrder,
  BLOCK_PENDING,
  type BlockBackend,
  type BlockOp,
  isVmlabError,
  Machine,
  MemoryBackend,
  type Simulation,
  VirtioBlk,
  VirtioRng,
} from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";

const HDR = 0x8200_0000;
const DATA = 0x8201_0000;
const STATUS = 0x8203_0000;
const SECTOR = 512;

function setup(options: { depth?: number; latencyNs?: number; sizeBytes?: number } = {}) {
  const m = new Machine({ ramMiB: 64 });
  const disk = new MemoryBackend({ sizeBytes: options.sizeBytes ?? 1 << 20, latencyNs: options.latencyNs ?? 1000 });
  const blk = new VirtioBlk({ backend: disk, queueDepth: options.depth ?? 4, serial: "unit-disk" });
  const t = m.attachVirtio(3, blk);
  const d = new TestDriver(m, 3);
  d.init(1, 64);
  return { m, disk, blk, t, d };
}

/** Queues request `i` (its own header, data and status areas); `len` 0 = no data descriptor. */
function request(d: TestDriver, i: number, type: number, sector: number, len: number, writable: boolean): number {
  d.blkHeader(HDR + 16 * i, type, sector);
  const segs = [{ addr: HDR + 16 * i, len: 16, writable: false }];
  if (len > 0) segs.push({ addr: DATA + 4096 * i, len, writable });
  segs.push({ addr: STATUS + i, len: 1, writable: true });
  return d.push(0, segs);
}

describe("virtio-mmio transport", () => {
  it("every slot answers like QEMU's: magic, version 2, QEMU vendor; empty slots have device id 0", () => {
    const { m } = setup();
    for (let s = 0; s < 8; s++) {
      const base = 0x1000_1000 + 0x1000 * s;
      expect(m.bus.read(base, 4)).toBe(0x74726976);
      expect(m.bus.read(base + 4, 4)).toBe(2);
      expect(m.bus.read(base + 8, 4)).toBe(s === 3 ? 2 : 0);
      expect(m.bus.read(base + 0xc, 4)).toBe(0x554d4551);
    }
  });

  it("refuses a second device in a slot and slots outside 0..7", () => {
    const { m } = setup();
    const other = new VirtioBlk({ backend: new MemoryBackend({ sizeBytes: 4096 }) });
    expect(() => m.attachVirtio(3, other)).toThrow(expect.objectContaining({ code: "VMLAB_VIRTIO_SLOT_IN_USE" }));
    expect(() => m.attachVirtio(8, other)).toThrow(expect.objectContaining({ code: "VMLAB_VIRTIO_BAD_SLOT" }));
  });

  it("keeps FEATURES_OK only when the driver accepts VERSION_1", () => {
    const m = new Machine({ ramMiB: 16 });
    m.attachVirtio(0, new VirtioBlk({ backend: new MemoryBackend({ sizeBytes: 4096 }) }));
    const d = new TestDriver(m, 0);
    d.setReg(0x70, 3);
    d.setReg(0x24, 1);
    d.setReg(0x20, 0);
    d.setReg(0x70, 3 | 8);
    expect(d.reg(0x70) & 8).toBe(0);
  });

  it("raises PLIC source 1 + slot on completion and drops it on InterruptACK", async () => {
    const { m, d } = setup();
    request(d, 0, 0, 0, 512, true);
    expect(m.plic.level[0] & (1 << 4)).toBe(0);
    m.sim.run();
    expect(m.plic.level[0] & (1 << 4)).not.toBe(0);
    expect(d.ack()).toBe(1);
    expect(m.plic.level[0] & (1 << 4)).toBe(0);
  });

  it("a descriptor outside RAM sets DEVICE_NEEDS_RESET instead of throwing", () => {
    const { d } = setup();
    d.push(0, [
      { addr: 0x4000_0000, len: 16, writable: false },
      { addr: STATUS, len: 1, writable: true },
    ]);
    expect(d.reg(0x70) & 64).toBe(64);
    expect(d.reg(0x60) & 2).toBe(2);
  });

  it("an avail index moved more than the queue size ahead sets DEVICE_NEEDS_RESET; no stale entry is served", () => {
    // 64 entries: one real request, then the index jumps 64 more (65 pending > 64) — entries that were never written.
    const { m, d, blk } = setup();
    d.blkHeader(HDR, 0, 0);
    d.push(
      0,
      [
        { addr: HDR, len: 16, writable: false },
        { addr: DATA, len: 512, writable: true },
        { addr: STATUS, len: 1, writable: true },
      ],
      false,
    );
    d.advanceAvail(0, 64);
    m.sim.run();
    expect(d.reg(0x70) & 64).toBe(64);
    expect(d.reg(0x60) & 2).toBe(2);
    expect(blk.reads.value).toBe(0);
    expect(d.popUsed(0)).toEqual([]);
  });
});

describe("virtio-blk", () => {
  it("writes, reads back, flushes and answers get-id; used lengths count written bytes", () => {
    const { m, d, disk, blk } = setup();
    for (let i = 0; i < 1024; i++) m.ram.u8[DATA - m.ram.base + i] = (i * 7) & 0xff;
    request(d, 0, 1, 3, 1024, false);
    m.sim.run();
    expect(Array.from(disk.bytes.subarray(3 * SECTOR, 3 * SECTOR + 4))).toEqual([0, 7, 14, 21]);
    request(d, 1, 0, 3, 1024, true);
    request(d, 2, 4, 0, 0, false);
    request(d, 3, 8, 0, 20, true);
    m.sim.run();
    const used = d.popUsed(0);
    // GET_ID needs no backend time: it completes before the read and the flush.
    expect(used.map(([, len]) => len)).toEqual([1, 21, 1025, 1]);
    expect(Array.from(m.ram.u8.subarray(DATA - m.ram.base + 4096, DATA - m.ram.base + 4096 + 4))).toEqual([0, 7, 14, 21]);
    expect(Array.from(m.ram.u8.subarray(STATUS - m.ram.base, STATUS - m.ram.base + 4))).toEqual([0, 0, 0, 0]);
    const id = new TextDecoder().decode(m.ram.u8.subarray(DATA - m.ram.base + 3 * 4096, DATA - m.ram.base + 3 * 4096 + 9));
    expect(id).toBe("unit-disk");
    expect(blk.reads.value).toBe(1);
    expect(blk.writes.value).toBe(1);
    expect(blk.flushes.value).toBe(1);
  });

  it("reports IOERR past the end, for a wrong data direction and for a partial sector; UNSUPP for an unknown type", () => {
    const { m, d, blk } = setup({ sizeBytes: 8 * SECTOR });
    request(d, 0, 0, 8, 512, true);
    request(d, 1, 0, 0, 512, false);
    request(d, 2, 1, 0, 100, false);
    request(d, 3, 77, 0, 512, true);
    m.sim.run();
    expect(Array.from(m.ram.u8.subarray(STATUS - m.ram.base, STATUS - m.ram.base + 4))).toEqual([1, 1, 1, 2]);
    expect(blk.errors.value).toBe(4);
  });

  it("accepts any descriptor layout (virtio 1.x message framing): header and data in one buffer, data and status in one, a split header", () => {
    const { m, d, disk, blk } = setup();
    const ram = (addr: number) => addr - m.ram.base;
    // A write whose data follows the header in the same readable buffer.
    d.blkHeader(HDR, 1, 2);
    for (let i = 0; i < SECTOR; i++) m.ram.u8[ram(HDR) + 16 + i] = (i * 3 + 1) & 0xff;
    d.push(0, [
      { addr: HDR, len: 16 + SECTOR, writable: false },
      { addr: STATUS, len: 1, writable: true },
    ]);
    m.sim.run();
    expect(Array.from(disk.bytes.subarray(2 * SECTOR, 2 * SECTOR + 4))).toEqual([1, 4, 7, 10]);
    expect(m.ram.u8[ram(STATUS)]).toBe(0);
    expect(d.popUsed(0)).toEqual([[0, 1]]);
    // A read whose status byte ends its only data buffer, with the header split in two.
    d.blkHeader(HDR + 0x100, 0, 2);
    m.ram.u8.fill(0xee, ram(DATA), ram(DATA) + SECTOR + 1);
    d.push(0, [
      { addr: HDR + 0x100, len: 8, writable: false },
      { addr: HDR + 0x108, len: 8, writable: false },
      { addr: DATA, len: SECTOR + 1, writable: true },
    ]);
    m.sim.run();
    expect(Array.from(m.ram.u8.subarray(ram(DATA), ram(DATA) + 4))).toEqual([1, 4, 7, 10]);
    expect(m.ram.u8[ram(DATA) + SECTOR]).toBe(0); // the status: the last writable byte
    expect(d.popUsed(0)).toEqual([[2, SECTOR + 1]]);
    expect(blk.writes.value).toBe(1);
    expect(blk.reads.value).toBe(1);
    expect(blk.errors.value).toBe(0);
  });

  it("serves at most queueDepth requests at once: the rest queue in the ring (the guest sees queueing)", () => {
    const { m, d, blk } = setup({ depth: 2, latencyNs: 1000 });
    for (let i = 0; i < 5; i++) request(d, i, 0, i, 512, true);
    expect(blk.inflight).toBe(2);
    const times: number[] = [];
    while (m.sim.step()) times.push(m.sim.now);
    expect(times).toEqual([1000, 1000, 2000, 2000, 3000]);
    expect(d.popUsed(0)).toHaveLength(5);
    expect(blk.latency.summary().max).toBe(1000);
  });

  it("ignores completions that were in flight when the driver reset the device", () => {
    const { m, d, blk } = setup({ latencyNs: 1000 });
    request(d, 0, 0, 0, 512, true);
    d.setReg(0x70, 0);
    m.sim.run();
    expect(blk.reads.value).toBe(0);
    expect(m.ram.u8[STATUS - m.ram.base]).toBe(0);
  });

  it("marks pages written by the device dirty", () => {
    const { m, d } = setup();
    m.setDirtyTracking(true);
    request(d, 0, 0, 0, 4096, true);
    m.sim.run();
    const pages = m.ram.takeDirtyPages();
    expect(pages).toContain((DATA - m.ram.base) >>> 12);
    expect(pages).toContain((STATUS - m.ram.base) >>> 12);
  });

  it("save/restore round trip with requests in flight: the restored pair finishes exactly like the original", () => {
    const run = (cut: boolean) => {
      const a = setup({ depth: 2, latencyNs: 1500 });
      for (let i = 0; i < 5; i++) {
        for (let k = 0; k < 512; k++) a.disk.bytes[i * SECTOR + k] = (i + k) & 0xff;
        request(a.d, i, 0, i, 512, true);
      }
      a.m.sim.step();
      if (!cut) {
        a.m.sim.run();
        return { ram: a.m.ram.read(DATA, 5 * 4096), state: a.t.save(), now: a.m.sim.now };
      }
      const transport = JSON.parse(JSON.stringify(a.t.save()));
      const sim = JSON.parse(JSON.stringify(a.m.sim.save()));
      const ram = a.m.ram.u8.slice();
      const b = setup({ depth: 2, latencyNs: 1500 });
      b.disk.bytes.set(a.disk.bytes);
      b.m.ram.u8.set(ram);
      b.m.sim.restore(sim);
      b.t.restore(transport);
      expect(b.t.save()).toEqual(transport);
      b.m.sim.run();
      return { ram: b.m.ram.read(DATA, 5 * 4096), state: b.t.save(), now: b.m.sim.now };
    };
    const whole = run(false);
    const split = run(true);
    expect(split.now).toBe(whole.now);
    expect(Buffer.from(split.ram).equals(Buffer.from(whole.ram))).toBe(true);
    expect(split.state).toEqual(whole.state);
  });

  it("rejects corrupt state with VMLAB_SIM_BAD_STATE and changes nothing", () => {
    const { t, d } = setup({ latencyNs: 1000 });
    request(d, 0, 0, 0, 512, true);
    const good = t.save();
    const bad = (mutate: (s: Record<string, unknown>) => void) => {
      const s = JSON.parse(JSON.stringify(good));
      mutate(s);
      try {
        t.restore(s);
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SIM_BAD_STATE");
        expect(t.save()).toEqual(good);
        return;
      }
      throw new Error("restore accepted a bad state");
    };
    bad((s) => {
      s.version = 2;
    });
    bad((s) => {
      (s.device as { inflight: { addr: number[] }[] }).inflight[0].addr[1] = 0x1000;
    });
    bad((s) => {
      (s.device as { free: number[] }).free.push(0);
    });
    bad((s) => {
      (s.queues as { desc: number }[])[0].desc = 0x10;
    });
    bad((s) => {
      s.deviceId = 1;
    });
  });
});

/**
 * An event-driven backend in miniature: reads and writes go pending and come
 * back from its own simulation event, 1000 ns per sector; flush completes at
 * once. `pending: false` makes it forget `setCompletionListener`.
 */
class AsyncBackend implements BlockBackend {
  readonly sizeBytes: number;
  readonly store: MemoryBackend;
  listener: ((tag: number) => void) | null = null;
  readonly submitted: number[] = [];
  private kind = -1;
  setCompletionListener?: (listener: (tag: number) => void) => void;

  constructor(
    private readonly sim: Simulation,
    sizeBytes: number,
    withListener = true,
  ) {
    this.store = new MemoryBackend({ sizeBytes });
    this.sizeBytes = sizeBytes;
    this.kind = sim.on("test.async.done", (tag) => this.listener?.(tag));
    if (withListener)
      this.setCompletionListener = (l) => {
        this.listener = l;
      };
  }
  submit(op: BlockOp, _offset: number, length: number, nowNs: number, tag: number): number {
    if (op === "flush") return nowNs;
    this.submitted.push(tag);
    this.sim.scheduleAt(nowNs + (length / SECTOR) * 1000, this.kind, tag, null);
    return BLOCK_PENDING;
  }
  read(offset: number, dst: Uint8Array): void {
    this.store.read(offset, dst);
  }
  write(offset: number, src: Uint8Array): void {
    this.store.write(offset, src);
  }
  flush(): void {}
  save(): unknown {
    return this.store.save();
  }
  restore(state: unknown): void {
    this.store.restore(state);
  }
}

function asyncSetup(withListener = true) {
  const m = new Machine({ ramMiB: 64 });
  const disk = new AsyncBackend(m.sim, 1 << 20, withListener);
  const blk = new VirtioBlk({ backend: disk, queueDepth: 4 });
  const t = m.attachVirtio(3, blk);
  const d = new TestDriver(m, 3);
  d.init(1, 64);
  return { m, disk, blk, t, d };
}

describe("virtio-blk over an asynchronous backend (BLOCK_PENDING)", () => {
  it("completes each request when the backend reports it, in the backend's order, with the data moved then", () => {
    const { m, d, disk, blk } = asyncSetup();
    for (let i = 0; i < 1024; i++) m.ram.u8[DATA - m.ram.base + i] = (i * 3) & 0xff;
    request(d, 0, 1, 8, 1024, false);
    request(d, 1, 4, 0, 0, false);
    // Only the write went to the backend (tag = epoch·65536 + slot); the flush is synchronous.
    expect(disk.submitted.map((tag) => tag % 65536)).toEqual([0]);
    expect(blk.inflight).toBe(2);
    const times: number[] = [];
    while (m.sim.step()) times.push(m.sim.now);
    // Flush completes at 0; the write's backend event at 2000 ns, then the device's completion event.
    expect(times).toEqual([0, 2000, 2000]);
    expect(Array.from(disk.store.bytes.subarray(8 * SECTOR, 8 * SECTOR + 3))).toEqual([0, 3, 6]);
    expect(d.popUsed(0).map(([, len]) => len)).toEqual([1, 1]);
    expect(blk.latency.summary().max).toBe(2000);
    request(d, 2, 0, 8, 512, true);
    request(d, 3, 0, 8, 1024, true);
    m.sim.run();
    expect(Array.from(m.ram.u8.subarray(DATA - m.ram.base + 3 * 4096, DATA - m.ram.base + 3 * 4096 + 3))).toEqual([0, 3, 6]);
    expect(d.popUsed(0).map(([, len]) => len)).toEqual([513, 1025]);
  });

  it("refuses save and restore while a request is in the backend, and saves as before once idle", () => {
    const { m, d, t } = asyncSetup();
    const idle = t.save();
    request(d, 0, 0, 0, 512, true);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isVmlabError(e) ? e.code : String(e);
      }
      return "no error";
    };
    expect(code(() => t.save())).toBe("VMLAB_VIRTIO_NOT_QUIESCENT");
    expect(code(() => t.restore(idle))).toBe("VMLAB_VIRTIO_NOT_QUIESCENT");
    m.sim.run();
    expect(code(() => t.save())).toBe("no error");
  });

  it("a completion reported after a device reset completes to nobody and still frees save", () => {
    const { m, d, blk, t } = asyncSetup();
    request(d, 0, 0, 0, 512, true);
    d.setReg(0x70, 0);
    m.sim.run();
    expect(blk.reads.value).toBe(0);
    expect(m.ram.u8[STATUS - m.ram.base]).toBe(0);
    expect(() => t.save()).not.toThrow();
  });

  it("a backend that returns BLOCK_PENDING without a completion listener is refused", () => {
    const { d } = asyncSetup(false);
    expect(() => request(d, 0, 0, 0, 512, true)).toThrow(expect.objectContaining({ code: "VMLAB_VIRTIO_BAD_OPTION" }));
  });
});

describe("attachInQemuOrder", () => {
  it("puts the first device in slot 7 and the next ones below, as QEMU's command line does", () => {
    const m = new Machine({ ramMiB: 16 });
    const blk = new VirtioBlk({ backend: new MemoryBackend({ sizeBytes: 4096 }) });
    const rng = new VirtioRng({ entropy: { mode: "virtual", seed: 1 } });
    attachInQemuOrder(m, [blk, rng]);
    expect(m.bus.read(0x1000_8008, 4)).toBe(2);
    expect(m.bus.read(0x1000_7008, 4)).toBe(4);
    expect(m.virtio.transports[7].device).toBe(blk);
    expect(m.sim.kindId("virtio.slot7.blk.complete")).toBeGreaterThan(0);
  });
});
