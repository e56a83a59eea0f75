import { isVmlabError, RngStreams, type Simulation } from "@vmlab/core-vm";
import { expect } from "vitest";
import { IometerWorkload } from "../workload/iometer.js";
import type { Hdd } from "./hdd.js";
import type { Ssd } from "./ssd.js";
import { GENERIC_MLC_SSD, type SsdSpec } from "./ssd-spec.js";

// Drives and checks for the device save/restore tests.
/** A small SSD: 2 channels × 2 dies of 64 blocks of 32 pages, 12% over-provisioned. */
export const SMALL: SsdSpec = {
  ...GENERIC_MLC_SSD,
  channels: 2,
  diesPerChannel: 2,
  pagesPerBlock: 32,
  blocksPerDie: 64,
  overProvisioning: 0.12,
};
export type Spec = ConstructorParameters<typeof IometerWorkload>[0];

/** Runs `spec` on `target` for `ns`, then stops it and drains every IO. */
export function runThenDrain(sim: Simulation, target: Hdd | Ssd, spec: Spec, ns: number, seed: number) {
  const w = new IometerWorkload(spec);
  w.start({ sim, target, rng: new RngStreams(seed).get("w"), vm: 0 });
  sim.run({ until: sim.now + ns });
  w.stop();
  sim.run();
  return w.stats;
}

/** `fn` throws a vmlab error with `code`. */
export function expectBadState(fn: () => void, code = "VMLAB_STORAGE_BAD_STATE") {
  try {
    fn();
    expect.unreachable();
  } catch (e) {
    expect(isVmlabError(e) && e.code).toBe(code);
  }
}
