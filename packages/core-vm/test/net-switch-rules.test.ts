import { Simulation, VirtualSwitch } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { BROADCAST, frame, mac, rig, Tap } from "./switch-rig.js";

// VirtualSwitch rules (docs/virtio.md "Network"): learning, store-and-forward timing, lockstep safety, snapshots.

describe("VirtualSwitch rules", () => {
  it("forwards a frame of exactly an Ethernet header (14 bytes); only shorter ones are runts", () => {
    const { sim, taps, ports } = rig();
    ports[0].send(frame(BROADCAST, mac(1), 14), 0);
    ports[0].send(frame(BROADCAST, mac(1), 13), 0);
    sim.run();
    expect(taps[1].got.map((g) => g.frame.length)).toEqual([14]);
  });

  it("does not learn a multicast source address", () => {
    const { sim, sw, ports } = rig();
    const group = [0x01, 0x00, 0x5e, 0, 0, 1];
    ports[0].send(frame(BROADCAST, group), 0);
    sim.run();
    expect(sw.portOf(new Uint8Array(group))).toBe(-1);
  });

  it("rounds a frame's wire time up to whole ns", () => {
    // 64 bytes at 3 Gbit/s = 170.67 ns per link: 171 + 1000 + 171 + 1000.
    const { sim, taps, ports } = rig({ latencyNs: 1000, bandwidthBps: 3e9 });
    ports[0].send(frame(BROADCAST, mac(1)), 0);
    sim.run();
    expect(taps[1].got[0].at).toBe(2342);
  });

  it("queues frames from two senders at the receiver's port: the second waits for the first to cross its link", () => {
    const { sim, taps, ports } = rig();
    ports[0].send(frame(BROADCAST, mac(1), 1000), 0);
    ports[1].send(frame(BROADCAST, mac(2), 1000), 0);
    sim.run();
    expect(taps[2].got.map((g) => g.at)).toEqual([4000, 5000]);
  });

  it("queues a sender's frames on its own link even when they go to different ports", () => {
    const { sim, taps, ports } = rig();
    ports[1].send(frame(BROADCAST, mac(2), 14), 0);
    ports[2].send(frame(BROADCAST, mac(3), 14), 0);
    sim.run();
    const t = 100_000;
    ports[0].send(frame(mac(2), mac(1), 1000), t);
    ports[0].send(frame(mac(3), mac(1), 1000), t);
    sim.run();
    expect(taps[1].got.at(-1)?.at).toBe(t + 4000);
    expect(taps[2].got.at(-1)?.at).toBe(t + 5000);
  });

  it("delivers a frame that would land in the receiver's past at its present, and counts it late", () => {
    const sw = new VirtualSwitch();
    const sa = new Simulation();
    const sb = new Simulation();
    const tb = new Tap(sb);
    const pa = sw.connect(new Tap(sa), sa, { latencyNs: 100 });
    sw.connect(tb, sb, { latencyNs: 100 });
    sb.run({ until: 1_000_000 });
    pa.send(frame(BROADCAST, mac(1)), 0);
    sb.run();
    expect(tb.got.map((g) => g.at)).toEqual([1_000_000]);
    expect(sw.late.value).toBe(1);
    // The late count survives a snapshot.
    const again = new VirtualSwitch();
    for (const sim of [new Simulation(), new Simulation()]) again.connect(new Tap(sim), sim, { latencyNs: 100 });
    again.restore(JSON.parse(JSON.stringify(sw.save())));
    expect(again.late.value).toBe(1);
  });

  it("minLatencyNs is the smallest link latency (Infinity with no port)", () => {
    const sw = new VirtualSwitch();
    expect(sw.minLatencyNs).toBe(Number.POSITIVE_INFINITY);
    const sim = new Simulation();
    for (const latencyNs of [300, 100, 200]) sw.connect(new Tap(sim), sim, { latencyNs });
    expect(sw.minLatencyNs).toBe(100);
  });

  it("refuses a fractional latency and an infinite bandwidth", () => {
    const sw = new VirtualSwitch();
    const sim = new Simulation();
    expect(thrownCode(() => sw.connect(new Tap(sim), sim, { latencyNs: 1.5 }))).toBe("VMLAB_NET_BAD_OPTION");
    expect(thrownCode(() => sw.connect(new Tap(sim), sim, { bandwidthBps: Number.POSITIVE_INFINITY }))).toBe("VMLAB_NET_BAD_OPTION");
  });

  it("refuses a second switch of the same name in one simulation, naming the switch and how to fix it", () => {
    // Port event kinds are "<name>.port<i>.deliver" and a snapshot stores them, so names cannot be made up.
    const sim = new Simulation();
    new VirtualSwitch().connect(new Tap(sim), sim);
    expect(() => new VirtualSwitch().connect(new Tap(sim), sim)).toThrow(
      expect.objectContaining({
        code: "VMLAB_NET_DUPLICATE_SWITCH",
        message: expect.stringMatching(/^[^\n]*"switch0"[^\n]*new VirtualSwitch\("sw1"\)[^\n]*$/),
      }),
    );
    // Named apart, both connect to the one simulation, and a frame crosses each.
    const sim2 = new Simulation();
    const [a, b] = [new VirtualSwitch("sw0"), new VirtualSwitch("sw1")];
    const taps = [0, 1, 2, 3].map(() => new Tap(sim2));
    const pa = [a.connect(taps[0], sim2), a.connect(taps[1], sim2)];
    const pb = [b.connect(taps[2], sim2), b.connect(taps[3], sim2)];
    pa[0].send(frame(BROADCAST, mac(1)), 0);
    pb[0].send(frame(BROADCAST, mac(3)), 0);
    sim2.run();
    expect(taps.map((t) => t.got.length)).toEqual([0, 1, 0, 1]);
    expect(pa[1].index + pb[1].index).toBe(2);
  });

  it("restore replaces the learned addresses and refuses one learned on a port the switch does not have", () => {
    const a = rig();
    a.ports[0].send(frame(BROADCAST, mac(1)), 0);
    const b = rig();
    b.ports[2].send(frame(BROADCAST, mac(9)), 0);
    b.sw.restore(JSON.parse(JSON.stringify(a.sw.save())));
    expect(b.sw.portOf(new Uint8Array(mac(9)))).toBe(-1);
    expect(b.sw.portOf(new Uint8Array(mac(1)))).toBe(0);
    const bad = a.sw.save();
    bad.macTable = [["525400000001", 3]];
    expect(thrownCode(() => b.sw.restore(bad))).toBe("VMLAB_SIM_BAD_STATE");
  });
});
