import { describe, expect, it } from "vitest";
import { Simulation } from "./simulation.js";
import { Resource, Store } from "./sync.js";

/**
 * Rules of the process primitives that process.test.ts happened not to pin:
 * each test here failed against a one-line change to process.ts or sync.ts
 * that every other test let through.
 */
describe("process primitives", () => {
  it("Resource serves waiters FIFO even when its wait queue grows after it has wrapped around", () => {
    const sim = new Simulation();
    const res = new Resource(sim, 1);
    const served: number[] = [];
    function* user(id: number) {
      yield res;
      served.push(id);
      yield 10;
      res.release();
    }
    // 10 waiters, 10 served (the queue's head moves on), then 30 more: the queue grows from a wrapped position.
    for (let i = 0; i < 10; i++) sim.process(user(i));
    sim.run({ until: 95 });
    for (let i = 10; i < 40; i++) sim.process(user(i));
    sim.run();
    expect(served).toEqual([...Array(40).keys()]);
  });

  it("Store hands out every item in order across the compaction of its item list (thousands of items)", () => {
    const sim = new Simulation();
    const store = new Store<number>(sim);
    for (let i = 0; i < 3000; i++) store.put(i);
    const got: number[] = [];
    sim.process(function* () {
      for (;;) {
        if (store.size === 0) return;
        got.push((yield store) as number);
      }
    });
    sim.run();
    expect(got).toEqual([...Array(3000).keys()]);
  });

  it("joining a process that has already finished resumes at once with its result", () => {
    const sim = new Simulation();
    const child = sim.process(function* () {
      yield 5;
      return "done";
    });
    const seen: unknown[] = [];
    sim.process(function* () {
      yield 20;
      seen.push(child.done, yield child, sim.now);
    });
    sim.run();
    expect(seen).toEqual([true, "done", 20]);
  });
});
