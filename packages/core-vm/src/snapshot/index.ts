export type { SnapshotComponent } from "./component.js";
export {
  type DecodeOptions,
  type DeferredSection,
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  type Section,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
} from "./envelope.js";
export { readSnapshotFile, type WriteSnapshotOptions, writeFileAtomic, writeSnapshotFile } from "./file.js";
export {
  applyMemoryImage,
  decodeMemoryImage,
  type EncodedMemoryImage,
  encodeMemoryImage,
  type MemoryCompression,
  type MemoryImage,
  type MemoryImageOptions,
} from "./memory-image.js";
export { type MachineStop, runMachine } from "./run.js";
export {
  defaultSubjectFactory,
  deviceSubjectFactory,
  encodeSnapshot,
  type MachineConfig,
  MachineConfigSchema,
  restoreSnapshot,
  restoreSnapshotFromParts,
  restoreSnapshotInto,
  type SnapshotReader,
  type SnapshotSubject,
  type SubjectFactory,
} from "./snapshot.js";
export { xxhash32, xxhash32Chunks } from "./xxhash32.js";
