/**
 * virtio-blk's request rules (virtio 1.x §5.2) as a driver sees them. Each
 * test failed against a one-line change to blk.ts that every other test let
 * through.
 */
import { type BlockBackend, type BlockOp, isVmlabError, Machine, MemoryBackend, VirtioBlk } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";

const HDR = 0x8200_0000;
const DATA = 0x8201_0000;
const STATUS = 0x8203_0000;
const SECTOR = 512;
const T_IN = 0;
const T_GET_ID = 8;
const S_OK = 0;
const S_IOERR = 1;
/** Feature bits (§5.2.3) and config offsets (§5.2.4). */
const F_SEG_MAX = 1 << 2;
const F_BLK_SIZE = 1 << 6;
const F_FLUSH = 1 << 9;
const CONFIG = 0x100;

/** A disk of any size that stores nothing: for capacities no test could allocate. */
class HugeBackend implements BlockBackend {
  constructor(readonly sizeBytes: number) {}
  submit(_op: BlockOp, _offset: number, _length: number, nowNs: number): number {
    return nowNs + 1000;
  }
  read(): void {}
  write(): void {}
  flush(): void {}
  save(): unknown {
    return {};
  }
  restore(): void {}
}

function setup(options: { sizeBytes?: number; queueNum?: number; backend?: BlockBackend } = {}) {
  const m = new Machine({ ramMiB: 64 });
  const disk = new MemoryBackend({ sizeBytes: options.sizeBytes ?? 16 * SECTOR, latencyNs: 1000 });
  const blk = new VirtioBlk({ backend: options.backend ?? disk, queueDepth: 4, serial: "unit-disk" });
  const t = m.attachVirtio(3, blk);
  const d = new TestDriver(m, 3);
  d.init(1, options.queueNum ?? 64);
  const at = (addr: number) => addr - m.ram.base;
  return { m, disk, blk, t, d, at };
}

/** Runs one request (16-byte header of four words, optional data buffer, 1-byte status): its status byte and used length. */
function run(s: ReturnType<typeof setup>, header: number[], data: { len: number; writable: boolean } | null) {
  const dv = new DataView(s.m.ram.u8.buffer);
  header.forEach((w, i) => {
    dv.setUint32(s.at(HDR) + 4 * i, w, true);
  });
  s.m.ram.u8[s.at(STATUS)] = 0xff;
  const segs = [{ addr: HDR, len: 16, writable: false }];
  if (data !== null) segs.push({ addr: DATA, len: data.len, writable: data.writable });
  segs.push({ addr: STATUS, len: 1, writable: true });
  s.d.push(0, segs);
  s.m.sim.run();
  const used = s.d.popUsed(0);
  expect(used).toHaveLength(1);
  return { status: s.m.ram.u8[s.at(STATUS)], usedLen: used[0][1] };
}

describe("virtio-blk configuration (§5.2.3, §5.2.4)", () => {
  it("offers SEG_MAX, BLK_SIZE and FLUSH; config space holds capacity (u64 sectors), seg_max and blk_size", () => {
    const s = setup({ backend: new HugeBackend((3 * 2 ** 32 + 5) * SECTOR) });
    expect(s.d.reg(0x10) & (F_SEG_MAX | F_BLK_SIZE | F_FLUSH)).toBe(F_SEG_MAX | F_BLK_SIZE | F_FLUSH);
    expect(s.d.reg(CONFIG)).toBe(5);
    expect(s.d.reg(CONFIG + 4)).toBe(3);
    expect(s.d.reg(CONFIG + 20)).toBe(SECTOR);
  });

  it("serves a request of seg_max data segments (plus header and status descriptors)", () => {
    const s = setup({ sizeBytes: 256 * SECTOR, queueNum: 256 });
    const segMax = s.d.reg(CONFIG + 12);
    expect(segMax).toBeGreaterThan(0);
    new DataView(s.m.ram.u8.buffer).setUint32(s.at(HDR), T_IN, true);
    const segs = [{ addr: HDR, len: 16, writable: false }];
    for (let i = 0; i < segMax; i++) segs.push({ addr: DATA + SECTOR * i, len: SECTOR, writable: true });
    segs.push({ addr: STATUS, len: 1, writable: true });
    s.m.ram.u8[s.at(STATUS)] = 0xff;
    s.d.push(0, segs);
    s.m.sim.run();
    expect(s.d.reg(0x70) & 64).toBe(0);
    expect(s.m.ram.u8[s.at(STATUS)]).toBe(S_OK);
    expect(s.d.popUsed(0)).toEqual([[0, segMax * SECTOR + 1]]);
  });
});

describe("virtio-blk requests (§5.2.6)", () => {
  it("reads the disk's last sector; one sector further is IOERR", () => {
    const s = setup();
    expect(run(s, [T_IN, 0, 15, 0], { len: SECTOR, writable: true })).toEqual({ status: S_OK, usedLen: SECTOR + 1 });
    expect(run(s, [T_IN, 0, 16, 0], { len: SECTOR, writable: true }).status).toBe(S_IOERR);
  });

  it("takes the sector as a u64: a high word past the disk's end is IOERR, not a wrap to a low sector", () => {
    const s = setup();
    expect(run(s, [T_IN, 0, 0, 1], { len: SECTOR, writable: true })).toEqual({ status: S_IOERR, usedLen: 1 });
    expect(s.blk.reads.value).toBe(0);
  });

  it("GET_ID: writes 20 bytes at most, the serial NUL-padded; a device-readable buffer is IOERR", () => {
    const s = setup();
    s.m.ram.u8.fill(0xaa, s.at(DATA), s.at(DATA) + 64);
    s.m.setDirtyTracking(true);
    expect(run(s, [T_GET_ID, 0, 0, 0], { len: 64, writable: true })).toEqual({ status: S_OK, usedLen: 21 });
    expect(s.m.ram.takeDirtyPages()).toContain(s.at(DATA) >>> 12); // a device write, like a CPU store, dirties its page
    const id = s.m.ram.u8.subarray(s.at(DATA), s.at(DATA) + 21);
    expect(Buffer.from(id.subarray(0, 9)).toString("latin1")).toBe("unit-disk");
    expect(Array.from(id.subarray(9, 20))).toEqual(new Array(11).fill(0));
    expect(id[20]).toBe(0xaa); // past the 20 id bytes: untouched
    expect(run(s, [T_GET_ID, 0, 0, 0], { len: 20, writable: false })).toEqual({ status: S_IOERR, usedLen: 1 });
  });

  it("a header shorter than 16 bytes is IOERR in the status byte", () => {
    const s = setup();
    s.m.ram.u8[s.at(STATUS)] = 0xff;
    s.d.push(0, [
      { addr: HDR, len: 8, writable: false },
      { addr: STATUS, len: 1, writable: true },
    ]);
    s.m.sim.run();
    expect(s.m.ram.u8[s.at(STATUS)]).toBe(S_IOERR);
    expect(s.d.popUsed(0)).toEqual([[0, 1]]);
    expect(s.blk.errors.value).toBe(1);
  });

  it("a zero-length last descriptor holds no status byte: the device asks for a reset and writes nothing", () => {
    const s = setup();
    new DataView(s.m.ram.u8.buffer).setUint32(s.at(HDR), T_IN, true);
    s.m.ram.u8.fill(0xee, s.at(DATA), s.at(DATA) + SECTOR);
    s.d.push(0, [
      { addr: HDR, len: 16, writable: false },
      { addr: DATA, len: SECTOR, writable: true },
      { addr: DATA + SECTOR, len: 0, writable: true },
    ]);
    s.m.sim.run();
    expect(s.d.reg(0x70) & 64).toBe(64);
    expect(s.d.popUsed(0)).toEqual([]);
    expect(s.m.ram.u8[s.at(DATA) + SECTOR - 1]).toBe(0xee);
  });
});

describe("virtio-blk restore", () => {
  it("refuses a state whose service slots are not each in flight or free exactly once, changing nothing", () => {
    const s = setup();
    new DataView(s.m.ram.u8.buffer).setUint32(s.at(HDR), T_IN, true);
    s.d.push(0, [
      { addr: HDR, len: 16, writable: false },
      { addr: DATA, len: SECTOR, writable: true },
      { addr: STATUS, len: 1, writable: true },
    ]);
    const good = s.t.save();
    type Blk = { inflight: { slot: number }[]; free: number[] };
    const corrupt = (edit: (b: Blk) => void) => {
      const state = JSON.parse(JSON.stringify(good));
      edit(state.device as Blk);
      return state;
    };
    const bad = [
      corrupt((b) => {
        b.inflight.push({ ...b.inflight[0] }); // the same slot in flight twice (every slot still accounted for)
      }),
      corrupt((b) => {
        b.free.pop(); // a slot neither in flight nor free
      }),
    ];
    for (const state of bad) {
      let code: string | undefined;
      try {
        s.t.restore(state);
      } catch (e) {
        code = isVmlabError(e) ? e.code : String(e);
      }
      expect(code).toBe("VMLAB_SIM_BAD_STATE");
      expect(s.t.save()).toEqual(good);
    }
  });
});

describe("virtio-blk options", () => {
  it("refuses a queue size that is not a power of two (split virtqueues, §2.7) and a serial that is not printable ASCII", () => {
    const backend = new MemoryBackend({ sizeBytes: 4096 });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isVmlabError(e) ? e.code : String(e);
      }
      return "none";
    };
    expect(codeOf(() => new VirtioBlk({ backend, queueSize: 96 }))).toBe("VMLAB_VIRTIO_BAD_OPTION");
    expect(codeOf(() => new VirtioBlk({ backend, queueSize: 128 }))).toBe("none");
    expect(codeOf(() => new VirtioBlk({ backend, serial: "disk\n0" }))).toBe("VMLAB_VIRTIO_BAD_OPTION");
    expect(codeOf(() => new VirtioBlk({ backend, serial: "disk-0" }))).toBe("none");
  });
});
