export { type BlockBackend, type BlockOp, SECTOR_SIZE } from "./backend.js";
export { MemoryBackend, type MemoryBackendOptions, MemoryBackendStateSchema } from "./memory.js";
