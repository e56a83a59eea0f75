import { describe, expect, it } from "vitest";
import { Simulation } from "./simulation.js";

/**
 * Rules of the kernel's documented API that the broader tests in
 * simulation.test.ts happened not to pin: each test here failed against a
 * one-line change to simulation.ts that every other test let through.
 */

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe("Simulation clock", () => {
  it("scheduleAt rounds a fractional time to whole ns, as schedule rounds a delay", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    const k = sim.on("k", () => seen.push(sim.now));
    sim.scheduleAt(10.4, k);
    sim.scheduleAt(20.6, k);
    sim.run();
    expect(seen).toEqual([10, 21]);
  });

  it("run({until}) with an until before now never moves the clock back", () => {
    const sim = new Simulation();
    const k = sim.on("k", () => {});
    sim.schedule(100, k);
    sim.schedule(500, k);
    sim.run({ until: 100 });
    expect(sim.now).toBe(100);
    sim.run({ until: 40 });
    expect(sim.now).toBe(100);
    expect(sim.pending).toBe(1);
  });

  it("step() counts the event it fires in executed, as run() does", () => {
    const sim = new Simulation();
    const k = sim.on("k", () => {});
    sim.schedule(1, k);
    sim.schedule(2, k);
    sim.step();
    expect(sim.executed).toBe(1);
    sim.run();
    expect(sim.executed).toBe(2);
  });

  it("accepts initialCapacity 0 (a hint; the queue grows as needed)", () => {
    const sim = new Simulation({ initialCapacity: 0 });
    const k = sim.on("k", () => {});
    for (let i = 0; i < 100; i++) sim.schedule(i, k);
    sim.run();
    expect(sim.executed).toBe(100);
  });
});

describe("Simulation save/restore validation", () => {
  function saved() {
    const sim = new Simulation();
    const k = sim.on("k", () => {});
    sim.schedule(5, k);
    sim.schedule(9, k);
    return sim.save();
  }

  it("refuses an event whose seq is nextSeq (the next handle would name two events) and changes nothing", () => {
    const state = saved();
    const bad = { ...state, events: [{ ...state.events[0], seq: state.nextSeq }] };
    const target = new Simulation();
    const k = target.on("k", () => {});
    target.schedule(77, k);
    const before = target.save();
    expect(codeOf(() => target.restore(bad))).toBe("VMLAB_SIM_BAD_STATE");
    expect(target.save()).toEqual(before);
  });

  it("refuses an event of the kernel's own process-resume kind: no process exists to resume", () => {
    const state = saved();
    const bad = { ...state, events: [{ ...state.events[0], kind: "vmlab.process.resume" }] };
    const target = new Simulation();
    target.on("k", () => {});
    expect(codeOf(() => target.restore(bad))).toBe("VMLAB_SIM_NO_HANDLER");
    expect(target.pending).toBe(0);
  });

  it("saves a null-prototype object payload (plain data) and refuses a bigint one (JSON cannot carry it)", () => {
    const sim = new Simulation();
    const k = sim.on("k", () => {});
    const bare = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
    sim.schedule(1, k, 0, bare);
    expect(sim.save().events[0].obj).toEqual({ a: 1 });
    sim.schedule(2, k, 0, 10n);
    expect(codeOf(() => sim.save())).toBe("VMLAB_SIM_NOT_SAVABLE");
  });
});

describe("Simulation restore replaces the whole queue", () => {
  /** A saved state with one event at 5 ns and handles up to 20 issued. */
  function smallState() {
    const sim = new Simulation();
    const k = sim.on("k", () => {});
    for (let i = 0; i < 20; i++) sim.cancel(sim.schedule(5 + i, k));
    sim.schedule(5, k);
    return sim.save();
  }

  it("drops far-future events the target had pending: they never fire after the restore", () => {
    const fired: string[] = [];
    const target = new Simulation();
    const k = target.on("k", () => fired.push(`k@${target.now}`));
    target.on("old", () => fired.push(`old@${target.now}`));
    // Scheduled after a near event, these lie far beyond the calendar's year: they wait in the queue's far heap.
    target.schedule(1, k);
    for (let i = 0; i < 3; i++) target.schedule(1e12 + i, target.kindId("old"));
    // The restored queue reaches past the old far events' time, so a leftover would be met on the way.
    const source = new Simulation();
    const sk = source.on("k", () => {});
    source.schedule(5, sk);
    source.schedule(3e12, sk);
    target.restore(source.save());
    expect(target.pending).toBe(2);
    target.run();
    expect(fired).toEqual(["k@5", "k@3000000000000"]);
    expect(target.pending).toBe(0);
  });

  it("cancel after a restore sees only the restored events (handles of the old queue are not pending)", () => {
    const target = new Simulation();
    const k = target.on("k", () => {});
    const old: number[] = [target.schedule(1, k)];
    for (let i = 0; i < 10; i++) old.push(target.schedule(1e12 + i, k));
    // The first cancel builds the queue's handle index.
    expect(target.cancel(old[0])).toBe(true);
    const state = smallState();
    target.restore(state);
    for (const h of old.slice(1)) expect(target.cancel(h)).toBe(false);
    expect(target.pending).toBe(1);
    expect(target.cancel(state.events[0].seq)).toBe(true);
    expect(target.pending).toBe(0);
  });
});
