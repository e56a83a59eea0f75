import { z } from "zod";
import { CoreErrors, describeIssues } from "../errors.js";
import type { NetEndpoint, SwitchPort } from "../net/switch.js";
import { Counter } from "../sim/metrics.js";
import { DEVICE_ID } from "./constants.js";
import type { VirtioContext, VirtioDevice } from "./device.js";
import { DescriptorChain } from "./virtqueue.js";

/** VIRTIO_NET_F_MAC (bit 5): the device has a MAC address in its configuration space. */
const F_MAC = 1 << 5;
/** With VERSION_1 the header is always struct virtio_net_hdr with num_buffers: 12 bytes (virtio 1.x §5.1.6). */
export const VIRTIO_NET_HDR_BYTES = 12;
const RX = 0;
const TX = 1;
/** Largest frame accepted from the guest (an Ethernet frame with a VLAN tag, no FCS; no TSO offered). */
const MAX_FRAME = 1522;
const MAX_CHAIN = 64;

/** Options of a `VirtioNet`: its MAC address, queue size and receive backlog. */
export interface VirtioNetOptions {
  /** "52:54:00:12:34:56" form (QEMU's default NIC address). */
  mac: string;
  /** QueueNumMax of each queue (default 256, as QEMU). */
  queueSize?: number;
  /** Frames held while the guest has posted no receive buffer (default 256); beyond, frames are dropped. */
  rxBacklog?: number;
}

/** A virtio-net device's saved state: its MAC, frames waiting for a receive buffer and counters. */
export const VirtioNetStateSchema = z.object({
  version: z.literal(1),
  mac: z.string(),
  /** Frames waiting for a receive buffer, base64. */
  backlog: z.array(z.string()),
  metrics: z.object({
    txFrames: z.number().int().min(0),
    rxFrames: z.number().int().min(0),
    txBytes: z.number().int().min(0),
    rxBytes: z.number().int().min(0),
    rxDropped: z.number().int().min(0),
    txDropped: z.number().int().min(0),
  }),
});
/** A virtio-net device's saved state (`VirtioNetStateSchema`). */
export type VirtioNetState = z.infer<typeof VirtioNetStateSchema>;

/** Parses a MAC address ("52:54:00:12:34:56") into its six bytes; refuses any other form and a multicast address. */
export function parseMac(mac: string): Uint8Array {
  const m = /^([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})$/.exec(mac);
  if (m === null) throw CoreErrors.virtioBadOption("mac", mac, 'six hex bytes like "52:54:00:12:34:56"');
  const b = new Uint8Array(m.slice(1).map((h) => Number.parseInt(h, 16)));
  if ((b[0] & 1) !== 0) throw CoreErrors.virtioBadOption("mac", mac, "a unicast address (first byte even)");
  return b;
}

/**
 * virtio-net (virtio 1.x §5.1): a MAC in config space, receive queue 0 and
 * transmit queue 1, no offloads. Transmit is immediate: each chain (12-byte
 * header, then the frame) goes to the switch port at the machine's current
 * time and straight back to the used ring. Received frames arrive as
 * simulation events from the switch and fill the next posted receive
 * buffer (header with num_buffers = 1, then the frame); while none is
 * posted they wait in a bounded backlog, as QEMU stops reading its backend.
 */
export class VirtioNet implements VirtioDevice, NetEndpoint {
  readonly deviceId = DEVICE_ID.net;
  readonly queueSizes: readonly number[];
  readonly mac: Uint8Array;
  readonly macString: string;
  readonly rxBacklog: number;
  readonly txFrames = new Counter("virtio.net.txFrames");
  readonly rxFrames = new Counter("virtio.net.rxFrames");
  readonly txBytes = new Counter("virtio.net.txBytes");
  readonly rxBytes = new Counter("virtio.net.rxBytes");
  readonly rxDropped = new Counter("virtio.net.rxDropped");
  readonly txDropped = new Counter("virtio.net.txDropped");
  private ctx!: VirtioContext;
  private port: SwitchPort | null = null;
  private backlog: Uint8Array[] = [];
  private readonly chain = new DescriptorChain(MAX_CHAIN);
  private readonly txBuf = new Uint8Array(VIRTIO_NET_HDR_BYTES + MAX_FRAME);

  constructor(options: VirtioNetOptions) {
    const size = options.queueSize ?? 256;
    if (!Number.isInteger(size) || size < 2 || size > 32768 || (size & (size - 1)) !== 0)
      throw CoreErrors.virtioBadOption("queueSize", size, "a power of two in 2..32768");
    const backlog = options.rxBacklog ?? 256;
    if (!Number.isInteger(backlog) || backlog < 0) throw CoreErrors.virtioBadOption("rxBacklog", backlog, "an integer >= 0");
    this.mac = parseMac(options.mac);
    this.macString = options.mac.toLowerCase();
    this.queueSizes = [size, size];
    this.rxBacklog = backlog;
  }

  /** Plugs the NIC's cable into a switch port (see `VirtualSwitch.connect`). */
  plug(port: SwitchPort): void {
    this.port = port;
  }

  features(sel: number): number {
    return sel === 0 ? F_MAC : 0;
  }

  /** Config (§5.1.4): mac[6] at 0, status u16 at 6 (link up; meaningful with VIRTIO_NET_F_STATUS, not offered). */
  readConfig(offset: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const o = offset + i;
      v = (v << 8) | (o < 6 ? this.mac[o] : o === 6 ? 1 : 0);
    }
    return v >>> 0;
  }

  writeConfig(): void {}

  bind(ctx: VirtioContext): void {
    this.ctx = ctx;
  }

  activate(): void {}

  reset(): void {
    this.backlog = [];
  }

  notify(queue: number): void {
    if (queue === TX) this.transmit();
    else if (queue === RX) this.drainBacklog();
  }

  private transmit(): void {
    const q = this.ctx.queues[TX];
    const c = this.chain;
    const mem = this.ctx.mem;
    let any = false;
    for (;;) {
      const r = q.pop(c);
      if (r === "empty") break;
      if (r === "broken") {
        this.ctx.needsReset();
        break;
      }
      let n = 0;
      let ok = true;
      for (let i = 0; i < c.count && ok; i++) {
        if (c.writable[i] !== 0 || n + c.len[i] > this.txBuf.length) ok = false;
        else {
          const o = c.addr[i] - mem.base;
          this.txBuf.set(mem.u8.subarray(o, o + c.len[i]), n);
          n += c.len[i];
        }
      }
      if (ok && n > VIRTIO_NET_HDR_BYTES) {
        const frame = this.txBuf.subarray(VIRTIO_NET_HDR_BYTES, n);
        this.txFrames.add();
        this.txBytes.add(frame.length);
        this.port?.send(frame, this.ctx.nowNs());
      } else this.txDropped.add();
      q.pushUsed(c.head, 0);
      any = true;
    }
    if (any) this.ctx.usedBuffer(TX);
  }

  /** A frame from the switch (a simulation event). */
  receive(frame: Uint8Array): void {
    if (this.backlog.length > 0 || !this.deliver(frame)) {
      if (this.backlog.length < this.rxBacklog) this.backlog.push(frame.slice());
      else this.rxDropped.add();
    }
  }

  private drainBacklog(): void {
    while (this.backlog.length > 0 && this.deliver(this.backlog[0])) this.backlog.shift();
  }

  /** Puts a frame in the next receive buffer; false if the guest has posted none (or the device is not running). */
  private deliver(frame: Uint8Array): boolean {
    const q = this.ctx.queues[RX];
    if (!q.ready) return false;
    const c = this.chain;
    const r = q.pop(c);
    if (r === "empty") return false;
    if (r === "broken") {
      this.ctx.needsReset();
      return false;
    }
    const mem = this.ctx.mem;
    let room = 0;
    for (let i = 0; i < c.count; i++) if (c.writable[i] !== 0) room += c.len[i];
    if (room < VIRTIO_NET_HDR_BYTES + frame.length) {
      // Too small without mergeable buffers: the frame is dropped, the buffer returned empty.
      this.rxDropped.add();
      q.pushUsed(c.head, 0);
      this.ctx.usedBuffer(RX);
      return true;
    }
    let k = 0;
    const total = VIRTIO_NET_HDR_BYTES + frame.length;
    for (let i = 0; i < c.count && k < total; i++) {
      if (c.writable[i] === 0) continue;
      const o = c.addr[i] - mem.base;
      const m = Math.min(c.len[i], total - k);
      for (let j = 0; j < m; j++, k++) {
        // Header: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset all 0; num_buffers (bytes 10..11) = 1.
        mem.u8[o + j] = k >= VIRTIO_NET_HDR_BYTES ? frame[k - VIRTIO_NET_HDR_BYTES] : k === 10 ? 1 : 0;
      }
      mem.written(o, m);
    }
    this.rxFrames.add();
    this.rxBytes.add(frame.length);
    q.pushUsed(c.head, total);
    this.ctx.usedBuffer(RX);
    return true;
  }

  save(): VirtioNetState {
    return {
      version: 1,
      mac: this.macString,
      backlog: this.backlog.map((f) => Buffer.from(f).toString("base64")),
      metrics: {
        txFrames: this.txFrames.value,
        rxFrames: this.rxFrames.value,
        txBytes: this.txBytes.value,
        rxBytes: this.rxBytes.value,
        rxDropped: this.rxDropped.value,
        txDropped: this.txDropped.value,
      },
    };
  }

  restore(state: unknown): void {
    const p = VirtioNetStateSchema.safeParse(state);
    const bad = (issue: string) => CoreErrors.simBadState(`${this.ctx.name} virtio-net`, issue);
    if (!p.success) throw bad(describeIssues(p.error));
    const s = p.data;
    if (s.mac !== this.macString) throw bad(`state is for MAC ${s.mac}, this NIC is ${this.macString}`);
    if (s.backlog.length > this.rxBacklog) throw bad(`${s.backlog.length} frames in the backlog, it holds ${this.rxBacklog}`);
    const frames = s.backlog.map((b) => new Uint8Array(Buffer.from(b, "base64")));
    if (frames.some((f) => f.length < 14 || f.length > MAX_FRAME)) throw bad("a backlog frame is not an Ethernet frame");
    this.backlog = frames;
    this.txFrames.value = s.metrics.txFrames;
    this.rxFrames.value = s.metrics.rxFrames;
    this.txBytes.value = s.metrics.txBytes;
    this.rxBytes.value = s.metrics.rxBytes;
    this.rxDropped.value = s.metrics.rxDropped;
    this.txDropped.value = s.metrics.txDropped;
  }
}
