import { type InterruptModerator, Machine, MemoryBackend, VirtioBlk, VirtioNet, VirtioRng, VirtualSwitch } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";

/**
 * Used buffer notification suppression for split virtqueues (virtio 1.x
 * §2.7.7): without VIRTIO_F_EVENT_IDX, a driver that sets
 * VIRTQ_AVAIL_F_NO_INTERRUPT (bit 0 of the avail ring's flags) gets its
 * used buffers but no interrupt; the device reads the flag when it decides
 * to notify, after writing the used ring.
 */
const NO_INTERRUPT = 1;
/** VIRTIO_F_EVENT_IDX (§6): feature bit 29 of word 0. */
const F_EVENT_IDX = 1 << 29;
const BUF = 0x8200_0000;

/** Whether `slot`'s PLIC source (1 + slot) is raised. */
const line = (m: Machine, slot: number) => (m.plic.level[0] & (1 << (slot + 1))) !== 0;

function rng(slot = 0) {
  const m = new Machine({ ramMiB: 64 });
  const t = m.attachVirtio(slot, new VirtioRng({ entropy: { mode: "virtual", seed: 1 }, latencyNs: 500 }));
  const d = new TestDriver(m, slot);
  d.init(1, 8);
  return { m, t, d };
}

function blk(moderator?: InterruptModerator) {
  const m = new Machine({ ramMiB: 64 });
  const disk = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 1000 });
  const t = m.attachVirtio(3, new VirtioBlk({ backend: disk, queueDepth: 4, interruptModerator: moderator }));
  const d = new TestDriver(m, 3);
  d.init(1, 16);
  return { m, t, d };
}

function blkRead(d: TestDriver, i: number): void {
  d.blkHeader(BUF + 16 * i, 0, i);
  d.push(0, [
    { addr: BUF + 16 * i, len: 16, writable: false },
    { addr: BUF + 0x1000 + 512 * i, len: 512, writable: true },
    { addr: BUF + 0x800 + i, len: 1, writable: true },
  ]);
}

function nic() {
  const m = new Machine({ ramMiB: 64 });
  const n = new VirtioNet({ mac: "52:54:00:00:00:07" });
  const t = m.attachVirtio(2, n);
  const sw = new VirtualSwitch();
  const peer = sw.connect({ receive() {} }, m.sim, { latencyNs: 100 });
  n.plug(sw.connect(n, m.sim, { latencyNs: 100 }));
  const d = new TestDriver(m, 2);
  d.init(2, 16);
  return { m, t, d, peer };
}

const frame = () => {
  const f = new Uint8Array(64);
  f.set([0x52, 0x54, 0, 0, 0, 7], 0);
  f.set([0x52, 0x54, 0, 0, 0, 9], 6);
  return f;
};

describe("used buffer notification suppression (VIRTQ_AVAIL_F_NO_INTERRUPT)", () => {
  it("no device offers VIRTIO_F_EVENT_IDX, so the flag (not used_event) governs notifications", () => {
    for (const s of [rng(), blk(), nic()]) {
      s.d.setReg(0x14, 0);
      expect(s.d.reg(0x10) & F_EVENT_IDX).toBe(0);
    }
  });

  it("virtio-rng: with the flag clear a completion interrupts; with it set the buffer is used but nothing is raised", () => {
    const on = rng();
    on.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    on.m.sim.run();
    expect(on.d.popUsed(0)).toEqual([[0, 16]]);
    expect(on.t.interruptStatus).toBe(1);
    expect(line(on.m, 0)).toBe(true);

    const off = rng();
    off.d.setAvailFlags(0, NO_INTERRUPT);
    off.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    off.m.sim.run();
    expect(off.d.popUsed(0)).toEqual([[0, 16]]);
    expect(off.t.interruptStatus).toBe(0);
    expect(off.d.reg(0x60)).toBe(0);
    expect(line(off.m, 0)).toBe(false);
  });

  it("the flag is read when the device completes, not when it took the request", () => {
    const late = rng();
    late.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    late.d.setAvailFlags(0, NO_INTERRUPT); // set after the notify, before the completion
    late.m.sim.run();
    expect(late.d.popUsed(0)).toHaveLength(1);
    expect(late.t.interruptStatus).toBe(0);

    const cleared = rng();
    cleared.d.setAvailFlags(0, NO_INTERRUPT);
    cleared.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    cleared.d.setAvailFlags(0, 0); // the driver wants interrupts again before the completion
    cleared.m.sim.run();
    expect(cleared.t.interruptStatus).toBe(1);
  });

  it("used_event is ignored without EVENT_IDX: an index the device has not reached does not hold the interrupt", () => {
    const s = rng();
    s.d.setUsedEvent(0, 5);
    s.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    s.m.sim.run();
    expect(s.t.interruptStatus).toBe(1);
  });

  it("suppression does not take back an interrupt already pending", () => {
    const s = rng();
    s.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    s.m.sim.run();
    s.d.setAvailFlags(0, NO_INTERRUPT);
    s.d.push(0, [{ addr: BUF + 64, len: 16, writable: true }]);
    s.m.sim.run();
    expect(s.d.popUsed(0)).toHaveLength(2);
    expect(s.d.ack()).toBe(1);
    expect(line(s.m, 0)).toBe(false);
  });

  it("virtio-blk: a suppressed completion is in the used ring with its status, and raises nothing", () => {
    const s = blk();
    s.d.setAvailFlags(0, NO_INTERRUPT);
    blkRead(s.d, 0);
    blkRead(s.d, 1);
    s.m.sim.run();
    expect(s.d.popUsed(0).map(([, len]) => len)).toEqual([513, 513]);
    expect(s.m.ram.u8[BUF + 0x800 - s.m.ram.base]).toBe(0);
    expect(s.t.interruptStatus).toBe(0);
    expect(line(s.m, 3)).toBe(false);
    s.d.setAvailFlags(0, 0);
    blkRead(s.d, 2);
    s.m.sim.run();
    expect(s.t.interruptStatus).toBe(1);
    expect(line(s.m, 3)).toBe(true);
  });

  it("virtio-blk with a moderator: the moderator still sees every completion; the driver's flag, read after it decides, wins", () => {
    let d: TestDriver | undefined;
    const decisions: boolean[] = [];
    // Delivers every completion, and sets the driver's flag as the first one completes: the used ring is
    // already written, so the device must see the flag when it decides to notify (§2.7.7.2).
    const mod: InterruptModerator = {
      onSubmit() {},
      onComplete() {
        decisions.push(true);
        d?.setAvailFlags(0, NO_INTERRUPT);
        return true;
      },
    };
    const s = blk(mod);
    d = s.d;
    blkRead(s.d, 0);
    s.m.sim.run();
    expect(decisions).toEqual([true]);
    expect(s.d.popUsed(0)).toHaveLength(1);
    expect(s.t.interruptStatus).toBe(0);
  });

  it("virtio-net: the flag is per queue — a suppressed receive queue does not silence transmit", () => {
    const s = nic();
    s.d.setAvailFlags(0, NO_INTERRUPT);
    s.d.push(0, [{ addr: BUF, len: 1526, writable: true }]);
    s.peer.send(frame(), 0);
    s.m.sim.run();
    expect(s.d.popUsed(0)).toEqual([[0, 12 + 64]]);
    expect(s.t.interruptStatus).toBe(0);
    s.m.ram.write(BUF + 0x1000 + 12, frame());
    s.d.push(1, [{ addr: BUF + 0x1000, len: 12 + 64, writable: false }]);
    expect(s.d.popUsed(1)).toHaveLength(1);
    expect(s.t.interruptStatus).toBe(1);
    s.d.ack();
    s.d.setAvailFlags(1, NO_INTERRUPT);
    s.d.push(1, [{ addr: BUF + 0x1000, len: 12 + 64, writable: false }]);
    expect(s.d.popUsed(1)).toHaveLength(1);
    expect(s.t.interruptStatus).toBe(0);
    expect(line(s.m, 2)).toBe(false);
  });
});
