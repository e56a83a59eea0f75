/**
 * The virtio-mmio transport's register rules (virtio 1.x §4.2.2, §2.1) as a
 * driver sees them, through virtio-rng (single-descriptor requests). Each
 * test failed against a one-line change to mmio.ts that every other test let
 * through.
 */
import { Machine, type VirtioDevice, VirtioRng } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";
import {
  ACKNOWLEDGE,
  DEVICE_FEATURES,
  DRIVER,
  DRIVER_FEATURES,
  DRIVER_FEATURES_SEL,
  DRIVER_OK,
  FEATURES_OK,
  INTERRUPT_ACK,
  INTERRUPT_STATUS,
  MAGIC,
  NEEDS_RESET,
  QUEUE_DESC_HIGH,
  QUEUE_DESC_LOW,
  QUEUE_DEVICE_HIGH,
  QUEUE_DRIVER_HIGH,
  QUEUE_NOTIFY,
  QUEUE_NUM,
  QUEUE_READY,
  QUEUE_SEL,
  STATUS,
} from "./virtio-mmio-spec.js";

const NUM = 8;
const BUF = 0x8200_0000;
const RING = 0x8100_0000;

function setup() {
  const m = new Machine({ ramMiB: 64 });
  const rng = new VirtioRng({ entropy: { mode: "virtual", seed: 1 }, queueSize: NUM });
  const t = m.attachVirtio(0, rng);
  const d = new TestDriver(m, 0, RING);
  return { m, rng, t, d };
}

/** One 16-byte request, run to completion; returns how many the device has served in all. */
function serveOne(s: ReturnType<typeof setup>, i: number): number {
  s.d.push(0, [{ addr: BUF + 64 * i, len: 16, writable: true }]);
  s.m.sim.run();
  return s.rng.requests.value;
}

describe("virtio-mmio registers", () => {
  it("reads the common registers only 32 bits wide: narrower reads return 0, as QEMU's transport does", () => {
    const { d, m } = setup();
    expect(d.reg(MAGIC)).toBe(0x74726976);
    expect(m.bus.read(d.base + MAGIC, 1)).toBe(0);
    expect(m.bus.read(d.base + MAGIC, 2)).toBe(0);
  });

  it("keeps only offered feature bits of what the driver writes to DriverFeatures", () => {
    const { d, t } = setup();
    d.setReg(STATUS, ACKNOWLEDGE | DRIVER);
    d.setReg(DRIVER_FEATURES_SEL, 0);
    d.setReg(DRIVER_FEATURES, 0xffff_ffff);
    d.setReg(DRIVER_FEATURES_SEL, 1);
    d.setReg(DRIVER_FEATURES, 0xffff_ffff);
    d.setReg(0x14, 1);
    const offered1 = d.reg(DEVICE_FEATURES);
    d.setReg(0x14, 0);
    expect(t.save().driverFeatures).toEqual([d.reg(DEVICE_FEATURES), offered1]);
  });

  it("ignores writes to a ready queue's size and ring addresses (§4.2.3.2): requests keep being served", () => {
    const s = setup();
    s.d.init(1, NUM);
    expect(serveOne(s, 0)).toBe(1);
    expect(s.d.popUsed(0)).toEqual([[0, 16]]);
    s.d.setReg(QUEUE_SEL, 0);
    s.d.setReg(QUEUE_NUM, 2);
    s.d.setReg(QUEUE_DESC_LOW, RING + 0x4000);
    s.d.setReg(QUEUE_DESC_HIGH, 1);
    for (let i = 1; i < 2 * NUM; i++) {
      expect(serveOne(s, i)).toBe(i + 1);
      // The used ring still has NUM entries: each request comes back in the entry the driver expects, with its own head.
      expect(s.d.popUsed(0)).toEqual([[i % NUM, 16]]);
    }
    expect(s.d.reg(STATUS) & NEEDS_RESET).toBe(0);
  });

  it("a non-zero high word of a ring address (no RAM above 4 GiB) keeps the queue from becoming ready", () => {
    for (const high of [QUEUE_DESC_HIGH, QUEUE_DRIVER_HIGH, QUEUE_DEVICE_HIGH]) {
      const s = setup();
      s.d.init(1, NUM);
      s.d.setReg(QUEUE_SEL, 0);
      s.d.setReg(QUEUE_READY, 0);
      s.d.setReg(high, 1);
      s.d.setReg(QUEUE_READY, 1);
      expect(s.d.reg(QUEUE_READY)).toBe(0);
      expect(s.d.reg(STATUS) & NEEDS_RESET).toBe(NEEDS_RESET);
    }
  });

  it("keeps DEVICE_NEEDS_RESET until a reset and serves no request meanwhile, even on a queue made ready again", () => {
    const s = setup();
    s.d.init(1, NUM);
    s.d.setReg(QUEUE_SEL, 0);
    s.d.setReg(QUEUE_READY, 0);
    s.d.setReg(QUEUE_NUM, 3); // not a power of two: QueueReady is refused with DEVICE_NEEDS_RESET
    s.d.setReg(QUEUE_READY, 1);
    expect(s.d.reg(STATUS) & NEEDS_RESET).toBe(NEEDS_RESET);
    s.d.setReg(QUEUE_NUM, NUM);
    s.d.setReg(QUEUE_READY, 1);
    expect(s.d.reg(QUEUE_READY)).toBe(1);
    // Only a reset clears the bit: a Status write without it leaves it set.
    s.d.setReg(STATUS, s.d.reg(STATUS) & ~NEEDS_RESET);
    expect(s.d.reg(STATUS) & NEEDS_RESET).toBe(NEEDS_RESET);
    expect(serveOne(s, 0)).toBe(0);
    expect(s.d.popUsed(0)).toEqual([]);
  });

  it("consumes no buffer before DRIVER_OK (§2.1): a notify before it is ignored, one after it is served", () => {
    const s = setup();
    s.d.init(1, NUM); // registers the rings with the test driver; then set up again, stopping short of DRIVER_OK
    s.d.setReg(STATUS, 0);
    s.d.setReg(STATUS, ACKNOWLEDGE | DRIVER);
    s.d.setReg(DRIVER_FEATURES_SEL, 1);
    s.d.setReg(DRIVER_FEATURES, 1); // VERSION_1
    s.d.setReg(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
    s.d.setReg(QUEUE_SEL, 0);
    s.d.setReg(QUEUE_NUM, NUM);
    s.d.setReg(QUEUE_DESC_LOW, RING);
    s.d.setReg(0x90, RING + 16 * NUM);
    s.d.setReg(0xa0, RING + 0x8000);
    s.d.setReg(QUEUE_READY, 1);
    expect(serveOne(s, 0)).toBe(0);
    expect(s.d.reg(INTERRUPT_STATUS)).toBe(0);
    s.d.setReg(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
    s.d.setReg(QUEUE_NOTIFY, 0);
    s.m.sim.run();
    expect(s.rng.requests.value).toBe(1);
  });

  it("InterruptACK of one cause keeps the line raised while another is still set", () => {
    const s = setup();
    s.d.init(1, NUM);
    const line = () => (s.m.plic.level[0] >>> 1) & 1; // slot 0 drives PLIC source 1
    expect(serveOne(s, 0)).toBe(1);
    s.d.setReg(QUEUE_SEL, 0);
    s.d.setReg(QUEUE_READY, 0);
    s.d.setReg(QUEUE_NUM, 3); // refused: DEVICE_NEEDS_RESET and a configuration-change interrupt
    s.d.setReg(QUEUE_READY, 1);
    expect(s.d.reg(INTERRUPT_STATUS)).toBe(1 | 2);
    s.d.setReg(INTERRUPT_ACK, 1);
    expect(s.d.reg(INTERRUPT_STATUS)).toBe(2);
    expect(line()).toBe(1);
    s.d.setReg(INTERRUPT_ACK, 2);
    expect(line()).toBe(0);
  });

  it("a device reset (Status = 0) clears InterruptStatus and lowers the line", () => {
    const s = setup();
    s.d.init(1, NUM);
    const line = () => (s.m.plic.level[0] >>> 1) & 1;
    expect(serveOne(s, 0)).toBe(1);
    expect(line()).toBe(1);
    s.d.setReg(STATUS, 0);
    expect(s.d.reg(INTERRUPT_STATUS)).toBe(0);
    expect(line()).toBe(0);
  });

  it("restore drives the line from the restored InterruptStatus: raised if a cause is pending, lowered if none", () => {
    const a = setup();
    a.d.init(1, NUM);
    serveOne(a, 0);
    const pending = JSON.parse(JSON.stringify(a.t.save()));
    a.d.ack();
    const quiet = JSON.parse(JSON.stringify(a.t.save()));
    const b = setup();
    b.d.init(1, NUM);
    const line = () => (b.m.plic.level[0] >>> 1) & 1;
    b.t.restore(pending);
    expect(line()).toBe(1);
    b.t.restore(quiet);
    expect(line()).toBe(0);
  });

  it("activates the device once per DRIVER_OK: rewriting Status with DRIVER_OK still set does not activate it again", () => {
    const activations: number[][] = [];
    const device: VirtioDevice = {
      deviceId: 4,
      queueSizes: [NUM],
      features: () => 0,
      readConfig: () => 0,
      writeConfig() {},
      bind() {},
      activate: (f) => activations.push([...f]),
      notify() {},
      reset() {},
      save: () => null,
      restore() {},
    };
    const m = new Machine({ ramMiB: 64 });
    m.attachVirtio(0, device);
    const d = new TestDriver(m, 0, RING);
    d.init(1, NUM);
    const ok = d.reg(STATUS);
    expect(ok & DRIVER_OK).toBe(DRIVER_OK);
    d.setReg(STATUS, ok);
    d.setReg(STATUS, ok);
    expect(activations).toEqual([[0, 1]]); // once, with VERSION_1 (bit 32) negotiated
  });
});
