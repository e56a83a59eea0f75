/** Test endpoints and frames for the virtual switch's tests (net-switch.test.ts, net-switch-rules.test.ts). */
import { type NetEndpoint, Simulation, VirtualSwitch } from "@vmlab/core-vm";

/** An endpoint that records what it receives and when. */
export class Tap implements NetEndpoint {
  got: { at: number; frame: number[] }[] = [];
  constructor(readonly sim: Simulation) {}
  receive(frame: Uint8Array): void {
    this.got.push({ at: this.sim.now, frame: Array.from(frame) });
  }
}

export const mac = (n: number) => [0x52, 0x54, 0, 0, 0, n];
export const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/** A frame of `size` bytes from `src` to `dst` (EtherType 0x88b5, the local experimental one). */
export const frame = (dst: number[], src: number[], size = 64) => {
  const f = new Uint8Array(size);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  return f;
};

/** Three taps on one simulation; 1000-byte frames take 1000 ns per link at 8 Gbit/s, plus 1000 ns latency. */
export function rig(link = { latencyNs: 1000, bandwidthBps: 8e9 }) {
  const sim = new Simulation();
  const sw = new VirtualSwitch();
  const taps = [0, 1, 2].map(() => new Tap(sim));
  const ports = taps.map((t) => sw.connect(t, sim, link));
  return { sim, sw, taps, ports };
}
