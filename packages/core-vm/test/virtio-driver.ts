/**
 * A tiny virtio-mmio driver written against guest RAM from the host side,
 * for unit tests of the devices without a guest program: it sets a queue up,
 * writes descriptor chains and reads the used ring, exactly as a guest would.
 */
import type { Machine } from "@vmlab/core-vm";

const STATUS_OK = 1 | 2 | 8 | 4;

export interface Segment {
  addr: number;
  len: number;
  writable: boolean;
}

export class TestDriver {
  readonly base: number;
  private nextDesc: number[] = [];
  private rings: { desc: number; avail: number; used: number; num: number; lastUsed: number }[] = [];

  constructor(
    readonly m: Machine,
    readonly slot: number,
    /** Where the rings go in RAM (guest-physical). */
    readonly ringBase = 0x8100_0000,
  ) {
    this.base = 0x1000_1000 + 0x1000 * slot;
  }

  reg(offset: number): number {
    return this.m.bus.read(this.base + offset, 4);
  }

  setReg(offset: number, value: number): void {
    this.m.bus.write(this.base + offset, 4, value);
  }

  /** Reset, negotiate VERSION_1 and `features0`, set up `queues` queues of `num`, DRIVER_OK. */
  init(queues: number, num: number, features0 = 0xffff_ffff): void {
    this.setReg(0x70, 0);
    this.setReg(0x70, 1 | 2);
    this.setReg(0x14, 0);
    const offered = this.reg(0x10);
    this.setReg(0x24, 0);
    this.setReg(0x20, offered & features0);
    this.setReg(0x24, 1);
    this.setReg(0x20, 1);
    this.setReg(0x70, 1 | 2 | 8);
    for (let q = 0; q < queues; q++) {
      const desc = this.ringBase + q * 0x10000;
      const avail = desc + 16 * num;
      const used = desc + 0x8000;
      this.setReg(0x30, q);
      this.setReg(0x38, num);
      this.setReg(0x80, desc);
      this.setReg(0x90, avail);
      this.setReg(0xa0, used);
      this.setReg(0x44, 1);
      this.rings.push({ desc, avail, used, num, lastUsed: 0 });
      this.nextDesc.push(0);
    }
    this.setReg(0x70, STATUS_OK);
  }

  private w32(addr: number, v: number): void {
    new DataView(this.m.ram.u8.buffer).setUint32(addr - this.m.ram.base, v >>> 0, true);
  }
  private w16(addr: number, v: number): void {
    new DataView(this.m.ram.u8.buffer).setUint16(addr - this.m.ram.base, v, true);
  }
  r32(addr: number): number {
    return new DataView(this.m.ram.u8.buffer).getUint32(addr - this.m.ram.base, true);
  }
  private r16(addr: number): number {
    return new DataView(this.m.ram.u8.buffer).getUint16(addr - this.m.ram.base, true);
  }

  /** Moves the avail ring's index by `by` entries without writing ring entries (a driver breaking the ring rules). */
  advanceAvail(queue: number, by: number, notify = true): void {
    const r = this.rings[queue];
    this.w16(r.avail + 2, (this.r16(r.avail + 2) + by) & 0xffff);
    if (notify) this.setReg(0x50, queue);
  }

  /** Writes the avail ring's `flags` (bit 0: VIRTQ_AVAIL_F_NO_INTERRUPT) of `queue`. */
  setAvailFlags(queue: number, flags: number): void {
    this.w16(this.rings[queue].avail, flags);
  }

  /** Writes the avail ring's `used_event` (the u16 after ring[num]); only meaningful with VIRTIO_F_EVENT_IDX. */
  setUsedEvent(queue: number, value: number): void {
    const r = this.rings[queue];
    this.w16(r.avail + 4 + 2 * r.num, value);
  }

  /** Writes a chain of descriptors and makes it available; returns its head. */
  push(queue: number, segs: readonly Segment[], notify = true): number {
    const r = this.rings[queue];
    const head = this.nextDesc[queue];
    segs.forEach((s, i) => {
      const d = r.desc + 16 * ((head + i) % r.num);
      this.w32(d, s.addr);
      this.w32(d + 4, 0);
      this.w32(d + 8, s.len);
      this.w16(d + 12, (i < segs.length - 1 ? 1 : 0) | (s.writable ? 2 : 0));
      this.w16(d + 14, (head + i + 1) % r.num);
    });
    this.nextDesc[queue] = (head + segs.length) % r.num;
    const idx = this.r16(r.avail + 2);
    this.w16(r.avail + 4 + 2 * (idx % r.num), head);
    this.w16(r.avail + 2, (idx + 1) & 0xffff);
    if (notify) this.setReg(0x50, queue);
    return head;
  }

  /** Used entries returned since the last call: [id, len]. */
  popUsed(queue: number): [number, number][] {
    const r = this.rings[queue];
    const out: [number, number][] = [];
    const idx = this.r16(r.used + 2);
    while (r.lastUsed !== idx) {
      const e = r.used + 4 + 8 * (r.lastUsed % r.num);
      out.push([this.r32(e), this.r32(e + 4)]);
      r.lastUsed = (r.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  /** Writes a 16-byte virtio-blk request header at `addr`. */
  blkHeader(addr: number, type: number, sector: number): void {
    this.w32(addr, type);
    this.w32(addr + 4, 0);
    this.w32(addr + 8, sector);
    this.w32(addr + 12, 0);
  }

  /** Acknowledges every interrupt cause. */
  ack(): number {
    const st = this.reg(0x60);
    this.setReg(0x64, st);
    return st;
  }
}
