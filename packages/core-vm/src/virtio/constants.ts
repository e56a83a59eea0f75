/**
 * virtio 1.x constants: the virtio-mmio register layout (spec §4.2.2), device
 * status bits (§2.1), feature bits and split-virtqueue descriptor flags
 * (§2.7.5), and the device ids (§5).
 */

/** "virt" in little-endian ASCII: every virtio-mmio window starts with it. */
export const VIRTIO_MMIO_MAGIC = 0x7472_6976;
/** virtio-mmio version 2 is the non-legacy (virtio 1.x) interface. */
export const VIRTIO_MMIO_VERSION = 2;
/** Vendor id QEMU reports ("QEMU" little-endian); vmlab reports the same so drivers can't tell. */
export const VIRTIO_VENDOR_QEMU = 0x554d_4551;

/** Register offsets of a virtio-mmio window (spec §4.2.2, table "MMIO Device Register Layout"). */
export const REG = {
  magicValue: 0x000,
  version: 0x004,
  deviceId: 0x008,
  vendorId: 0x00c,
  deviceFeatures: 0x010,
  deviceFeaturesSel: 0x014,
  driverFeatures: 0x020,
  driverFeaturesSel: 0x024,
  queueSel: 0x030,
  queueNumMax: 0x034,
  queueNum: 0x038,
  queueReady: 0x044,
  queueNotify: 0x050,
  interruptStatus: 0x060,
  interruptAck: 0x064,
  status: 0x070,
  queueDescLow: 0x080,
  queueDescHigh: 0x084,
  queueDriverLow: 0x090,
  queueDriverHigh: 0x094,
  queueDeviceLow: 0x0a0,
  queueDeviceHigh: 0x0a4,
  configGeneration: 0x0fc,
  config: 0x100,
} as const;

/** Device status bits (spec §2.1). */
export const STATUS = {
  acknowledge: 1,
  driver: 2,
  driverOk: 4,
  featuresOk: 8,
  deviceNeedsReset: 64,
  failed: 128,
} as const;

/** InterruptStatus bits: a used buffer was returned; the configuration changed. */
export const INT_USED_BUFFER = 1;
export const INT_CONFIG_CHANGE = 2;

/** VIRTIO_F_VERSION_1 is feature bit 32: bit 0 of feature word 1. */
export const F_VERSION_1_WORD1 = 1;

/** Descriptor flags (spec §2.7.5). */
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;

/**
 * Avail ring flag (spec §2.7.7): the driver asks for no used-buffer
 * notification. Honoured as long as VIRTIO_F_EVENT_IDX is not negotiated —
 * and vmlab never offers it, so this flag always governs.
 */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** Device ids (spec §5). */
export const DEVICE_ID = { none: 0, net: 1, block: 2, entropy: 4 } as const;
