import { z } from "zod";
import { CoreErrors, describeIssues } from "../errors.js";
import { Counter } from "../sim/metrics.js";
import { Rng, RngStateSchema } from "../sim/rng.js";
import { DEVICE_ID } from "./constants.js";
import type { VirtioContext, VirtioDevice } from "./device.js";
import { DescriptorChain } from "./virtqueue.js";

/**
 * Where entropy comes from: `virtual` — a seeded xoshiro128** stream, so the
 * same seed gives the same bytes (deterministic runs, snapshots, replay);
 * `live` — the host's cryptographic generator (true nondeterminism, what
 * record/replay exists to capture). The mode is chosen by whoever builds
 * the machine (the live clock picks `live`).
 */
export type EntropySource = { mode: "virtual"; seed: number } | { mode: "live" };

/** Options of a `VirtioRng`: its entropy source, fill latency and queue size. */
export interface VirtioRngOptions {
  entropy: EntropySource;
  /** Virtual time to fill one request (default 0: the bytes are there at the next event). */
  latencyNs?: number;
  /** QueueNumMax (default 8, QEMU's virtio-rng queue size). */
  queueSize?: number;
}

const MAX_CHAIN = 64;
const u32 = z.number().int().min(0).max(0xffff_ffff);
/** A virtio-rng device's saved state: the requests not yet filled, its PRNG stream (none when live) and counters. */
export const VirtioRngStateSchema = z.object({
  version: z.literal(1),
  epoch: z.number().int().min(0),
  /** Chains taken from the avail ring and not yet filled, oldest first. */
  inflight: z.array(
    z.object({ head: z.number().int().min(0).max(0xffff), addr: z.array(u32).max(MAX_CHAIN), len: z.array(u32).max(MAX_CHAIN) }),
  ),
  rng: RngStateSchema.nullable(),
  bytes: z.number().int().min(0),
  requests: z.number().int().min(0),
});
/** A virtio-rng device's saved state (`VirtioRngStateSchema`). */
export type VirtioRngState = z.infer<typeof VirtioRngStateSchema>;

/**
 * virtio-rng (virtio 1.x §5.4, "entropy device"): one request queue; every
 * writable buffer the driver offers is filled with random bytes. Filling
 * happens at a simulation event `latencyNs` after the notification, so in
 * virtual mode the guest sees the same bytes at the same instruction.
 */
export class VirtioRng implements VirtioDevice {
  readonly deviceId = DEVICE_ID.entropy;
  readonly queueSizes: readonly number[];
  readonly latencyNs: number;
  readonly mode: "virtual" | "live";
  readonly bytesServed = new Counter("virtio.rng.bytes");
  readonly requests = new Counter("virtio.rng.requests");
  private readonly rng: Rng | null;
  private ctx!: VirtioContext;
  private kind = 0;
  private epoch = 0;
  /** A ring of in-flight chains, as many as the queue can hold. */
  private readonly chains: DescriptorChain[];
  private first = 0;
  private count = 0;

  constructor(options: VirtioRngOptions) {
    const size = options.queueSize ?? 8;
    if (!Number.isInteger(size) || size < 1 || size > 32768 || (size & (size - 1)) !== 0)
      throw CoreErrors.virtioBadOption("queueSize", size, "a power of two in 1..32768");
    const lat = options.latencyNs ?? 0;
    if (!Number.isInteger(lat) || lat < 0) throw CoreErrors.virtioBadOption("latencyNs", lat, "an integer number of ns >= 0");
    if (options.entropy.mode === "virtual" && !Number.isInteger(options.entropy.seed))
      throw CoreErrors.virtioBadOption("entropy.seed", options.entropy.seed, "an integer seed");
    this.queueSizes = [size];
    this.latencyNs = lat;
    this.mode = options.entropy.mode;
    this.rng = options.entropy.mode === "virtual" ? new Rng(options.entropy.seed, "virtio-rng") : null;
    this.chains = Array.from({ length: size }, () => new DescriptorChain(MAX_CHAIN));
  }

  features(): number {
    return 0;
  }

  readConfig(): number {
    return 0;
  }

  writeConfig(): void {}

  bind(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.kind = ctx.sim.on(`${ctx.name}.rng.fill`, (num) => this.fill(num));
  }

  activate(): void {}

  notify(queue: number): void {
    if (queue !== 0) return;
    const q = this.ctx.queues[0];
    while (this.count < this.chains.length) {
      const chain = this.chains[(this.first + this.count) % this.chains.length];
      const r = q.pop(chain);
      if (r === "empty") return;
      if (r === "broken") {
        this.ctx.needsReset();
        return;
      }
      this.count++;
      this.ctx.sim.scheduleAt(this.ctx.nowNs() + this.latencyNs, this.kind, this.epoch, null);
    }
  }

  reset(): void {
    this.epoch++;
    this.first = 0;
    this.count = 0;
  }

  /** Fills the oldest in-flight chain's writable buffers (events fire in submission order). */
  private fill(epoch: number): void {
    if (epoch !== this.epoch || this.count === 0) return;
    const c = this.chains[this.first];
    this.first = (this.first + 1) % this.chains.length;
    this.count--;
    const mem = this.ctx.mem;
    let written = 0;
    for (let i = 0; i < c.count; i++) {
      if (c.writable[i] === 0) continue;
      const o = c.addr[i] - mem.base;
      const dst = mem.u8.subarray(o, o + c.len[i]);
      this.random(dst);
      mem.written(o, c.len[i]);
      written += c.len[i];
    }
    this.bytesServed.add(written);
    this.requests.add();
    this.ctx.queues[0].pushUsed(c.head, written);
    this.ctx.usedBuffer(0);
  }

  private random(dst: Uint8Array): void {
    const rng = this.rng;
    if (rng === null) {
      // Live mode: the host's CSPRNG (Web Crypto caps one call at 64 KiB).
      for (let o = 0; o < dst.length; o += 65536) globalThis.crypto.getRandomValues(dst.subarray(o, Math.min(dst.length, o + 65536)));
      return;
    }
    let i = 0;
    for (; i + 4 <= dst.length; i += 4) {
      const x = rng.nextU32();
      dst[i] = x & 0xff;
      dst[i + 1] = (x >>> 8) & 0xff;
      dst[i + 2] = (x >>> 16) & 0xff;
      dst[i + 3] = x >>> 24;
    }
    if (i < dst.length) {
      const x = rng.nextU32();
      for (let k = 0; i < dst.length; i++, k++) dst[i] = (x >>> (8 * k)) & 0xff;
    }
  }

  save(): VirtioRngState {
    const inflight: VirtioRngState["inflight"] = [];
    for (let k = 0; k < this.count; k++) {
      const c = this.chains[(this.first + k) % this.chains.length];
      // Only writable buffers matter to a fill; readable ones are saved with length 0.
      inflight.push({
        head: c.head,
        addr: Array.from(c.addr.subarray(0, c.count)),
        len: Array.from(c.len.subarray(0, c.count), (l, i) => (c.writable[i] !== 0 ? l : 0)),
      });
    }
    return {
      version: 1,
      epoch: this.epoch,
      inflight,
      rng: this.rng?.save() ?? null,
      bytes: this.bytesServed.value,
      requests: this.requests.value,
    };
  }

  restore(state: unknown): void {
    const p = VirtioRngStateSchema.safeParse(state);
    const bad = (issue: string) => CoreErrors.simBadState(`${this.ctx.name} virtio-rng`, issue);
    if (!p.success) throw bad(describeIssues(p.error));
    const s = p.data;
    if (s.inflight.length > this.chains.length) throw bad(`${s.inflight.length} requests in flight, the queue holds ${this.chains.length}`);
    if ((s.rng === null) !== (this.rng === null))
      throw bad(`state is for ${s.rng === null ? "live" : "virtual"} mode, the device is ${this.mode}`);
    for (const f of s.inflight) {
      if (f.addr.length !== f.len.length) throw bad("an in-flight request has as many addresses as lengths");
      for (let i = 0; i < f.addr.length; i++) if (!this.ctx.mem.inRam(f.addr[i], f.len[i])) throw bad("an in-flight buffer is not in RAM");
    }
    if (s.rng !== null) this.rng?.restore(s.rng);
    this.epoch = s.epoch;
    this.first = 0;
    this.count = s.inflight.length;
    s.inflight.forEach((f, k) => {
      const c = this.chains[k];
      c.head = f.head;
      c.count = f.addr.length;
      c.addr.set(f.addr);
      c.len.set(f.len);
      for (let i = 0; i < c.count; i++) c.writable[i] = f.len[i] > 0 ? 1 : 0;
    });
    this.bytesServed.value = s.bytes;
    this.requests.value = s.requests;
  }
}
