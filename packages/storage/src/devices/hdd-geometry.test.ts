import { describe, expect, it } from "vitest";
import { HddGeometry } from "./hdd-geometry.js";
import { CHEETAH_15K5, type HddSpec } from "./hdd-spec.js";

/** The last zone whose first LBA is <= lba (zone 0 below the first), by a plain scan. */
function zoneByScan(g: HddGeometry, lba: number): number {
  let zone = 0;
  for (let z = 1; z < g.zoneSpt.length; z++) if (lba >= g.zoneLba[z]) zone = z;
  return zone;
}

describe("HddGeometry.zoneOf", () => {
  const specs: HddSpec[] = [
    CHEETAH_15K5,
    { ...CHEETAH_15K5, zones: 1 },
    { ...CHEETAH_15K5, zones: 3000, capacitySectors: 5_000_000 }, // many zone starts per bucket
    { ...CHEETAH_15K5, capacitySectors: 40_000 },
  ];
  it("matches a scan of the zone starts at every boundary, around it, at random and outside the disk", () => {
    let seed = 3;
    const r = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    for (const spec of specs) {
      const g = new HddGeometry(spec);
      const end = g.zoneLba[g.zoneSpt.length];
      const lbas = [-1, -0.5, 0, end - 1, end, end + 1, end * 3, Number.NaN];
      // Just past the disk's last zone, closely enough to meet every LBA table bucket there.
      for (let i = 0; i <= 2000; i++) lbas.push(end + Math.floor((i * end) / 100_000));
      for (const b of g.zoneLba) lbas.push(b - 1, b - 0.5, b, b + 0.5, b + 1);
      for (let i = 0; i < 20_000; i++) lbas.push(Math.floor(r() * end), r() * end);
      for (const lba of lbas) if (g.zoneOf(lba) !== zoneByScan(g, lba)) expect.fail(`${spec.zones} zones, lba ${lba}`);
    }
  });
});

describe("HddGeometry.transferNs", () => {
  it("is the sum of each sector's zone time, within a zone and across zone boundaries", () => {
    const g = new HddGeometry(CHEETAH_15K5);
    const bySector = (lba: number, n: number) => {
      let ns = 0;
      for (let x = lba; x < lba + n; x++) ns += g.zoneSectorNs[g.zoneOf(x)];
      return ns;
    };
    for (const [lba, n] of [
      [0, 8],
      [g.zoneLba[1] - 8, 8],
      [g.zoneLba[1] - 5, 10],
      [g.zoneLba[3] - 1000, 2000],
      [g.zoneLba[23] - 3, 3 + 7],
    ]) {
      const t = g.transferNs(lba, n, g.zoneOf(lba));
      expect(Math.abs(t - bySector(lba, n))).toBeLessThan(1e-6 * t);
    }
    // Several zones at once: each zone's sectors at its own rate.
    let three = 0;
    for (let z = 2; z < 5; z++) three += (g.zoneLba[z + 1] - g.zoneLba[z]) * g.zoneSectorNs[z];
    expect(g.transferNs(g.zoneLba[2], g.zoneLba[5] - g.zoneLba[2], 2)).toBeCloseTo(three, 0);
  });
});

describe("HddGeometry.angleOf", () => {
  it("a track's sectors run in order from angle 0, 1/spt of a revolution apart, in every zone (the zone's first sector starts a track)", () => {
    for (const spec of [CHEETAH_15K5, { ...CHEETAH_15K5, zones: 7 }]) {
      const g = new HddGeometry(spec);
      for (let z = 0; z < g.zoneSpt.length; z++) {
        const spt = g.zoneSpt[z];
        const cylinder = spec.heads * spt;
        for (const track of [g.zoneLba[z], g.zoneLba[z] + spt, g.zoneLba[z] + 5 * cylinder + 3 * spt]) {
          expect(g.angleOf(track, z), `zone ${z}`).toBe(0);
          expect(g.angleOf(track + 1, z)).toBeCloseTo(1 / spt, 12);
          expect(g.angleOf(track + spt - 1, z)).toBeCloseTo((spt - 1) / spt, 12);
        }
      }
    }
  });
});
