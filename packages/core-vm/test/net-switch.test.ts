import { isVmlabError, Machine, Simulation, VirtioNet, VirtualSwitch } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { BROADCAST, frame, mac, rig, Tap } from "./switch-rig.js";
import { TestDriver } from "./virtio-driver.js";

describe("VirtualSwitch", () => {
  it("floods unknown destinations, learns sources, then forwards to one port only", () => {
    const { sim, sw, taps, ports } = rig();
    ports[0].send(frame(mac(2), mac(1)), 0);
    sim.run();
    expect(taps.map((t) => t.got.length)).toEqual([0, 1, 1]);
    expect(sw.flooded.value).toBe(1);
    ports[1].send(frame(mac(1), mac(2)), sim.now);
    sim.run();
    expect(taps.map((t) => t.got.length)).toEqual([1, 1, 1]);
    expect(sw.forwarded.value).toBe(1);
    expect(sw.portOf(new Uint8Array(mac(2)))).toBe(1);
  });

  it("floods broadcasts and never sends a frame back out of its own port", () => {
    const { sim, taps, ports } = rig();
    ports[1].send(frame(BROADCAST, mac(2)), 0);
    ports[1].send(frame(mac(2), mac(3)), 0);
    sim.run();
    // The second frame is for mac 2, just learned on port 1 itself: filtered, not flooded.
    expect(taps.map((t) => t.got.length)).toEqual([1, 0, 1]);
  });

  it("times a frame by serialisation on both links plus both latencies, and queues back-to-back frames", () => {
    // 1000 bytes at 8 Gbit/s = 1000 ns per link; latency 1000 ns per link.
    const { sim, taps, ports } = rig();
    ports[0].send(frame(BROADCAST, mac(1), 1000), 0);
    ports[0].send(frame(BROADCAST, mac(1), 1000), 0);
    sim.run();
    expect(taps[1].got.map((g) => g.at)).toEqual([4000, 5000]);
  });

  it("drops runts shorter than an Ethernet header", () => {
    const { sim, taps, ports } = rig();
    ports[0].send(new Uint8Array(10), 0);
    sim.run();
    expect(taps.every((t) => t.got.length === 0)).toBe(true);
  });

  it("save/restore keeps learned addresses and link queues; a state for other ports is refused", () => {
    const a = rig();
    a.ports[0].send(frame(mac(2), mac(1), 1000), 0);
    const b = rig();
    b.sw.restore(JSON.parse(JSON.stringify(a.sw.save())));
    expect(b.sw.save()).toEqual(a.sw.save());
    expect(b.sw.portOf(new Uint8Array(mac(1)))).toBe(0);
    const small = new VirtualSwitch();
    small.connect(new Tap(new Simulation()), new Simulation());
    let code = "";
    try {
      small.restore(a.sw.save());
    } catch (e) {
      code = isVmlabError(e) ? e.code : "other";
    }
    expect(code).toBe("VMLAB_SIM_BAD_STATE");
  });

  it("rejects a negative latency and a zero bandwidth", () => {
    const sw = new VirtualSwitch();
    const sim = new Simulation();
    expect(() => sw.connect(new Tap(sim), sim, { latencyNs: -1 })).toThrow(expect.objectContaining({ code: "VMLAB_NET_BAD_OPTION" }));
    expect(() => sw.connect(new Tap(sim), sim, { bandwidthBps: 0 })).toThrow(expect.objectContaining({ code: "VMLAB_NET_BAD_OPTION" }));
  });
});

describe("VirtioNet", () => {
  const RXBUF = 0x8200_0000;
  const TXBUF = 0x8210_0000;

  function nic() {
    const m = new Machine({ ramMiB: 64 });
    const n = new VirtioNet({ mac: "52:54:00:00:00:07", rxBacklog: 2 });
    const t = m.attachVirtio(2, n);
    const sw = new VirtualSwitch();
    const tap = new Tap(m.sim);
    const tapPort = sw.connect(tap, m.sim, { latencyNs: 100 });
    n.plug(sw.connect(n, m.sim, { latencyNs: 100 }));
    const d = new TestDriver(m, 2);
    d.init(2, 16);
    return { m, n, t, d, tap, tapPort };
  }

  it("shows its MAC in config space and offers VIRTIO_NET_F_MAC", () => {
    const { d } = nic();
    d.setReg(0x14, 0);
    expect(d.reg(0x10) & (1 << 5)).not.toBe(0);
    const bytes = [0, 1, 2, 3, 4, 5].map((i) => d.m.bus.read(d.base + 0x100 + i, 1));
    expect(bytes).toEqual([0x52, 0x54, 0, 0, 0, 7]);
  });

  it("strips the 12-byte header on transmit and adds it (num_buffers = 1) on receive", () => {
    const { m, d, tap, tapPort, n } = nic();
    const f = frame(BROADCAST, [0x52, 0x54, 0, 0, 0, 7], 60);
    m.ram.write(TXBUF + 12, f);
    d.push(1, [{ addr: TXBUF, len: 12 + 60, writable: false }]);
    expect(d.popUsed(1)).toHaveLength(1);
    m.sim.run();
    expect(tap.got).toHaveLength(1);
    expect(tap.got[0].frame).toEqual(Array.from(f));
    d.push(0, [{ addr: RXBUF, len: 1526, writable: true }]);
    const back = frame([0x52, 0x54, 0, 0, 0, 7], mac(9), 80);
    tapPort.send(back, m.sim.now);
    m.sim.run();
    expect(d.popUsed(0)).toEqual([[0, 92]]);
    expect(Array.from(m.ram.read(RXBUF, 12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(m.ram.read(RXBUF + 12, 80))).toEqual(Array.from(back));
    expect(n.rxFrames.value).toBe(1);
  });

  it("holds frames while no receive buffer is posted (up to rxBacklog), then delivers them in order", () => {
    const { m, d, tapPort, n } = nic();
    for (let i = 0; i < 3; i++) tapPort.send(frame([0x52, 0x54, 0, 0, 0, 7], mac(10 + i)), 0);
    m.sim.run();
    expect(n.rxDropped.value).toBe(1);
    const saved = JSON.parse(JSON.stringify(n.save()));
    expect(saved.backlog).toHaveLength(2);
    d.push(0, [{ addr: RXBUF, len: 1526, writable: true }]);
    d.push(0, [{ addr: RXBUF + 2048, len: 1526, writable: true }]);
    expect(d.popUsed(0).map(([, len]) => len)).toEqual([76, 76]);
    expect(m.ram.u8[RXBUF - m.ram.base + 12 + 11]).toBe(10);
    expect(m.ram.u8[RXBUF + 2048 - m.ram.base + 12 + 11]).toBe(11);
  });

  it("save/restore round-trips the backlog; another NIC's state is refused", () => {
    const a = nic();
    a.tapPort.send(frame([0x52, 0x54, 0, 0, 0, 7], mac(3)), 0);
    a.m.sim.run();
    const state = JSON.parse(JSON.stringify(a.t.save()));
    const b = nic();
    b.t.restore(state);
    expect(b.t.save()).toEqual(state);
    const other = new Machine({ ramMiB: 64 });
    const t = other.attachVirtio(2, new VirtioNet({ mac: "52:54:00:00:00:08" }));
    expect(() => t.restore(state)).toThrow(expect.objectContaining({ code: "VMLAB_SIM_BAD_STATE" }));
  });

  it("refuses a multicast or malformed MAC", () => {
    expect(() => new VirtioNet({ mac: "53:54:00:00:00:01" })).toThrow(expect.objectContaining({ code: "VMLAB_VIRTIO_BAD_OPTION" }));
    expect(() => new VirtioNet({ mac: "52:54:00:00:01" })).toThrow(expect.objectContaining({ code: "VMLAB_VIRTIO_BAD_OPTION" }));
  });
});
