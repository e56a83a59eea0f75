/**
 * The split virtqueue's rules (virtio 1.x §2.7) as a driver sees them, through
 * virtio-rng: its requests are single writable descriptors, so a ring can be
 * filled to exactly its size and its indices placed anywhere in their 16-bit
 * range. Each test failed against a one-line change to virtqueue.ts or
 * mmio.ts that every other test let through.
 */
import { Machine, VirtioRng } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";
import {
  CONFIG_CHANGE,
  INTERRUPT_STATUS,
  NEEDS_RESET,
  QUEUE_NUM,
  QUEUE_NUM_MAX,
  QUEUE_READY,
  QUEUE_SEL,
  STATUS,
} from "./virtio-mmio-spec.js";

const NUM = 8;
const BUF = 0x8200_0000;
const RING = 0x8100_0000;
const AVAIL = RING + 16 * NUM;
const USED = RING + 0x8000;

function setup() {
  const m = new Machine({ ramMiB: 64 });
  const rng = new VirtioRng({ entropy: { mode: "virtual", seed: 1 }, queueSize: NUM });
  const t = m.attachVirtio(0, rng);
  const d = new TestDriver(m, 0, RING);
  d.init(1, NUM);
  return { m, rng, t, d };
}

const u16At = (m: Machine, addr: number) => new DataView(m.ram.u8.buffer).getUint16(addr - m.ram.base, true);

/** Puts the device's and the driver's ring indices at `idx`, as after `idx` requests (the index is free-running). */
function startAt(s: ReturnType<typeof setup>, idx: number): void {
  const state = s.t.save();
  state.queues[0].lastAvail = idx;
  state.queues[0].usedIdx = idx;
  s.t.restore(state);
  s.d.advanceAvail(0, idx, false);
}

describe("split virtqueue", () => {
  it("serves a ring filled to exactly its size (queue size entries available is legal, one more is not)", () => {
    const s = setup();
    for (let i = 0; i < NUM; i++) s.d.push(0, [{ addr: BUF + 64 * i, len: 16, writable: true }], false);
    s.d.setReg(0x50, 0);
    s.m.sim.run();
    expect(s.d.reg(STATUS) & NEEDS_RESET).toBe(0);
    expect(s.d.popUsed(0)).toHaveLength(NUM);
    expect(s.rng.requests.value).toBe(NUM);
  });

  it("keeps serving across the 16-bit wrap of the avail and used indices", () => {
    const s = setup();
    startAt(s, 0xfffc);
    for (let i = 0; i < NUM; i++) s.d.push(0, [{ addr: BUF + 64 * i, len: 16, writable: true }]);
    s.m.sim.run();
    expect(s.d.reg(STATUS) & NEEDS_RESET).toBe(0);
    expect(s.rng.requests.value).toBe(NUM);
    expect(u16At(s.m, USED + 2)).toBe(4);
    expect(s.t.save().queues[0]).toMatchObject({ lastAvail: 4, usedIdx: 4 });
  });

  it("an avail index more than the queue size ahead across the wrap is broken ring state, not work", () => {
    const s = setup();
    startAt(s, 0xfffc);
    // Fill every ring entry with a valid buffer, so only the index check can refuse them.
    for (let i = 0; i < NUM; i++) s.d.push(0, [{ addr: BUF + 64 * i, len: 16, writable: true }], false);
    s.d.advanceAvail(0, 1); // NUM + 1 entries now lie between the device's index and the driver's (0xfffc → 0x0005)
    expect(u16At(s.m, AVAIL + 2)).toBe(5);
    s.m.sim.run();
    expect(s.d.reg(STATUS) & NEEDS_RESET).toBe(NEEDS_RESET);
    expect(s.d.reg(INTERRUPT_STATUS) & CONFIG_CHANGE).toBe(CONFIG_CHANGE);
    expect(s.rng.requests.value).toBe(0);
  });

  it("a head or next index equal to the queue size names no descriptor: broken ring state, nothing served", () => {
    // The avail ring moves away from the table's end, so the 16 bytes past descriptor NUM-1 hold a valid descriptor:
    // only the index check can refuse it.
    const run = (chain: "head" | "next") => {
      const s = setup();
      const avail = RING + 0x1000;
      s.d.setReg(QUEUE_SEL, 0);
      s.d.setReg(QUEUE_READY, 0);
      s.d.setReg(0x90, avail);
      s.d.setReg(QUEUE_READY, 1);
      const dv = new DataView(s.m.ram.u8.buffer);
      const at = (addr: number) => addr - s.m.ram.base;
      const desc = (i: number, flags: number, next: number) => {
        dv.setUint32(at(RING + 16 * i), BUF + 64 * i, true);
        dv.setUint32(at(RING + 16 * i + 8), 16, true);
        dv.setUint16(at(RING + 16 * i + 12), flags, true);
        dv.setUint16(at(RING + 16 * i + 14), next, true);
      };
      desc(NUM, 2, 0); // writable, no next
      desc(0, 1 | 2, NUM); // writable, next = NUM
      dv.setUint16(at(avail + 4), chain === "head" ? NUM : 0, true);
      dv.setUint16(at(avail + 2), 1, true);
      s.d.setReg(0x50, 0);
      s.m.sim.run();
      return { needsReset: s.d.reg(STATUS) & NEEDS_RESET, served: s.rng.requests.value };
    };
    expect(run("head")).toEqual({ needsReset: NEEDS_RESET, served: 0 });
    expect(run("next")).toEqual({ needsReset: NEEDS_RESET, served: 0 });
  });

  it("a buffer address above 4 GiB (no RAM there) or the INDIRECT flag (not offered) is broken ring state, not served", () => {
    const run = (patch: (dv: DataView, desc0: number) => void) => {
      const s = setup();
      s.d.push(0, [{ addr: BUF, len: 16, writable: true }], false);
      patch(new DataView(s.m.ram.u8.buffer), RING - s.m.ram.base);
      s.d.setReg(0x50, 0);
      s.m.sim.run();
      return { needsReset: s.d.reg(STATUS) & NEEDS_RESET, served: s.rng.requests.value, ram: s.m.ram.u8[BUF - s.m.ram.base] };
    };
    const refused = { needsReset: NEEDS_RESET, served: 0, ram: 0 };
    expect(run((dv, d) => dv.setUint32(d + 4, 1, true))).toEqual(refused); // addr = 0x1_8200_0000
    expect(run((dv, d) => dv.setUint16(d + 12, dv.getUint16(d + 12, true) | 4, true))).toEqual(refused);
  });

  it("the device's used-ring writes dirty every page they touch, like CPU stores (an entry may straddle a page boundary)", () => {
    const s = setup();
    // Move the used ring so that ring[0] (bytes 4..11) straddles the boundary at 0x8110_0000.
    const used = 0x8110_0000 - 8;
    s.d.setReg(QUEUE_SEL, 0);
    s.d.setReg(QUEUE_READY, 0);
    s.d.setReg(0xa0, used);
    s.d.setReg(QUEUE_READY, 1);
    s.m.setDirtyTracking(true);
    s.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    s.m.sim.run();
    expect(s.rng.requests.value).toBe(1);
    expect(u16At(s.m, used + 2)).toBe(1);
    const dirty = s.m.ram.takeDirtyPages();
    expect(dirty).toContain((used - s.m.ram.base) >>> 12);
    expect(dirty).toContain((used + 8 - s.m.ram.base) >>> 12);
  });

  it("a QueueNum above QueueNumMax leaves the queue not ready and asks for a reset (§4.2.3.2)", () => {
    const m = new Machine({ ramMiB: 64 });
    m.attachVirtio(0, new VirtioRng({ entropy: { mode: "virtual", seed: 1 }, queueSize: NUM }));
    const d = new TestDriver(m, 0, RING);
    d.setReg(STATUS, 0);
    d.setReg(STATUS, 1 | 2);
    d.setReg(QUEUE_SEL, 0);
    expect(d.reg(QUEUE_NUM_MAX)).toBe(NUM);
    d.setReg(QUEUE_NUM, 2 * NUM);
    d.setReg(0x80, RING);
    d.setReg(0x90, AVAIL);
    d.setReg(0xa0, USED);
    d.setReg(QUEUE_READY, 1);
    expect(d.reg(QUEUE_READY)).toBe(0);
    expect(d.reg(STATUS) & NEEDS_RESET).toBe(NEEDS_RESET);
  });
});
