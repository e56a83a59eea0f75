/**
 * The virtio-mmio register offsets (virtio 1.x §4.2.2) and device status and interrupt bits (§2.1, §4.2.2), written
 * from the spec for the virtio tests — not taken from src/virtio/constants.ts, so a wrong constant there fails them.
 */
export const MAGIC = 0x00;
export const DEVICE_FEATURES = 0x10;
export const DRIVER_FEATURES = 0x20;
export const DRIVER_FEATURES_SEL = 0x24;
export const QUEUE_SEL = 0x30;
export const QUEUE_NUM_MAX = 0x34;
export const QUEUE_NUM = 0x38;
export const QUEUE_READY = 0x44;
export const QUEUE_NOTIFY = 0x50;
export const INTERRUPT_STATUS = 0x60;
export const INTERRUPT_ACK = 0x64;
export const STATUS = 0x70;
export const QUEUE_DESC_LOW = 0x80;
export const QUEUE_DESC_HIGH = 0x84;
export const QUEUE_DRIVER_HIGH = 0x94;
export const QUEUE_DEVICE_HIGH = 0xa4;

/** Device status bits (§2.1). */
export const ACKNOWLEDGE = 1;
export const DRIVER = 2;
export const DRIVER_OK = 4;
export const FEATURES_OK = 8;
export const NEEDS_RESET = 64;

/** InterruptStatus bits (§4.2.2): a used buffer, a configuration change. */
export const USED_BUFFER = 1;
export const CONFIG_CHANGE = 2;
