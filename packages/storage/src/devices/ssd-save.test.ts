import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { expectBadState, runThenDrain, SMALL, type Spec } from "./device-state.test-support.js";
import { Ssd } from "./ssd.js";
import { GENERIC_MLC_SSD, type SsdSpec } from "./ssd-spec.js";
import { base64ToInt32, int32ToBase64 } from "./typed-b64.js";

describe("SSD save/restore", () => {
  it("SSD: a preconditioned drive restored elsewhere continues exactly like the original", () => {
    const simA = new Simulation();
    const a = new Ssd(simA, SMALL);
    runThenDrain(simA, a, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 16 }, 3e9, 1);
    expect(a.ftl.erases).toBeGreaterThan(0); // GC has run: the state is not trivial
    const saved = JSON.parse(JSON.stringify(a.save()));
    const simB = new Simulation();
    simB.restore(simA.save());
    const b = new Ssd(simB, SMALL);
    b.restore(saved);
    expect(b.save()).toEqual(saved);
    const mixed: Spec = { ioSizeBytes: 8192, readPercent: 50, randomPercent: 100, outstandingIos: 8 };
    const sa = runThenDrain(simA, a, mixed, 5e8, 2);
    const sb = runThenDrain(simB, b, mixed, 5e8, 2);
    expect(sb.completed).toBe(sa.completed);
    expect(sb.latencyUs.summary()).toEqual(sa.latencyUs.summary());
    expect(b.save()).toEqual(a.save());
  });

  it("SSD: restored with no command overhead, the continuation is identical to the nanosecond", () => {
    // Transfers end at fractional ns (4 KiB at 300 MB/s: 13,653.33 ns) while completions fall on whole ns:
    // rounded to the nearest, a read completed at 13,653 with the host interface busy until 13,653.33, so the
    // state saved then was not idle there, and the restored drive (interface free) finished the next write
    // 1 ns before the original (647,786 against 647,787).
    const spec: SsdSpec = { ...GENERIC_MLC_SSD, commandOverheadNs: 0 };
    const one = (sim: Simulation, ssd: Ssd, lba: number, isRead: boolean) => {
      let at = -1;
      ssd.submit({ id: 1, vm: 0, lba, sectors: 8, isRead, issueTime: sim.now }, { complete: () => (at = sim.now) });
      sim.run();
      return at;
    };
    const simA = new Simulation();
    const a = new Ssd(simA, spec);
    one(simA, a, 0, true);
    const saved = JSON.parse(JSON.stringify(a.save()));
    const simB = new Simulation();
    simB.restore(simA.save());
    const b = new Ssd(simB, spec);
    b.restore(saved);
    for (const [lba, isRead] of [
      [0, false],
      [8, true],
      [0, true],
    ] as const)
      expect(one(simB, b, lba, isRead)).toBe(one(simA, a, lba, isRead));
    expect(b.save()).toEqual(a.save());
  });

  it("SSD: rewound (simulation and drive restored to an earlier snapshot), the drive replays the continuation to the nanosecond", () => {
    // The controller and the host interface were left as the later run left them: the replayed commands
    // waited for work the rewind undid.
    const sim = new Simulation();
    const ssd = new Ssd(sim, SMALL);
    const run = () => {
      const at: number[] = [];
      for (const [id, lba, isRead] of [
        [1, 64, false],
        [2, 0, true],
        [3, 128, true],
      ] as const)
        ssd.submit({ id, vm: 0, lba, sectors: 8, isRead, issueTime: sim.now }, { complete: () => at.push(sim.now) });
      sim.run();
      return at;
    };
    ssd.submit({ id: 0, vm: 0, lba: 0, sectors: 8, isRead: false, issueTime: 0 }, { complete: () => {} });
    sim.run();
    const simState = sim.save();
    const drive = JSON.parse(JSON.stringify(ssd.save()));
    const first = run();
    sim.restore(simState);
    ssd.restore(drive);
    expect(run()).toEqual(first);
  });

  it("SSD: a preconditioned drive restored into a new simulation (at 0) serves its first read at once", () => {
    // The dies' and channels' saved times are the old simulation's (seconds in): restored as they were, the
    // first read after preconditioning for 3 s waited until then (3.01 s for a 104 µs read).
    const simA = new Simulation();
    const a = new Ssd(simA, SMALL);
    runThenDrain(simA, a, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 16, alignmentBytes: 4096 }, 3e9, 1);
    const saved = JSON.parse(JSON.stringify(a.save()));
    const sim = new Simulation();
    const b = new Ssd(sim, SMALL);
    b.restore(saved);
    let at = -1;
    b.submit({ id: 1, vm: 0, lba: 0, sectors: 8, isRead: true, issueTime: 0 }, { complete: () => (at = sim.now) });
    sim.run();
    expect(b.ftl.lookup(0)).toBeGreaterThanOrEqual(0); // a flash read: overhead + tR + channel + interface
    expect(at).toBe(Math.ceil(20_000 + 50_000 + 20_480 + 4096 / 0.3));
  });

  it("SSD: corrupt or mismatched state is rejected and changes nothing", () => {
    const sim = new Simulation();
    const ssd = new Ssd(sim, SMALL);
    runThenDrain(sim, ssd, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4 }, 2e8, 3);
    const good = ssd.save();
    const fresh = new Ssd(new Simulation(), SMALL);
    const before = fresh.save();
    const l2p = base64ToInt32(good.ftl.l2p, ssd.ftl.logicalPages) as Int32Array;
    const mapped = l2p.findIndex((x) => x >= 0);
    const other = l2p.findIndex((x, i) => x >= 0 && i !== mapped);
    l2p[other] = l2p[mapped]; // one physical page mapped twice
    expectBadState(() => fresh.restore({ ...good, ftl: { ...good.ftl, l2p: int32ToBase64(l2p) } }));
    expectBadState(() => fresh.restore({ ...good, ftl: { ...good.ftl, l2p: "not base64!" } }));
    expectBadState(() => fresh.restore({ ...good, version: 2 }));
    expectBadState(() => new Ssd(new Simulation(), { ...SMALL, blocksPerDie: 128 }).restore(good));
    expect(fresh.save()).toEqual(before);
  });

  it("SSD: a state from a drive with another page size is refused, naming both, changing nothing; one saved before it was recorded restores", () => {
    const sim = new Simulation();
    const ssd = new Ssd(sim, SMALL);
    runThenDrain(sim, ssd, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4 }, 1e7, 3);
    const good = JSON.parse(JSON.stringify(ssd.save()));
    expect(good.pageBytes).toBe(SMALL.pageBytes);
    // Same dies, blocks and pages: the FTL's geometry matches, but logical page n is other sectors.
    const big = new Ssd(new Simulation(), { ...SMALL, pageBytes: 2 * SMALL.pageBytes });
    const before = big.save();
    expectBadState(() => big.restore(good));
    expect(() => big.restore(good)).toThrow(/4096-byte pages, this one has 8192-byte pages/);
    expect(big.save()).toEqual(before);
    const { pageBytes: _, ...older } = good;
    const copy = new Ssd(new Simulation(), SMALL);
    copy.restore(older);
    // (Restored at time 0: its dies and channels are free from 0, not from the saved times.)
    expect(JSON.parse(JSON.stringify(copy.save()))).toMatchObject({ pageBytes: good.pageBytes, ftl: good.ftl });
  });

  it("SSD: a state from another model is refused, naming both, changing nothing (it restored silently); one saved before the model was recorded restores", () => {
    const sim = new Simulation();
    const ssd = new Ssd(sim, SMALL);
    runThenDrain(sim, ssd, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4 }, 1e7, 3);
    const good = JSON.parse(JSON.stringify(ssd.save()));
    expect(good.model).toBe(SMALL.model);
    // The same dies, blocks and pages: only the model (and its timings) differ.
    const other = new Ssd(new Simulation(), { ...SMALL, model: "another SSD", pageProgramNs: 200_000 });
    const before = other.save();
    expectBadState(() => other.restore(good));
    expect(() => other.restore(good)).toThrow(/saved from a "generic MLC SSD \(8 channels x 4 dies\)", this drive is a "another SSD"/);
    expect(other.save()).toEqual(before);
    const { model: _, ...older } = good;
    other.restore(older);
    // The same model with a figure changed (a what-if on a preconditioned drive) restores.
    new Ssd(new Simulation(), { ...SMALL, pageProgramNs: 200_000 }).restore(good);
  });

  it("SSD: a die or channel booked past the simulation's 2^53 ns is refused (the next IO threw VMLAB_SIM_BAD_DELAY from the queue)", () => {
    const sim = new Simulation();
    const ssd = new Ssd(sim, SMALL);
    runThenDrain(sim, ssd, { ioSizeBytes: 4096, readPercent: 0, randomPercent: 100, outstandingIos: 4 }, 1e7, 3);
    const good = JSON.parse(JSON.stringify(ssd.save()));
    const fresh = new Ssd(new Simulation(), SMALL);
    const before = fresh.save();
    expectBadState(() => fresh.restore({ ...good, dieFree: good.dieFree.map(() => 1e300) }));
    expectBadState(() => fresh.restore({ ...good, chanFree: good.chanFree.map(() => 2 ** 60) }));
    expect(fresh.save()).toEqual(before);
  });
});
