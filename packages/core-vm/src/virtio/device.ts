import type { Simulation } from "../sim/simulation.js";
import type { DmaMemory } from "./dma.js";
import type { Virtqueue } from "./virtqueue.js";

/**
 * What the transport gives a device when it is attached: its name (prefix of
 * its event kinds, so several machines can share one simulation), the
 * simulation whose clock completes its requests, guest RAM, its queues, and
 * the two ways to tell the driver something.
 */
export interface VirtioContext {
  readonly name: string;
  readonly sim: Simulation;
  readonly mem: DmaMemory;
  readonly queues: readonly Virtqueue[];
  /** Virtual time now (the machine's clock, exact inside a translated block). */
  nowNs(): number;
  /**
   * Used buffers were added to `queue`'s used ring: sets InterruptStatus bit
   * 0 ("used buffer") and raises the line — unless the driver set that
   * queue's VIRTQ_AVAIL_F_NO_INTERRUPT (spec §2.7.7), read at this call.
   */
  usedBuffer(queue: number): void;
  /** The driver broke the ring rules: set DEVICE_NEEDS_RESET and signal a configuration change (spec §2.1.2). */
  needsReset(): void;
}

/**
 * A virtio device behind the virtio-mmio transport: its id, queues, feature
 * bits, configuration space and behaviour. The transport owns the common
 * registers and the rings; the device only sees notifications and chains.
 */
export interface VirtioDevice {
  readonly deviceId: number;
  /** QueueNumMax of each queue; the length is the number of queues. */
  readonly queueSizes: readonly number[];
  /** Device feature word `sel` (0: bits 0..31, 1: bits 32..63; VERSION_1 is added by the transport). */
  features(sel: number): number;
  /** Device-specific configuration space (offset from 0x100). */
  readConfig(offset: number, size: number): number;
  writeConfig(offset: number, size: number, value: number): void;
  /** Called once, when the transport is attached. */
  bind(ctx: VirtioContext): void;
  /** The driver set DRIVER_OK with these negotiated features (low and high word). */
  activate(features: readonly [number, number]): void;
  /** The driver wrote QueueNotify. */
  notify(queue: number): void;
  /** The driver wrote 0 to Status: drop in-flight work (its completions are ignored). */
  reset(): void;
  /** Versioned, plain-data state (in-flight requests included). */
  save(): unknown;
  /** Validates, then applies; throws `VMLAB_SIM_BAD_STATE` and changes nothing on bad input. */
  restore(state: unknown): void;
}
