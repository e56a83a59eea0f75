import { z } from "zod";
import { CoreErrors, describeIssues } from "../errors.js";
import type { MmioDevice } from "../memory/bus.js";
import type { Simulation } from "../sim/simulation.js";
import {
  F_VERSION_1_WORD1,
  INT_CONFIG_CHANGE,
  INT_USED_BUFFER,
  REG,
  STATUS,
  VIRTIO_MMIO_MAGIC,
  VIRTIO_MMIO_VERSION,
  VIRTIO_VENDOR_QEMU,
} from "./constants.js";
import type { VirtioContext, VirtioDevice } from "./device.js";
import type { DmaMemory } from "./dma.js";
import { Virtqueue, VirtqueueStateSchema } from "./virtqueue.js";

const u32 = z.number().int().min(0).max(0xffff_ffff);

/** The transport's registers and queues, plus the device's own state. */
export const VirtioMmioStateSchema = z.object({
  version: z.literal(1),
  deviceId: z.number().int().min(0).max(0xffff),
  status: z.number().int().min(0).max(0xff),
  deviceFeaturesSel: u32,
  driverFeaturesSel: u32,
  driverFeatures: z.tuple([u32, u32]),
  queueSel: u32,
  interruptStatus: z.number().int().min(0).max(3),
  configGeneration: u32,
  queues: z.array(VirtqueueStateSchema),
  device: z.unknown(),
});
/** A virtio-mmio transport's saved state (`VirtioMmioStateSchema`). */
export type VirtioMmioState = z.infer<typeof VirtioMmioStateSchema>;

export interface VirtioMmioWiring {
  name: string;
  sim: Simulation;
  mem: DmaMemory;
  nowNs: () => number;
  /** Drives the slot's PLIC source. */
  setIrq: (level: boolean) => void;
}

/**
 * One virtio-mmio window, version 2 (virtio 1.x §4.2.2), as QEMU's `virt`
 * board has eight of at 0x10001000 + 0x1000·i with PLIC sources 1..8. With
 * no device it reads as QEMU's empty slot: the magic, version 2, device id 0.
 * The common registers and the split virtqueues live here; the device sees
 * notifications and descriptor chains.
 */
export class VirtioMmio implements MmioDevice {
  readonly queues: Virtqueue[];
  status = 0;
  deviceFeaturesSel = 0;
  driverFeaturesSel = 0;
  readonly driverFeatures: [number, number] = [0, 0];
  queueSel = 0;
  interruptStatus = 0;
  configGeneration = 0;

  constructor(
    readonly device: VirtioDevice | null,
    private readonly wiring: VirtioMmioWiring,
  ) {
    const sizes = device?.queueSizes ?? [];
    this.queues = sizes.map((max) => new Virtqueue(max, wiring.mem));
    if (device !== null) {
      const ctx: VirtioContext = {
        name: wiring.name,
        sim: wiring.sim,
        mem: wiring.mem,
        queues: this.queues,
        nowNs: wiring.nowNs,
        usedBuffer: (queue) => {
          // Without EVENT_IDX (never offered) the device SHOULD NOT notify while the driver suppresses (§2.7.7.2).
          if (this.queues[queue]?.interruptSuppressed() !== true) this.raise(INT_USED_BUFFER);
        },
        needsReset: () => {
          this.status |= STATUS.deviceNeedsReset;
          this.raise(INT_CONFIG_CHANGE);
        },
      };
      device.bind(ctx);
    }
  }

  private raise(bit: number): void {
    this.interruptStatus |= bit;
    this.wiring.setIrq(true);
  }

  private get selected(): Virtqueue | undefined {
    return this.queues[this.queueSel];
  }

  private deviceFeatureWord(sel: number): number {
    if (this.device === null) return 0;
    const w = this.device.features(sel) >>> 0;
    return sel === 1 ? (w | F_VERSION_1_WORD1) >>> 0 : w;
  }

  read(offset: number, size: number): number {
    if (offset >= REG.config) return this.device === null ? 0 : this.device.readConfig(offset - REG.config, size) >>> 0;
    if (size !== 4) return 0; // the spec requires 32-bit access to the common registers
    const q = this.selected;
    switch (offset) {
      case REG.magicValue:
        return VIRTIO_MMIO_MAGIC;
      case REG.version:
        return VIRTIO_MMIO_VERSION;
      case REG.deviceId:
        return this.device?.deviceId ?? 0;
      case REG.vendorId:
        return VIRTIO_VENDOR_QEMU;
      case REG.deviceFeatures:
        return this.deviceFeatureWord(this.deviceFeaturesSel);
      case REG.queueNumMax:
        return q?.maxSize ?? 0;
      case REG.queueReady:
        return q?.ready === true ? 1 : 0;
      case REG.interruptStatus:
        return this.interruptStatus;
      case REG.status:
        return this.status;
      case REG.configGeneration:
        return this.configGeneration;
      default:
        return 0;
    }
  }

  write(offset: number, size: number, value: number): void {
    if (this.device === null) return;
    if (offset >= REG.config) {
      this.device.writeConfig(offset - REG.config, size, value);
      return;
    }
    if (size !== 4) return;
    const v = value >>> 0;
    const q = this.selected;
    switch (offset) {
      case REG.deviceFeaturesSel:
        this.deviceFeaturesSel = v;
        return;
      case REG.driverFeatures:
        if (this.driverFeaturesSel < 2) this.driverFeatures[this.driverFeaturesSel] = v & this.deviceFeatureWord(this.driverFeaturesSel);
        return;
      case REG.driverFeaturesSel:
        this.driverFeaturesSel = v;
        return;
      case REG.queueSel:
        this.queueSel = v;
        return;
      case REG.queueNum:
        if (q !== undefined && !q.ready) q.num = v & 0xffff;
        return;
      case REG.queueDescLow:
        if (q !== undefined && !q.ready) q.desc = v;
        return;
      case REG.queueDriverLow:
        if (q !== undefined && !q.ready) q.driver = v;
        return;
      case REG.queueDeviceLow:
        if (q !== undefined && !q.ready) q.device = v;
        return;
      case REG.queueDescHigh:
      case REG.queueDriverHigh:
      case REG.queueDeviceHigh:
        // RAM lies below 4 GiB: a non-zero high word cannot point at RAM.
        if (q !== undefined && !q.ready && v !== 0) q.num = 0;
        return;
      case REG.queueReady:
        if (q === undefined) return;
        if (v === 0) q.ready = false;
        else if (q.valid()) q.ready = true;
        else {
          this.status |= STATUS.deviceNeedsReset;
          this.raise(INT_CONFIG_CHANGE);
        }
        return;
      case REG.queueNotify:
        if (v < this.queues.length && (this.status & STATUS.driverOk) !== 0 && (this.status & STATUS.deviceNeedsReset) === 0)
          this.device.notify(v);
        return;
      case REG.interruptAck:
        this.interruptStatus &= ~v;
        if (this.interruptStatus === 0) this.wiring.setIrq(false);
        return;
      case REG.status:
        this.writeStatus(v & 0xff);
        return;
    }
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      this.reset();
      return;
    }
    // FEATURES_OK only sticks if the driver accepted VERSION_1 (a legacy driver cannot use this transport).
    if ((v & STATUS.featuresOk) !== 0 && (this.driverFeatures[1] & F_VERSION_1_WORD1) === 0) v &= ~STATUS.featuresOk;
    const wasOk = (this.status & STATUS.driverOk) !== 0;
    this.status = (this.status & STATUS.deviceNeedsReset) | v;
    if (!wasOk && (v & STATUS.driverOk) !== 0) this.device?.activate([this.driverFeatures[0], this.driverFeatures[1]]);
  }

  /** Device reset (Status = 0): registers, queues and in-flight work. */
  reset(): void {
    this.status = 0;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures[0] = 0;
    this.driverFeatures[1] = 0;
    this.queueSel = 0;
    this.interruptStatus = 0;
    for (const q of this.queues) q.reset();
    this.device?.reset();
    this.wiring.setIrq(false);
  }

  save(): VirtioMmioState {
    return {
      version: 1,
      deviceId: this.device?.deviceId ?? 0,
      status: this.status,
      deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel,
      driverFeatures: [this.driverFeatures[0], this.driverFeatures[1]],
      queueSel: this.queueSel,
      interruptStatus: this.interruptStatus,
      configGeneration: this.configGeneration,
      queues: this.queues.map((q) => q.save()),
      device: this.device?.save() ?? null,
    };
  }

  /**
   * Validates the whole state (transport, every queue against RAM, then the
   * device's) before changing anything; throws `VMLAB_SIM_BAD_STATE`.
   */
  restore(state: unknown): void {
    const parsed = VirtioMmioStateSchema.safeParse(state);
    const what = `${this.wiring.name} virtio-mmio`;
    if (!parsed.success) throw CoreErrors.simBadState(what, describeIssues(parsed.error));
    const s = parsed.data;
    if (s.deviceId !== (this.device?.deviceId ?? 0))
      throw CoreErrors.simBadState(what, `state is for device id ${s.deviceId}, this slot holds ${this.device?.deviceId ?? 0}`);
    if (s.queues.length !== this.queues.length)
      throw CoreErrors.simBadState(what, `state has ${s.queues.length} queues, the device has ${this.queues.length}`);
    s.queues.forEach((qs, i) => {
      const probe = new Virtqueue(this.queues[i].maxSize, this.wiring.mem);
      probe.restore(qs);
      if (qs.ready && !probe.valid()) throw CoreErrors.simBadState(what, `queue ${i} is ready but its rings are not in RAM`);
    });
    if (this.device !== null) this.device.restore(s.device);
    this.status = s.status;
    this.deviceFeaturesSel = s.deviceFeaturesSel;
    this.driverFeaturesSel = s.driverFeaturesSel;
    this.driverFeatures[0] = s.driverFeatures[0];
    this.driverFeatures[1] = s.driverFeatures[1];
    this.queueSel = s.queueSel;
    this.interruptStatus = s.interruptStatus;
    this.configGeneration = s.configGeneration;
    s.queues.forEach((qs, i) => {
      this.queues[i].restore(qs);
    });
    this.wiring.setIrq(this.interruptStatus !== 0);
  }
}
