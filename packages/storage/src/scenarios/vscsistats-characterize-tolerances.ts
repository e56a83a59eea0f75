/**
 * How close each of `vscsistats-characterize`'s reference rows must come to its expected value to pass (digest
 * 04's acceptance checks 2 and 3). The rows state them and their verdicts (core-vm's `atLeastShare`,
 * `withinRelative`, …), and the tests read them from here.
 */
export const VSCSI_TOLERANCES = {
  /** Sequential reads: least share of seek distances at +1 (Iometer's wrap to the region's start costs one per pass). */
  seekPlus1MinShare: 0.99,
  /** Sequential reads: share of IO lengths in the configured size's bucket (every IO has that size). */
  ioLengthBinShare: 1,
  /** Random reads: least share of outstanding IOs in the depth's bucket (the first IOs ramp up from 1). */
  outstandingBinMinShare: 0.97,
  /** Random reads: mean outstanding IOs vs the closed loop's exact expectation, IOs (both rounded to 6 digits). */
  meanOutstandingIos: 0.0005,
  /** Random reads: mean latency vs Little's law OIO / IOPS, relative. */
  littleLatency: 0.05,
  /** Poisson arrivals: mean interarrival vs 1/λ, in standard errors of the mean (1/√n of it, n samples). */
  poissonStandardErrors: 3,
} as const;
