/**
 * The fuzz configuration CI checks, shared by the differential test and by
 * `npm run fuzz:nightly -- --update-golden` (which records QEMU's dumps for
 * the golden seeds so the test still checks something where QEMU is absent).
 */
import type { GeneratorOptions } from "./generator.js";
import type { HarnessOptions } from "./harness.js";
import type { Tolerance } from "./tolerance.js";

export const CI_FUZZ = {
  /** Seeds CI compares on vmlab and QEMU (issue 4 asks for at least 1,000). */
  seeds: Array.from({ length: 1000 }, (_, i) => i + 1),
  /** Programs per ELF: 4 QEMU launches for 1,000 programs. */
  batchSize: 250,
  /** Seeds whose QEMU dumps are recorded in guest/expected/fuzz-1-250.out. */
  goldenSeeds: Array.from({ length: 250 }, (_, i) => i + 1),
  /**
   * Everything the generator makes, faulting AMOs/SC and U-mode bodies
   * included (vmlab reports AMO faults with QEMU 7.2's causes, see
   * docs/guests.md).
   */
  generator: { faultingAtomics: true } satisfies GeneratorOptions,
  /**
   * The full harness (a read-only PMP entry inside the scratch region) and
   * no tolerated differences. If the machines ever disagree on purpose,
   * relax here and say why in core-vm's test/differential/KNOWN_DIFFERENCES.md.
   */
  harness: { readOnlyScratch: true } satisfies HarnessOptions,
  tolerate: [] satisfies Tolerance[],
} as const;
