/**
 * The fuzz configuration CI checks, shared by the differential test and by
 * `npm run fuzz:nightly -- --update-golden` (which records QEMU's dumps for
 * the golden seeds so the test still checks something where QEMU is absent).
 */
import type { GeneratorOptions } from "./generator.js";

export const CI_FUZZ = {
  /** Seeds CI compares on vmlab and QEMU (issue 4 asks for at least 1,000). */
  seeds: Array.from({ length: 1000 }, (_, i) => i + 1),
  /** Programs per ELF: 4 QEMU launches for 1,000 programs. */
  batchSize: 250,
  /** Seeds whose QEMU dumps are recorded in guest/expected/fuzz-1-250.out. */
  goldenSeeds: Array.from({ length: 250 }, (_, i) => i + 1),
  /**
   * Everything on, faulting AMOs/SC included (vmlab reports their faults with
   * QEMU 7.2's causes, see docs/guests.md). Set `faultingAtomics: false` here
   * to leave them out if the two ever disagree on purpose.
   */
  generator: { faultingAtomics: true } satisfies GeneratorOptions,
} as const;
