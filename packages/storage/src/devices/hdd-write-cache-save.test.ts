import { Simulation } from "@vmlab/core-vm";
import { thrownCode } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { Hdd } from "./hdd.js";
import { CHEETAH_15K5 } from "./hdd-spec.js";
import { expectRefused, io, wroteAndReadBack } from "./hdd-write-cache.test-support.js";

describe("Hdd with its write cache on: save and restore", () => {
  it("saves only once the buffer is written back; the state round-trips", () => {
    const sim = new Simulation();
    const hdd = new Hdd(sim, CHEETAH_15K5, "hdd", { writeCache: true });
    let completed = 0;
    hdd.submit(io(0, 5_000_000, 64, false), { complete: () => completed++ });
    sim.run({ until: 300_000 });
    expect(completed).toBe(1); // the host has its answer…
    expect(hdd.outstanding).toBe(0); // …and no command of its own in the drive…
    expect(hdd.dirtySectors).toBe(64); // …the media does not have the data yet
    expect(thrownCode(() => hdd.save())).toBe("VMLAB_STORAGE_NOT_QUIESCENT");
    // The host has nothing in flight: the refusal says what is left (the write-back), not "IOs in flight".
    expect(() => hdd.save()).toThrow(/write cache holds 64 sectors not yet on the media/);
    // A restore into it is refused for the same reason, and says restore: it said "cannot save …: 1 IO is in flight".
    const idle = new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true }).save();
    expect(() => hdd.restore(idle)).toThrow(
      /^cannot restore hdd hdd: its write cache holds 64 sectors not yet on the media; .*then restore$/,
    );
    sim.run();
    expect(hdd.dirtySectors).toBe(0);
    const state = hdd.save();
    const copy = new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true });
    copy.restore(state);
    expect(copy.save()).toEqual(state);
    expect([copy.writesBuffered, copy.completed]).toEqual([1, 1]); // counters go on from where they were
  });

  it("a state with write-cache counters is refused by a drive with its write cache off, changing nothing; flushes alone restore", () => {
    const { sim, hdd, sink } = wroteAndReadBack();
    hdd.flush(io(2, 0, 0, false), sink);
    sim.run();
    const state = hdd.save();
    expect([state.writesBuffered, state.readsFromBuffer, state.flushes]).toEqual([1, 1, 1]);
    for (const bad of [state, { ...state, readsFromBuffer: undefined }, { ...state, writesBuffered: undefined }])
      expectRefused(
        () => new Hdd(new Simulation(), CHEETAH_15K5, "hdd"),
        bad,
        /write cache on .*this one has it off; build it with writeCache: true/,
      );
    // A flush is taken with the write cache off too: a state counting flushes only restores there. (Not the state
    // above: its drive's write buffer took 8 of the 16 read cache segments.)
    const offSim = new Simulation();
    const flushed = new Hdd(offSim, CHEETAH_15K5, "hdd");
    flushed.flush(io(2, 0, 0, false), sink);
    offSim.run();
    const off = new Hdd(new Simulation(), CHEETAH_15K5, "hdd");
    off.restore({ ...flushed.save(), writesBuffered: undefined, readsFromBuffer: undefined });
    expect(off.flushes).toBe(1);
    expect(() => off.restore({ ...state, writesBuffered: undefined, readsFromBuffer: undefined })).toThrow(/expected 16 segments/);
  });

  it("a state whose write-cache counters no drive could reach is refused, changing nothing", () => {
    const state = wroteAndReadBack().hdd.save();
    expect([state.completed, state.writesBuffered, state.readsFromBuffer]).toEqual([2, 1, 1]);
    const bad: [unknown, RegExp][] = [
      // Every buffered write and every read from the buffer is a completed command.
      [{ ...state, writesBuffered: 5 }, /writesBuffered \(5\) and readsFromBuffer \(1\) count more commands than completed \(2\)/],
      [{ ...state, readsFromBuffer: 3 }, /count more commands than completed/],
      // A read is served from written data only once a write was buffered.
      [{ ...state, writesBuffered: undefined }, /readsFromBuffer \(1\) with no write buffered/],
    ];
    for (const [s, message] of bad) expectRefused(() => new Hdd(new Simulation(), CHEETAH_15K5, "hdd", { writeCache: true }), s, message);
  });
});
