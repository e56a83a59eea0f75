import { RngStreams, Simulation } from "@vmlab/core-vm";
import type { BlockTarget } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { type ClosedLoopSpec, ClosedLoopVm } from "./closed-loop-vm.js";

const good: ClosedLoopSpec = { oio: 2, ioSectors: 32, readFraction: 1, regionSectors: 1 << 20, base: 0, extentSectors: 1 << 20, stride: 1 };

/** The LBAs and sizes a VM issues when started against a target that never completes. */
function firstIos(spec: ClosedLoopSpec): number[][] {
  const issued: number[][] = [];
  const target = { capacitySectors: 1 << 30, submit: (req: { lba: number; sectors: number }) => issued.push([req.lba, req.sectors]) };
  new ClosedLoopVm("vm", spec).start({
    sim: new Simulation(),
    target: target as unknown as BlockTarget,
    rng: new RngStreams(1).get("vm"),
    vm: 0,
  });
  return issued;
}

describe("ClosedLoopVm", () => {
  it("keeps oio IOs of ioSectors outstanding inside its region", () => {
    const ios = firstIos(good);
    expect(ios.length).toBe(2);
    for (const [lba, n] of ios) {
      expect(n).toBe(32);
      expect(lba % 32).toBe(0);
      expect(lba + n).toBeLessThanOrEqual(1 << 20);
    }
  });

  it("refuses a spec field that is out of range, naming it", () => {
    // oio 2.5 kept 3 IOs outstanding; a NaN size or region died at the first IO naming the RNG's "n".
    const cases: [Partial<ClosedLoopSpec>, string][] = [
      [{ oio: 2.5 }, "vm.oio"],
      [{ oio: 0 }, "vm.oio"],
      [{ ioSectors: Number.NaN }, "vm.ioSectors"],
      [{ readFraction: 1.5 }, "vm.readFraction"],
      [{ regionSectors: Number.NaN }, "vm.regionSectors"],
      [{ regionSectors: 16 }, "vm.regionSectors"], // smaller than one IO: it issued past its region
      [{ base: -1 }, "vm.base"],
      [{ extentSectors: 0 }, "vm.extentSectors"],
      [{ stride: 0.5 }, "vm.stride"],
    ];
    for (const [over, key] of cases)
      expect(() => new ClosedLoopVm("vm", { ...good, ...over }), key).toThrow(new RegExp(`^${key.replace(".", "\\.")}: `));
  });
});
