import { describe, expect, it } from "vitest";
import { Counter, TimeSeries, TimeWeighted } from "./metrics.js";
import { Simulation } from "./simulation.js";

describe("TimeWeighted", () => {
  it("averages a level over virtual time (∫ level dt / elapsed)", () => {
    const sim = new Simulation();
    const q = new TimeWeighted("queue", sim);
    const set = sim.on("set", (level) => q.set(level));
    sim.schedule(10, set, 4); // 0 for 10 ns
    sim.schedule(30, set, 1); // 4 for 20 ns
    sim.schedule(40, set, 0); // 1 for 10 ns
    sim.run({ until: 100 }); // 0 for 60 ns
    expect(q.average()).toBeCloseTo((4 * 20 + 1 * 10) / 100, 12);
    expect(q.current).toBe(0);
  });

  it("add() moves the level; reset() forgets the warm-up but keeps the level", () => {
    const sim = new Simulation();
    const busy = new TimeWeighted("busy", sim, 2);
    expect(busy.average()).toBe(2); // no time has passed yet
    const add = sim.on("add", (d) => busy.add(d));
    sim.schedule(50, add, 1);
    sim.run({ until: 100 });
    expect(busy.average()).toBeCloseTo((2 * 50 + 3 * 50) / 100, 12);
    busy.reset();
    sim.schedule(10, add, -3);
    sim.run({ until: 200 });
    expect(busy.average()).toBeCloseTo((3 * 10 + 0 * 90) / 100, 12);
  });
});

describe("Counter and TimeSeries", () => {
  it("count and record samples", () => {
    const c = new Counter("ios");
    c.add();
    c.add(4);
    expect(c.value).toBe(5);
    const s = new TimeSeries("window");
    s.record(0, 1);
    s.record(2_000_000_000, 3);
    expect(s.length).toBe(2);
    expect(s.rows()).toEqual([
      { t: 0, value: 1 },
      { t: 2, value: 3 },
    ]);
  });
});

describe("TimeWeighted levels", () => {
  it("refuses a level that is not a finite number instead of averaging NaN from then on", () => {
    const sim = new Simulation();
    const q = new TimeWeighted("queue", sim);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, "3"]) {
      expect(() => q.set(bad as number)).toThrow(expect.objectContaining({ code: "VMLAB_METRICS_BAD_VALUE" }));
      expect(() => q.add(bad as number)).toThrow(expect.objectContaining({ code: "VMLAB_METRICS_BAD_VALUE" }));
    }
    expect(() => new TimeWeighted("q", sim, Number.NaN)).toThrow(expect.objectContaining({ code: "VMLAB_METRICS_BAD_VALUE" }));
    q.set(-2); // a level may be negative (a deficit)
    expect(q.current).toBe(-2);
    expect(Number.isFinite(q.average())).toBe(true);
  });
});
