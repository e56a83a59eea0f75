export { Asm } from "./asm.js";
export { CI_FUZZ } from "./ci.js";
export {
  bisect,
  type Disagreement,
  type FuzzOptions,
  type FuzzReport,
  formatDisagreement,
  fuzzCompare,
  type MachineOutput,
  type MachineRunner,
  qemuRunner,
} from "./differential.js";
export { describeDumpDifference, type ProgramDump, parseDumps } from "./dump.js";
export { type ElfImage, wordsToBytes, writeElf32 } from "./elf-writer.js";
export * as encode from "./encode.js";
export { type GeneratorOptions, generateProgram } from "./generator.js";
export { buildBatchElf, type HarnessOptions } from "./harness.js";
export * as fuzzLayout from "./layout.js";
export { encodeBody, type FuzzInsn, type FuzzProgram, formatProgram, truncateProgram } from "./program.js";
export { FuzzRng } from "./rng.js";
export { instructionAt, normalizeDump, type Tolerance } from "./tolerance.js";
