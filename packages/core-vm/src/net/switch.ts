import { z } from "zod";
import { CoreErrors, describeIssues, VmlabError } from "../errors.js";
import { Counter } from "../sim/metrics.js";
import type { Simulation } from "../sim/simulation.js";

/** Something plugged into a switch port: a NIC. */
export interface NetEndpoint {
  /** A frame (Ethernet, no FCS) arrives; called from a simulation event of the endpoint's own simulation. */
  receive(frame: Uint8Array): void;
}

/** The cable between a NIC and its switch port: full duplex, the same in both directions. */
export interface LinkOptions {
  /** One-way propagation delay, ns (default 10 µs: a host NIC, a ToR switch and back, as an assumption). */
  latencyNs?: number;
  /** Bits per second (default 10 Gbit/s); a frame occupies the wire for its size · 8 / bandwidth. */
  bandwidthBps?: number;
}

/** A port as `connect` returns it: where to send frames from this NIC. */
export interface SwitchPort {
  readonly index: number;
  /** Sends a frame into the switch at virtual time `nowNs` (the sending machine's clock). */
  send(frame: Uint8Array, nowNs: number): void;
}

const time = z.number().int().min(0);
/** A `VirtualSwitch`'s saved state: its ports, learned MAC table, when each link is next free and its counters. */
export const VirtualSwitchStateSchema = z.object({
  version: z.literal(1),
  ports: z.number().int().min(0),
  /** Learned MAC (12 hex digits) → port. */
  macTable: z.array(z.tuple([z.string().regex(/^[0-9a-f]{12}$/), z.number().int().min(0)])),
  upFreeNs: z.array(time),
  downFreeNs: z.array(time),
  counters: z.object({ forwarded: time, flooded: time, late: time }),
});
/** A `VirtualSwitch`'s saved state (`VirtualSwitchStateSchema`). */
export type VirtualSwitchState = z.infer<typeof VirtualSwitchStateSchema>;

interface Port {
  endpoint: NetEndpoint;
  sim: Simulation;
  kind: number;
  latencyNs: number;
  bandwidthBps: number;
  /** When the NIC→switch direction of the link is free. */
  upFreeNs: number;
  /** When the switch→NIC direction is free (the port's output queue drains). */
  downFreeNs: number;
}

const hex = (b: Uint8Array, at: number) => {
  let s = "";
  for (let i = at; i < at + 6; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
};

/**
 * A learning L2 switch (IEEE 802.1D transparent bridging, without spanning
 * tree or ageing): it learns each source MAC's port, forwards a frame to the
 * port its destination was learned on, and floods broadcasts, multicasts
 * and unknown destinations to every other port. Store and forward: a frame
 * crosses the sender's link (serialisation + latency), waits for the output
 * port, then crosses the receiver's link.
 *
 * NICs on different machines may live in different simulations (one per
 * machine, run in lockstep — see `runLockstep`): a frame is delivered as an
 * event in the receiver's simulation, carrying its bytes as plain data so
 * a snapshot of that machine holds it. Machines must not run ahead of each
 * other by more than the smallest link latency (`minLatencyNs`).
 */
export class VirtualSwitch {
  readonly name: string;
  readonly forwarded = new Counter("net.switch.forwarded");
  readonly flooded = new Counter("net.switch.flooded");
  /** Deliveries that would have landed in the receiver's past (lockstep quantum above the link latency). */
  readonly late = new Counter("net.switch.late");
  private readonly ports: Port[] = [];
  private readonly macTable = new Map<string, number>();

  /**
   * `name` names the ports' event kinds (`<name>.port<i>.deliver`), which a snapshot stores:
   * switches connected to one simulation need different names (`connect` refuses a repeat).
   */
  constructor(name = "switch0") {
    this.name = name;
  }

  /** Plugs a NIC into the next free port; its frames arrive as events of `sim`. */
  connect(endpoint: NetEndpoint, sim: Simulation, link: LinkOptions = {}): SwitchPort {
    const latencyNs = link.latencyNs ?? 10_000;
    const bandwidthBps = link.bandwidthBps ?? 10e9;
    if (!Number.isInteger(latencyNs) || latencyNs < 0)
      throw CoreErrors.netBadOption("latencyNs", latencyNs, "an integer number of ns >= 0");
    if (!(bandwidthBps > 0) || !Number.isFinite(bandwidthBps))
      throw CoreErrors.netBadOption("bandwidthBps", bandwidthBps, "a finite bit rate > 0");
    const index = this.ports.length;
    // The kind is named after the switch, not numbered from a global counter: a snapshot stores
    // kind names, so they must be the same in the run that restores it. Two switches of one name
    // in one simulation would collide here; say so in the switch's words rather than the kernel's.
    let kind: number;
    try {
      kind = sim.on(`${this.name}.port${index}.deliver`, (_num, obj) => this.deliver(index, obj));
    } catch (e) {
      if (e instanceof VmlabError && e.code === "VMLAB_SIM_DUPLICATE_HANDLER") throw CoreErrors.netDuplicateSwitch(this.name);
      throw e;
    }
    this.ports.push({ endpoint, sim, kind, latencyNs, bandwidthBps, upFreeNs: 0, downFreeNs: 0 });
    return { index, send: (frame, nowNs) => this.send(index, frame, nowNs) };
  }

  /** The smallest one-way link latency: the largest safe lockstep quantum. */
  get minLatencyNs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const p of this.ports) min = Math.min(min, p.latencyNs);
    return min;
  }

  /** The port a MAC address (6 bytes at `at`) was learned on, or -1. */
  portOf(mac: Uint8Array, at = 0): number {
    return this.macTable.get(hex(mac, at)) ?? -1;
  }

  private wireNs(p: Port, bytes: number): number {
    return Math.ceil((bytes * 8 * 1e9) / p.bandwidthBps);
  }

  private send(from: number, frame: Uint8Array, nowNs: number): void {
    if (frame.length < 14) return; // shorter than an Ethernet header: a runt, dropped
    const src = this.ports[from];
    const upStart = Math.max(nowNs, src.upFreeNs);
    src.upFreeNs = upStart + this.wireNs(src, frame.length);
    const atSwitch = src.upFreeNs + src.latencyNs;
    // Learn the source (not a multicast source: bit 0 of the first byte).
    if ((frame[6] & 1) === 0) this.macTable.set(hex(frame, 6), from);
    const dst = (frame[0] & 1) === 0 ? this.portOf(frame, 0) : -1;
    if (dst >= 0) {
      if (dst !== from) this.forward(dst, frame, atSwitch);
      this.forwarded.add();
      return;
    }
    this.flooded.add();
    for (let p = 0; p < this.ports.length; p++) if (p !== from) this.forward(p, frame, atSwitch);
  }

  private forward(to: number, frame: Uint8Array, atSwitchNs: number): void {
    const p = this.ports[to];
    const start = Math.max(atSwitchNs, p.downFreeNs);
    p.downFreeNs = start + this.wireNs(p, frame.length);
    let at = p.downFreeNs + p.latencyNs;
    if (at < p.sim.now) {
      this.late.add();
      at = p.sim.now;
    }
    p.sim.scheduleAt(at, p.kind, frame.length, Buffer.from(frame).toString("base64"));
  }

  private deliver(port: number, obj: unknown): void {
    if (typeof obj !== "string") return;
    this.ports[port].endpoint.receive(new Uint8Array(Buffer.from(obj, "base64")));
  }

  save(): VirtualSwitchState {
    return {
      version: 1,
      ports: this.ports.length,
      macTable: [...this.macTable.entries()],
      upFreeNs: this.ports.map((p) => p.upFreeNs),
      downFreeNs: this.ports.map((p) => p.downFreeNs),
      counters: { forwarded: this.forwarded.value, flooded: this.flooded.value, late: this.late.value },
    };
  }

  /** Restores learned addresses and link queues; the ports must already be connected, in the same order. */
  restore(state: unknown): void {
    const p = VirtualSwitchStateSchema.safeParse(state);
    const bad = (issue: string) => CoreErrors.simBadState(`${this.name} switch`, issue);
    if (!p.success) throw bad(describeIssues(p.error));
    const s = p.data;
    const n = this.ports.length;
    if (s.ports !== n || s.upFreeNs.length !== n || s.downFreeNs.length !== n)
      throw bad(`state is for ${s.ports} ports, the switch has ${n}`);
    for (const [, port] of s.macTable) if (port >= n) throw bad(`a MAC is learned on port ${port}, the switch has ${n}`);
    this.macTable.clear();
    for (const [mac, port] of s.macTable) this.macTable.set(mac, port);
    this.ports.forEach((port, i) => {
      port.upFreeNs = s.upFreeNs[i];
      port.downFreeNs = s.downFreeNs[i];
    });
    this.forwarded.value = s.counters.forwarded;
    this.flooded.value = s.counters.flooded;
    this.late.value = s.counters.late;
  }
}
