import { BLOCK_PENDING, type BlockBackend, SECTOR_SIZE } from "../block/backend.js";
import { CoreErrors, describeIssues } from "../errors.js";
import { LogHistogram } from "../sim/histogram.js";
import { Counter } from "../sim/metrics.js";
import { frameChain } from "./blk-frame.js";
import { checkBlkOptions, type VirtioBlkOptions } from "./blk-options.js";
import {
  F_BLK_SIZE,
  F_FLUSH,
  F_SEG_MAX,
  MAX_CHAIN,
  MAX_FRAMED,
  VIRTIO_BLK_ID_BYTES,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  type VirtioBlkState,
  VirtioBlkStateSchema,
} from "./blk-protocol.js";
import { checkBlkStateFits } from "./blk-state.js";
import { DEVICE_ID } from "./constants.js";
import type { VirtioContext, VirtioDevice } from "./device.js";
import { rd32, wr32 } from "./dma.js";
import { DELIVER_EVERY_COMPLETION, type InterruptModerator } from "./moderation.js";
import { DescriptorChain } from "./virtqueue.js";

export type { VirtioBlkOptions } from "./blk-options.js";

/**
 * virtio-blk (virtio 1.x §5.2): read, write, flush and get-id over a
 * `BlockBackend`. A request is a chain: a readable 16-byte header (type,
 * reserved, sector), the data, and a writable status byte — in any
 * arrangement of descriptors (§2.6.4, message framing: the header may share
 * a buffer with write data, the status with read data). At most
 * `queueDepth` requests are in service; each completes as a simulation event
 * at the time the backend gives, where the data moves, the status is written
 * and the chain goes to the used ring (interrupt: InterruptStatus bit 0).
 * An asynchronous backend (`submit` returns `BLOCK_PENDING`) reports the
 * completion later through its listener; the device then schedules the same
 * completion event at that time. While such requests are outstanding the
 * device cannot be saved (`VMLAB_VIRTIO_NOT_QUIESCENT`).
 */
export class VirtioBlk implements VirtioDevice {
  readonly deviceId = DEVICE_ID.block;
  readonly queueSizes: readonly number[];
  readonly backend: BlockBackend;
  readonly queueDepth: number;
  readonly serial: Uint8Array;
  readonly moderator: InterruptModerator;
  private readonly config: Uint8Array;
  readonly reads = new Counter("virtio.blk.reads");
  readonly writes = new Counter("virtio.blk.writes");
  readonly flushes = new Counter("virtio.blk.flushes");
  readonly bytesRead = new Counter("virtio.blk.bytesRead");
  readonly bytesWritten = new Counter("virtio.blk.bytesWritten");
  readonly errors = new Counter("virtio.blk.errors");
  /** Submission to completion, ns of virtual time. */
  readonly latency = new LogHistogram("virtio.blk.latencyNs");
  private ctx!: VirtioContext;
  private kind = 0;
  private epoch = 0;
  /** Each slot's request, framed as header, data segments, status byte (see `frameChain`). */
  private readonly chains: DescriptorChain[];
  /** The chain as the driver laid it out, before `frameChain`. */
  private readonly raw = new DescriptorChain(MAX_CHAIN);
  /** The header's bytes when the driver split it over several descriptors. */
  private readonly header = new Uint8Array(16);
  private readonly busy: Uint8Array;
  private readonly type: Uint32Array;
  private readonly status: Uint8Array;
  private readonly offset: Float64Array;
  private readonly submitted: Float64Array;
  private readonly free: Int32Array;
  private freeCount: number;
  /** Requests handed to an asynchronous backend and not yet reported back (all epochs). */
  private pendingCount = 0;

  constructor(options: VirtioBlkOptions) {
    const { depth, size, serial } = checkBlkOptions(options);
    this.backend = options.backend;
    this.moderator = options.interruptModerator ?? DELIVER_EVERY_COMPLETION;
    this.queueDepth = depth;
    this.queueSizes = [size];
    this.serial = new TextEncoder().encode(serial);
    const sectors = this.backend.sizeBytes / SECTOR_SIZE;
    this.config = new Uint8Array(24);
    wr32(this.config, 0, sectors % 0x1_0000_0000);
    wr32(this.config, 4, Math.floor(sectors / 0x1_0000_0000));
    wr32(this.config, 12, MAX_CHAIN - 2);
    wr32(this.config, 20, SECTOR_SIZE);
    this.chains = Array.from({ length: depth }, () => new DescriptorChain(MAX_FRAMED));
    this.busy = new Uint8Array(depth);
    this.type = new Uint32Array(depth);
    this.status = new Uint8Array(depth);
    this.offset = new Float64Array(depth);
    this.submitted = new Float64Array(depth);
    this.free = new Int32Array(depth);
    this.freeCount = 0;
    for (let s = depth - 1; s >= 0; s--) this.free[this.freeCount++] = s;
  }

  features(sel: number): number {
    return sel === 0 ? F_SEG_MAX | F_BLK_SIZE | F_FLUSH : 0;
  }

  /** Config (§5.2.4): capacity u64 in sectors at 0, size_max at 8, seg_max at 12, geometry at 16, blk_size at 20. */
  readConfig(offset: number, size: number): number {
    const cfg = this.config;
    if (offset + size > cfg.length) return 0;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | cfg[offset + i];
    return v >>> 0;
  }

  writeConfig(): void {}

  bind(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.kind = ctx.sim.on(`${ctx.name}.blk.complete`, (num) => this.complete(num));
    this.backend.setCompletionListener?.((tag) => this.backendDone(tag));
  }

  activate(): void {}

  notify(queue: number): void {
    if (queue === 0) this.pump();
  }

  /** Requests in service now. */
  get inflight(): number {
    return this.queueDepth - this.freeCount;
  }

  reset(): void {
    // Completions of the old epoch still in the event queue are ignored when they fire.
    this.epoch++;
    this.moderator.reset?.();
    this.freeCount = 0;
    for (let s = this.queueDepth - 1; s >= 0; s--) {
      this.busy[s] = 0;
      this.free[this.freeCount++] = s;
    }
  }

  /** Takes requests from the avail ring while a service slot is free. */
  private pump(): void {
    const q = this.ctx.queues[0];
    while (this.freeCount > 0) {
      const slot = this.free[this.freeCount - 1];
      const r = q.pop(this.raw);
      if (r === "empty") return;
      if (r === "broken") {
        this.ctx.needsReset();
        return;
      }
      if (!this.start(slot, this.raw)) {
        this.ctx.needsReset();
        return;
      }
      this.freeCount--;
      this.busy[slot] = 1;
      this.moderator.onSubmit(this.submitted[slot]);
    }
  }

  /** Starts a request; false if the chain has no status byte to report an error in. */
  private start(slot: number, raw: DescriptorChain): boolean {
    const now = this.ctx.nowNs();
    this.submitted[slot] = now;
    const framed = frameChain(this.chains[slot], raw, this.header, this.ctx.mem);
    if (framed < 0) return false;
    const c = this.chains[slot];
    const last = c.count - 1;
    if (framed < 16) {
      // Too short for a header: the status byte still reports the error.
      c.addr[1] = raw.addr[raw.count - 1] + raw.len[raw.count - 1] - 1;
      c.len[1] = 1;
      c.writable[1] = 1;
      c.count = 2;
      this.finishAt(slot, VIRTIO_BLK_T_GET_ID + 1, VIRTIO_BLK_S_IOERR, 0, now);
      return true;
    }
    // The header in place (the usual case) or gathered into `header`.
    const whole = raw.writable[0] === 0 && raw.len[0] >= 16;
    const u8 = whole ? this.ctx.mem.u8 : this.header;
    const h = whole ? raw.addr[0] - this.ctx.mem.base : 0;
    const type = rd32(u8, h);
    const sector = rd32(u8, h + 8) + rd32(u8, h + 12) * 0x1_0000_0000;
    let length = 0;
    let allWritable = true;
    let allReadable = true;
    for (let i = 1; i < last; i++) {
      length += c.len[i];
      if (c.writable[i] === 0) allWritable = false;
      else allReadable = false;
    }
    const offset = sector * SECTOR_SIZE;
    if (type === VIRTIO_BLK_T_IN || type === VIRTIO_BLK_T_OUT) {
      const ok =
        (type === VIRTIO_BLK_T_IN ? allWritable : allReadable) && length % SECTOR_SIZE === 0 && offset + length <= this.backend.sizeBytes;
      if (!ok) this.finishAt(slot, type, VIRTIO_BLK_S_IOERR, offset, now);
      else this.submit(slot, type, type === VIRTIO_BLK_T_IN ? "read" : "write", offset, length, now);
    } else if (type === VIRTIO_BLK_T_FLUSH) {
      this.submit(slot, type, "flush", 0, 0, now);
    } else if (type === VIRTIO_BLK_T_GET_ID) {
      this.finishAt(slot, type, allWritable ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR, 0, now);
    } else {
      this.finishAt(slot, type, VIRTIO_BLK_S_UNSUPP, 0, now);
    }
    return true;
  }

  /** Hands a read, write or flush to the backend; completes at the time it gives, or when it reports back. */
  private submit(slot: number, type: number, op: "read" | "write" | "flush", offset: number, length: number, now: number): void {
    const done = this.backend.submit(op, offset, length, now, this.tagOf(slot));
    if (done !== BLOCK_PENDING) {
      this.finishAt(slot, type, VIRTIO_BLK_S_OK, offset, done);
      return;
    }
    if (this.backend.setCompletionListener === undefined)
      throw CoreErrors.virtioBadOption(
        "backend",
        "BLOCK_PENDING",
        "a backend that returns BLOCK_PENDING to implement setCompletionListener",
      );
    this.type[slot] = type;
    this.status[slot] = VIRTIO_BLK_S_OK;
    this.offset[slot] = offset;
    this.pendingCount++;
  }

  /** An asynchronous backend finished request `tag` (inside a simulation event, at its completion time). */
  private backendDone(tag: number): void {
    this.pendingCount--;
    // A request of an earlier epoch (the device was reset meanwhile) completes to nobody.
    if (Math.floor(tag / 65536) !== this.epoch) return;
    this.ctx.sim.scheduleAt(this.ctx.sim.now, this.kind, tag, null);
  }

  private finishAt(slot: number, type: number, status: number, offset: number, timeNs: number): void {
    this.type[slot] = type;
    this.status[slot] = status;
    this.offset[slot] = offset;
    // obj null, not undefined: a saved queue goes through JSON.
    this.ctx.sim.scheduleAt(Math.max(timeNs, this.ctx.sim.now), this.kind, this.tagOf(slot), null);
  }

  /** A request's tag — its completion event's number and an asynchronous backend's handle: epoch and slot, so a reset orphans old ones. */
  private tagOf(slot: number): number {
    return this.epoch * 65536 + slot;
  }

  /** The completion event: move the data, write the status, return the chain. */
  private complete(num: number): void {
    const slot = num % 65536;
    if (Math.floor(num / 65536) !== this.epoch || slot >= this.queueDepth || this.busy[slot] === 0) return;
    const c = this.chains[slot];
    const mem = this.ctx.mem;
    const base = mem.base;
    const last = c.count - 1;
    const type = this.type[slot];
    const status = this.status[slot];
    let written = 0;
    if (status === VIRTIO_BLK_S_OK) {
      let offset = this.offset[slot];
      if (type === VIRTIO_BLK_T_IN) {
        for (let i = 1; i < last; i++) {
          const o = c.addr[i] - base;
          this.backend.read(offset, mem.u8.subarray(o, o + c.len[i]));
          mem.written(o, c.len[i]);
          offset += c.len[i];
          written += c.len[i];
        }
        this.reads.add();
        this.bytesRead.add(written);
      } else if (type === VIRTIO_BLK_T_OUT) {
        for (let i = 1; i < last; i++) {
          const o = c.addr[i] - base;
          this.backend.write(offset, mem.u8.subarray(o, o + c.len[i]));
          offset += c.len[i];
          this.bytesWritten.add(c.len[i]);
        }
        this.writes.add();
      } else if (type === VIRTIO_BLK_T_FLUSH) {
        this.backend.flush();
        this.flushes.add();
      } else if (type === VIRTIO_BLK_T_GET_ID) {
        let room = 0;
        for (let i = 1; i < last; i++) room += c.len[i];
        const n = Math.min(room, VIRTIO_BLK_ID_BYTES);
        // Zero-padded; a NUL ends the id only if it is shorter than 20 bytes (§5.2.6).
        let k = 0;
        for (let i = 1; i < last && k < n; i++) {
          const o = c.addr[i] - base;
          const m = Math.min(c.len[i], n - k);
          for (let j = 0; j < m; j++, k++) mem.u8[o + j] = k < this.serial.length ? this.serial[k] : 0;
          mem.written(o, m);
        }
        written = n;
      }
    }
    if (status !== VIRTIO_BLK_S_OK) this.errors.add();
    const so = c.addr[last] - base;
    mem.u8[so] = status;
    mem.written(so, 1);
    this.latency.record(this.ctx.sim.now - this.submitted[slot]);
    this.busy[slot] = 0;
    this.free[this.freeCount++] = slot;
    this.ctx.queues[0].pushUsed(c.head, written + 1);
    // A held completion stays in the used ring; a later interrupt announces it.
    if (this.moderator.onComplete(this.ctx.sim.now, this.inflight)) this.ctx.usedBuffer(0);
    this.pump();
  }

  save(): VirtioBlkState {
    if (this.pendingCount > 0) throw CoreErrors.virtioBlkNotQuiescent(this.ctx.name, this.pendingCount);
    const inflight: VirtioBlkState["inflight"] = [];
    for (let s = 0; s < this.queueDepth; s++) {
      if (this.busy[s] === 0) continue;
      const c = this.chains[s];
      inflight.push({
        slot: s,
        head: c.head,
        type: this.type[s],
        status: this.status[s],
        offset: this.offset[s],
        submittedNs: this.submitted[s],
        addr: Array.from(c.addr.subarray(0, c.count)),
        len: Array.from(c.len.subarray(0, c.count)),
      });
    }
    const moderator = this.moderator.save?.();
    return {
      version: 1,
      epoch: this.epoch,
      queueDepth: this.queueDepth,
      sizeBytes: this.backend.sizeBytes,
      inflight,
      free: Array.from(this.free.subarray(0, this.freeCount)),
      backend: this.backend.save(),
      metrics: {
        reads: this.reads.value,
        writes: this.writes.value,
        flushes: this.flushes.value,
        bytesRead: this.bytesRead.value,
        bytesWritten: this.bytesWritten.value,
        errors: this.errors.value,
      },
      // Only with a stateful moderator, so saved states without one are unchanged.
      ...(moderator === undefined ? {} : { moderator }),
    };
  }

  restore(state: unknown): void {
    const p = VirtioBlkStateSchema.safeParse(state);
    const bad = (issue: string) => CoreErrors.simBadState(`${this.ctx.name} virtio-blk`, issue);
    if (!p.success) throw bad(describeIssues(p.error));
    // Late reports from the backend would complete restored slots.
    if (this.pendingCount > 0) throw CoreErrors.virtioBlkNotQuiescent(this.ctx.name, this.pendingCount);
    const s = p.data;
    checkBlkStateFits(s, this.ctx.name, this.queueDepth, this.backend.sizeBytes, this.ctx.mem, this.moderator.restore !== undefined);
    this.moderator.restore?.(s.moderator);
    this.backend.restore(s.backend);
    this.epoch = s.epoch;
    this.busy.fill(0);
    for (const f of s.inflight) {
      const c = this.chains[f.slot];
      this.busy[f.slot] = 1;
      c.head = f.head;
      c.count = f.addr.length;
      c.addr.set(f.addr);
      c.len.set(f.len);
      // Only the data direction matters after submission; the status descriptor is last.
      c.writable.fill(f.type === VIRTIO_BLK_T_IN || f.type === VIRTIO_BLK_T_GET_ID ? 1 : 0, 0, c.count);
      c.writable[0] = 0;
      c.writable[c.count - 1] = 1;
      this.type[f.slot] = f.type;
      this.status[f.slot] = f.status;
      this.offset[f.slot] = f.offset;
      this.submitted[f.slot] = f.submittedNs;
    }
    this.free.set(s.free);
    this.freeCount = s.free.length;
    this.reads.value = s.metrics.reads;
    this.writes.value = s.metrics.writes;
    this.flushes.value = s.metrics.flushes;
    this.bytesRead.value = s.metrics.bytesRead;
    this.bytesWritten.value = s.metrics.bytesWritten;
    this.errors.value = s.metrics.errors;
  }
}
