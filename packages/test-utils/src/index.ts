export { refusedDetail, thrownCode, thrownMessage } from "./errors.js";
export {
  firstDifference,
  type GoldenRun,
  GUEST_PROGRAMS,
  type GuestProgram,
  guestElfPath,
  guestInput,
  readGolden,
  readGuestElf,
  repoRoot,
} from "./golden.js";
export { type QemuRunOptions, type QemuRunResult, qemuAvailable, qemuBinary, qemuUnavailable, runQemu } from "./qemu.js";
export { type QuickRunnable, quickRunner } from "./run-quick.js";
export * from "./rv-fuzz/index.js";
