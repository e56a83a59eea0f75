export { VirtioBlk, type VirtioBlkOptions } from "./blk.js";
export {
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
export { DEVICE_ID, REG as VIRTIO_MMIO_REG, STATUS as VIRTIO_STATUS, VIRTIO_MMIO_MAGIC } from "./constants.js";
export type { VirtioContext, VirtioDevice } from "./device.js";
export { type DmaMemory, ramDma } from "./dma.js";
export { VirtioMmio, type VirtioMmioState, VirtioMmioStateSchema } from "./mmio.js";
export { DELIVER_EVERY_COMPLETION, type InterruptModerator } from "./moderation.js";
export { parseMac, VIRTIO_NET_HDR_BYTES, VirtioNet, type VirtioNetOptions, type VirtioNetState, VirtioNetStateSchema } from "./net.js";
export { attachInQemuOrder } from "./qemu-order.js";
export { type EntropySource, VirtioRng, type VirtioRngOptions, type VirtioRngState, VirtioRngStateSchema } from "./rng.js";
export { VirtioSlots } from "./slots.js";
export { DescriptorChain, Virtqueue, type VirtqueueState, VirtqueueStateSchema } from "./virtqueue.js";
