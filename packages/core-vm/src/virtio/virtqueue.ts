import { z } from "zod";
import { VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from "./constants.js";
import { type DmaMemory, rd16, rd32, wr16, wr32 } from "./dma.js";

const u32 = z.number().int().min(0).max(0xffff_ffff);
const u16 = z.number().int().min(0).max(0xffff);

/** A split virtqueue's registers and the device's ring positions. */
export const VirtqueueStateSchema = z.object({
  num: u16,
  ready: z.boolean(),
  desc: u32,
  driver: u32,
  device: u32,
  /** Next avail-ring entry the device will take (free-running 16-bit). */
  lastAvail: u16,
  /** The device's used index (free-running 16-bit). */
  usedIdx: u16,
});
/** A split virtqueue's saved state (`VirtqueueStateSchema`). */
export type VirtqueueState = z.infer<typeof VirtqueueStateSchema>;

/**
 * The descriptors of one popped chain, in typed arrays reused from pop to
 * pop (nothing is allocated per request). `head` is the chain's first
 * descriptor, the id returned in the used ring.
 */
export class DescriptorChain {
  head = 0;
  count = 0;
  readonly addr: Uint32Array;
  readonly len: Uint32Array;
  readonly writable: Uint8Array;
  constructor(readonly capacity: number) {
    this.addr = new Uint32Array(capacity);
    this.len = new Uint32Array(capacity);
    this.writable = new Uint8Array(capacity);
  }
}

/** Why a pop failed: the driver broke the ring's rules (spec §2.7.5.3); the device must be reset. */
export type PopResult = "empty" | "ok" | "broken";

/**
 * The split virtqueue (virtio 1.x §2.7): a descriptor table (16 B entries:
 * addr u64, len u32, flags u16, next u16), the driver area ("avail": flags,
 * idx, ring[num]) and the device area ("used": flags, idx, ring[num] of
 * {id u32, len u32}). Addresses above 4 GiB are refused: the `virt` board's
 * RAM lies below. Indirect descriptors and event-idx are not offered, so
 * used-buffer notifications follow the avail ring's NO_INTERRUPT flag.
 */
export class Virtqueue {
  num = 0;
  ready = false;
  desc = 0;
  driver = 0;
  device = 0;
  lastAvail = 0;
  usedIdx = 0;

  constructor(
    readonly maxSize: number,
    private readonly mem: DmaMemory,
  ) {}

  reset(): void {
    this.num = 0;
    this.ready = false;
    this.desc = 0;
    this.driver = 0;
    this.device = 0;
    this.lastAvail = 0;
    this.usedIdx = 0;
  }

  /** Whether the rings lie in RAM (checked when the driver sets QueueReady). */
  valid(): boolean {
    const n = this.num;
    if (n === 0 || n > this.maxSize || (n & (n - 1)) !== 0) return false;
    const m = this.mem;
    return m.inRam(this.desc, 16 * n) && m.inRam(this.driver, 6 + 2 * n) && m.inRam(this.device, 6 + 8 * n);
  }

  /** Chains the driver has made available and the device has not taken. */
  pendingCount(): number {
    if (!this.ready) return 0;
    const idx = rd16(this.mem.u8, this.driver - this.mem.base + 2);
    return (idx - this.lastAvail) & 0xffff;
  }

  /**
   * Takes the next available chain into `out`. An avail index more than the queue size ahead of the device
   * is broken ring state (the ring cannot hold that many entries), not work: QEMU marks the device broken too.
   */
  pop(out: DescriptorChain): PopResult {
    const pending = this.pendingCount();
    if (pending === 0) return "empty";
    if (pending > this.num) return "broken";
    const u8 = this.mem.u8;
    const base = this.mem.base;
    const n = this.num;
    const head = rd16(u8, this.driver - base + 4 + 2 * (this.lastAvail % n));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    if (head >= n) return "broken";
    out.head = head;
    out.count = 0;
    let i = head;
    for (;;) {
      if (out.count === out.capacity || out.count === n) return "broken";
      const d = this.desc - base + 16 * i;
      const addrLo = rd32(u8, d);
      const addrHi = rd32(u8, d + 4);
      const len = rd32(u8, d + 8);
      const flags = rd16(u8, d + 12);
      if (addrHi !== 0 || (flags & VIRTQ_DESC_F_INDIRECT) !== 0 || !this.mem.inRam(addrLo, len)) return "broken";
      out.addr[out.count] = addrLo;
      out.len[out.count] = len;
      out.writable[out.count] = (flags & VIRTQ_DESC_F_WRITE) !== 0 ? 1 : 0;
      out.count++;
      if ((flags & VIRTQ_DESC_F_NEXT) === 0) return "ok";
      i = rd16(u8, d + 14);
      if (i >= n) return "broken";
    }
  }

  /** Returns chain `head` to the driver with `written` bytes written into it. */
  pushUsed(head: number, written: number): void {
    const u8 = this.mem.u8;
    const off = this.device - this.mem.base;
    const slot = off + 4 + 8 * (this.usedIdx % this.num);
    wr32(u8, slot, head);
    wr32(u8, slot + 4, written);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    wr16(u8, off + 2, this.usedIdx);
    this.mem.written(slot, 8);
    this.mem.written(off + 2, 2);
  }

  /**
   * Whether the driver has set VIRTQ_AVAIL_F_NO_INTERRUPT (spec §2.7.7.2).
   * Read from guest RAM on every call, never cached: the driver may change
   * the flag at any time, so the device looks at it when it decides to
   * notify, after it has written the used ring.
   */
  interruptSuppressed(): boolean {
    if (!this.ready) return false;
    return (rd16(this.mem.u8, this.driver - this.mem.base) & VIRTQ_AVAIL_F_NO_INTERRUPT) !== 0;
  }

  save(): VirtqueueState {
    const { num, ready, desc, driver, device, lastAvail, usedIdx } = this;
    return { num, ready, desc, driver, device, lastAvail, usedIdx };
  }

  /** Restores from a state already validated with `VirtqueueStateSchema`. */
  restore(s: VirtqueueState): void {
    this.num = s.num;
    this.ready = s.ready;
    this.desc = s.desc;
    this.driver = s.driver;
    this.device = s.device;
    this.lastAvail = s.lastAvail;
    this.usedIdx = s.usedIdx;
  }
}
