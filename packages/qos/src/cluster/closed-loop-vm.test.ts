import { RngStreams, Simulation } from "@vmlab/core-vm";
import type { BlockTarget } from "@vmlab/storage";
import fc from "fast-check";
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

  it("keeps every IO inside one extent when the IO size does not divide the extent", () => {
    // 32-sector IOs in 100-sector extents, interleaved 3 ways: the IO at 96 ran into sector 100, another VM's extent.
    const spec = { ...good, oio: 2000, ioSectors: 32, regionSectors: 300, extentSectors: 100, stride: 3 };
    const lbas = [...new Set(firstIos(spec).map(([lba]) => lba))].sort((a, b) => a - b);
    expect(lbas).toEqual([0, 32, 64, 300, 332, 364, 600, 632, 664]);
  });

  it("property: IOs stay inside the VM's extents, and where the IO size divides the extent they are the unsplit layout's", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 1000 }),
        (io, perExtent, extentExtra, stride, regionExtra, base) => {
          const extentSectors = io * perExtent + extentExtra;
          const spec = { oio: 200, ioSectors: io, readFraction: 1, regionSectors: io + regionExtra, base, extentSectors, stride };
          const ios = firstIos(spec);
          for (const [lba, n] of ios) {
            const k = Math.floor((lba - base) / (stride * extentSectors));
            const start = base + k * stride * extentSectors;
            expect(lba).toBeGreaterThanOrEqual(start);
            expect(lba + n).toBeLessThanOrEqual(start + extentSectors); // inside its own extent
            expect(k * extentSectors + (lba - start) + n).toBeLessThanOrEqual(spec.regionSectors); // inside its disk
          }
          if (extentSectors % io !== 0) return;
          // The layout before extents kept IOs inside: the same LBAs from the same stream (simulated numbers unchanged).
          const rng = new RngStreams(1).get("vm");
          const slots = Math.floor(spec.regionSectors / io);
          for (const [lba] of ios) {
            const x = rng.int(slots) * io;
            const e = Math.floor(x / extentSectors);
            expect(lba).toBe(base + e * stride * extentSectors + (x - e * extentSectors));
          }
        },
      ),
      { seed: 1, numRuns: 200 },
    );
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
      [{ extentSectors: 16 }, "vm.extentSectors"], // smaller than one IO: no IO fits inside an extent
      [{ stride: 0.5 }, "vm.stride"],
    ];
    for (const [over, key] of cases)
      expect(() => new ClosedLoopVm("vm", { ...good, ...over }), key).toThrow(new RegExp(`^${key.replace(".", "\\.")}: `));
  });
});
