import { Simulation } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IoRequest } from "../io.js";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { busNs, io } from "./hdd-write-cache.test-support.js";

/** A drive that has read each of `regions` ([lba, sectors]) once, so its cache holds them; run to idle. */
function driveHolding(regions: [number, number][], writeCache = false) {
  const sim = new Simulation();
  const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache });
  for (const [i, [lba, n]] of regions.entries()) hdd.submit(io(1000 + i, lba, n, true), { complete() {} });
  sim.run();
  return { sim, hdd };
}

/**
 * Submits `ios` together at the drive's now; runs to idle (by `run`, if given, which may submit more IOs by `submit`);
 * returns each IO's completion (ns after the first submit) by id.
 */
function submitTogether(
  sim: Simulation,
  hdd: Hdd,
  ios: IoRequest[],
  onDone?: (r: IoRequest) => void,
  run: (submit: (r: IoRequest) => void) => void = () => sim.run(),
) {
  const t0 = sim.now;
  const done = new Map<number, number>();
  const sink = {
    complete: (r: IoRequest) => {
      done.set(r.id, sim.now - t0);
      onDone?.(r);
    },
  };
  const submit = (r: IoRequest) => hdd.submit({ ...r, issueTime: sim.now }, sink);
  for (const r of ios) submit(r);
  run(submit);
  return done;
}

describe("Hdd: every command's data crosses the one interface", () => {
  it("a media read overlapping buffered writes shares the interface: 5 MiB take at least 5 MiB at busMBps", () => {
    const { sim, hdd } = driveHolding([], true);
    const ios = [io(0, 0, 2048, true), ...[0, 1, 2, 3].map((k) => io(1 + k, 1_000_000 + k * 2048, 2048, false))];
    const done = submitTogether(sim, hdd, ios);
    expect(done.size).toBe(5);
    // The media read's 1 MiB went unbooked: all five were done in 14.08 ms, 372 MB/s through a 300 MB/s interface.
    expect(Math.max(...done.values())).toBeGreaterThanOrEqual(busNs(5 * 2048) - 1);
  });

  it("cache hits and media reads together never beat the interface, and a read whose data waits frees the head at once", () => {
    const regions: [number, number][] = Array.from({ length: 8 }, (_, i) => [i * 20_000, 1024]);
    const { sim, hdd } = driveHolding(regions);
    const hitsBefore = hdd.cache.hits;
    const mediaBefore = hdd.mediaOps;
    let mediaWhenFirstMediaReadDone = -1;
    const ios = [...regions.map(([lba, n], i) => io(100 + i, lba, n, true)), io(1, 100_000_000, 8, true), io(2, 200_000_000, 8, true)];
    let busyBefore = -1;
    let busyAfter = -1;
    const done = submitTogether(
      sim,
      hdd,
      ios,
      (r) => {
        if (r.id === 1) mediaWhenFirstMediaReadDone = hdd.mediaOps - mediaBefore;
      },
      () => {
        // Event by event to the end of the head's work on the first media read: in that same event it starts the
        // second (its service time counted in busyNs), not at the next hit's completion.
        while (hdd.mediaOps === mediaBefore) {
          busyBefore = hdd.busyNs;
          sim.step();
        }
        busyAfter = hdd.busyNs;
        sim.run();
      },
    );
    expect(busyAfter).toBeGreaterThan(busyBefore);
    expect(hdd.cache.hits - hitsBefore).toBe(8);
    // 4 MiB of hits and 8 KiB of media reads: no sooner than the interface carries them (the two reads were done
    // at 3.4 and 9.3 ms, while the hits held the interface until 14 ms).
    expect(Math.max(...done.values())).toBeGreaterThanOrEqual(busNs(8 * 1024 + 16) - 1);
    expect(done.get(1)).toBeGreaterThan(busNs(8 * 1024));
    // The head read the second while the first one's data waited for the interface: both media reads were over
    // by then, and the second completed right behind the first (one 4 KiB transfer), not a positioning later.
    expect(mediaWhenFirstMediaReadDone).toBe(2);
    expect((done.get(2) as number) - (done.get(1) as number)).toBeLessThanOrEqual(busNs(8) + 1);
  });

  it("a media write's data (write cache off) crosses the interface before the write can end", () => {
    const regions: [number, number][] = Array.from({ length: 8 }, (_, i) => [i * 20_000, 1024]);
    const { sim, hdd } = driveHolding(regions);
    const ios = [...regions.map(([lba, n], i) => io(100 + i, lba, n, true)), io(1, 100_000_000, 2048, false)];
    const done = submitTogether(sim, hdd, ios);
    // The hits were first on the interface (4 MiB); the write's 1 MiB follows them, and the write ends no earlier.
    expect(done.get(1)).toBeGreaterThanOrEqual(busNs(8 * 1024 + 2048) - 1);
  });

  it("a media write's data crosses the interface once the command is processed, not when the head gets there", () => {
    const { sim, hdd } = driveHolding([[0, 1024]]);
    const t0 = sim.now;
    // 1 MiB far away: ms of positioning; then a hit, while the head is still positioning.
    const done = submitTogether(sim, hdd, [io(1, 200_000_000, 2048, false)], undefined, (submit) => {
      sim.run({ until: t0 + 100_000 });
      submit(io(2, 0, 1024, true));
      sim.run();
    });
    // The write's 1 MiB went first, from its processing at 50 us: the hit's 512 KiB follow it (booked from the head's
    // arrival instead, the hit went through in 1.8 ms).
    expect(done.get(2)).toBeGreaterThanOrEqual(CHEETAH_15K5.commandOverheadNs + busNs(2048 + 1024) - 1);
    expect(done.get(1)).toBeGreaterThan(done.get(2) as number);
  });

  it("a media write whose data waits behind a hit's on the interface misses its sector when the head gets there first: a revolution later", () => {
    const rev = 60e9 / CHEETAH_15K5.rpm;
    // The drive holds sectors [0, 1024); a hit of `hitSectors` of them and an 8-sector write near the head arrive together.
    const writeDone = (hitSectors: number, lba: number) => {
      const { sim, hdd } = driveHolding([[0, 1024]]);
      const done = submitTogether(sim, hdd, [io(1, 0, hitSectors, true), io(2, lba, 8, false)]);
      return { hit: done.get(1) as number, write: done.get(2) as number };
    };
    const { geometry } = new Hdd(new Simulation());
    let missed = 0;
    let inTime = 0;
    // Writes whose sectors come under the head at every point of a revolution (97 sectors apart).
    for (let lba = 3000; lba < 6000; lba += 97) {
      const alone = writeDone(8, lba).write; // the interface all but idle
      const behind = writeDone(1024, lba); // 512 KiB of hit data first: the interface busy ~1.8 ms
      const headThere = alone - geometry.transferNs(lba, 8, geometry.zoneOf(lba)); // the head at the write's first sector
      if (headThere < behind.hit - 50_000) {
        // The head got there before the write's data had crossed: it writes on the next revolution.
        expect(behind.write - alone, `LBA ${lba}`).toBe(rev);
        missed++;
      } else if (headThere > behind.hit + 50_000) {
        expect(behind.write, `LBA ${lba}`).toBe(alone);
        inTime++;
      }
    }
    expect(missed).toBeGreaterThan(5);
    expect(inTime).toBeGreaterThan(5);
  });

  it("a queued write's data crosses while it waits for the head: a hit holding the interface when the head gets to it costs nothing", () => {
    // A far read takes the head for ms; a write queued behind it has its data in the drive long before the head is
    // free. A 512 KiB hit whose data holds the interface from ~0.5 ms before the read ends to ~1.2 ms after it does
    // not delay the write (its data would have crossed behind the hit's had it crossed only when the head got to it).
    const writeDone = (withHit: boolean) => {
      const { sim, hdd } = driveHolding([[0, 1024]]);
      const t0 = sim.now;
      // The write 200 sectors on from where the read ends.
      const done = submitTogether(sim, hdd, [io(1, 300_000_000, 8, true), io(2, 300_000_208, 8, false)], undefined, (submit) => {
        if (withHit) {
          sim.run({ until: t0 + writeDone(false).read - 500_000 });
          submit(io(3, 0, 1024, true));
        }
        sim.run();
      });
      return { read: done.get(1) as number, write: done.get(2) as number, hit: done.get(3) };
    };
    const alone = writeDone(false);
    const withHit = writeDone(true);
    expect(withHit.read).toBe(alone.read);
    // The hit's data was still crossing when the head went to the write.
    expect(withHit.hit).toBeGreaterThan(alone.read);
    expect(withHit.write).toBe(alone.write);
  });

  it("property: IOs submitted together complete no faster than their bytes at busMBps, write cache on or off", () => {
    const ioArb = fc.record({
      isRead: fc.boolean(),
      // Near the regions read before (hits), or anywhere on the disk.
      lba: fc.oneof(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: CHEETAH_15K5.capacitySectors - 2048 })),
      sectors: fc.integer({ min: 1, max: 2048 }),
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(ioArb, { minLength: 1, maxLength: 24 }), (writeCache, specs) => {
        const { sim, hdd } = driveHolding(
          [
            [0, 2048],
            [20_000, 2048],
          ],
          writeCache,
        );
        const ios = specs.map((s, i) => io(i, s.lba, s.sectors, s.isRead));
        const sectorsOf = new Map(ios.map((r) => [r.id, r.sectors]));
        let sectors = 0;
        const t0 = sim.now;
        submitTogether(sim, hdd, ios, (r) => {
          // All data crossed after t0, one command after another: by now no more than the interface carries.
          sectors += sectorsOf.get(r.id) as number;
          expect(sim.now - t0).toBeGreaterThanOrEqual(busNs(sectors) - 1);
        });
        expect(sectors).toBe(ios.reduce((s, r) => s + r.sectors, 0));
      }),
      { numRuns: 150, seed: 26 },
    );
  });
});
