export { BLOCK_PENDING, type BlockBackend, type BlockOp, SECTOR_SIZE } from "./backend.js";
export { FileBackend, type FileBackendOptions, FileBackendStateSchema } from "./file.js";
export { MemoryBackend, type MemoryBackendOptions, MemoryBackendStateSchema } from "./memory.js";
export { type LatencyModel, ModeledBackend, type ModeledBackendOptions, ModeledBackendStateSchema } from "./modeled.js";
