import { describe, expect, it } from "vitest";
import { isVmlabError } from "../errors.js";
import { exponential } from "./distributions.js";
import type { Process } from "./process.js";
import { RngStreams } from "./rng.js";
import { Simulation } from "./simulation.js";
import { Resource, Signal, Store } from "./sync.js";

function thrown(fn: () => unknown): { code?: string; cause?: unknown; message: string } {
  try {
    fn();
  } catch (e) {
    expect(isVmlabError(e)).toBe(true);
    return e as { code?: string; cause?: unknown; message: string };
  }
  throw new Error("expected a VmlabError, nothing was thrown");
}

describe("processes", () => {
  it("a number or sim.timeout() waits that many ns", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    sim.process(function* () {
      seen.push(sim.now);
      yield sim.timeout(1_000);
      seen.push(sim.now);
      yield 2.4; // rounded to whole ns
      seen.push(sim.now);
      yield 0;
      seen.push(sim.now);
    });
    sim.run();
    expect(seen).toEqual([0, 1_000, 1_002, 1_002]);
  });

  it("starts from a generator object (SimPy style) and reuses one generator function", () => {
    const sim = new Simulation();
    const log: string[] = [];
    function* customer(name: string, patience: number): Generator<number, string, unknown> {
      yield patience;
      log.push(`${sim.now}:${name}`);
      return name.toUpperCase();
    }
    const a = sim.process(customer("a", 30), "a");
    sim.process(customer("b", 10), "b");
    sim.run();
    expect(log).toEqual(["10:b", "30:a"]);
    expect([a.done, a.result]).toEqual([true, "A"]);
  });

  it("processes resumed at the same time run in the order they were scheduled", () => {
    const sim = new Simulation();
    const order: number[] = [];
    for (let i = 0; i < 5; i++) {
      sim.process(function* () {
        yield 100;
        order.push(i);
      });
    }
    sim.run();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("Signal wakes every waiter with its value; waiting on a triggered signal continues at once", () => {
    const sim = new Simulation();
    const sig = new Signal<string>(sim);
    const got: string[] = [];
    for (const name of ["x", "y"]) {
      sim.process(function* () {
        const v = yield sig;
        got.push(`${sim.now}:${name}:${v}`);
      });
    }
    sim.process(function* () {
      yield 50;
      sig.succeed("go");
      sig.succeed("again"); // one-shot: ignored
      const v = yield sig;
      got.push(`${sim.now}:late:${v}`);
    });
    sim.run();
    expect(got).toEqual(["50:late:go", "50:x:go", "50:y:go"]);
    expect(sim.executed).toBe(6); // 3 starts, 1 timeout, 2 wake-ups; the late waiter cost no event
  });

  it("Resource: at most `capacity` holders, waiters served FIFO", () => {
    const sim = new Simulation();
    const disk = new Resource(sim, 2);
    const log: string[] = [];
    let maxInUse = 0;
    const user = (name: string, hold: number) =>
      function* () {
        yield disk;
        maxInUse = Math.max(maxInUse, disk.inUse);
        log.push(`${sim.now}:${name}+`);
        yield hold;
        disk.release();
      };
    sim.process(user("a", 100));
    sim.process(user("b", 50));
    sim.process(user("c", 10));
    sim.process(user("d", 10));
    sim.process(user("e", 10));
    sim.run({ until: 1 });
    expect(disk.queueLength).toBe(3);
    sim.run();
    expect(log).toEqual(["0:a+", "0:b+", "50:c+", "60:d+", "70:e+"]);
    expect(maxInUse).toBe(2);
    expect(disk.inUse).toBe(0);
    // A unit released that nobody holds is a model bug, not a silent no-op.
    expect(() => disk.release()).toThrow(expect.objectContaining({ code: "VMLAB_SIM_OVER_RELEASE" }));
    expect(disk.inUse).toBe(0);
  });

  it("Resource refuses a capacity that is not a whole number of units >= 1", () => {
    // Capacity 0 or NaN parked every process forever and run() returned as if the model were done; 1.5 admitted 2, "2" from JSON 2.
    const sim = new Simulation();
    for (const bad of [0, -1, 1.5, Number.NaN, "2"]) {
      const e = thrown(() => new Resource(sim, bad as number));
      expect(e.code).toBe("VMLAB_SIM_BAD_OPTION");
      expect(e.message).toMatch(/Resource capacity/);
    }
    expect(new Resource(sim, Number.POSITIVE_INFINITY).capacity).toBe(Number.POSITIVE_INFINITY);
    expect(new Resource(sim).capacity).toBe(1);
  });

  it("a process that blocks on a Resource, Store, Signal or Process of another Simulation is refused, naming both", () => {
    // Each VM of a Host has its own Simulation; sharing a Resource across them woke the waiter in the wrong
    // simulation: "Cannot set properties of undefined (setting 'done')" inside the other one's run.
    for (const make of [
      (other: Simulation) => {
        const r = new Resource(other, 1);
        other.process(function* () {
          yield r;
        });
        other.run();
        return r;
      },
      (other: Simulation) => new Store(other),
      (other: Simulation) => new Signal(other),
      (other: Simulation) =>
        other.process(function* () {
          yield 10;
        }),
    ]) {
      const sim = new Simulation();
      const other = new Simulation();
      const w = make(other);
      sim.process(function* () {
        yield w;
      }, "vm1.io");
      const e = thrown(() => sim.run());
      expect(e.code).toBe("VMLAB_SIM_BAD_YIELD");
      expect(e.message).toMatch(/"vm1\.io" waited on a \w+ of another Simulation/);
    }
    // Taking a free unit of another simulation's Resource needs no wake-up and stays allowed.
  });

  it("Store hands items out FIFO and parks getters until a put", () => {
    const sim = new Simulation();
    const store = new Store<number>(sim);
    const got: string[] = [];
    sim.process(function* () {
      for (let i = 0; i < 3; i++) {
        const item = yield store;
        got.push(`${sim.now}:${item}`);
      }
    });
    sim.process(function* () {
      store.put(1);
      store.put(2);
      yield 40;
      store.put(3);
    });
    sim.run();
    expect(got).toEqual(["0:1", "0:2", "40:3"]);
    expect(store.size).toBe(0);
  });

  it("yielding a process joins it and resumes with its result", () => {
    const sim = new Simulation();
    const child = sim.process(function* () {
      yield 25;
      return 42;
    }, "child");
    const seen: unknown[] = [];
    sim.process(function* () {
      const r = yield child;
      seen.push(sim.now, r);
      const again = yield child; // already done: continues at once
      seen.push(sim.now, again);
    });
    sim.run();
    expect(seen).toEqual([25, 42, 25, 42]);
    expect((child as Process<number>).result).toBe(42);
  });

  it("an error thrown inside a process surfaces as VMLAB_SIM_PROCESS_FAILED with the cause", () => {
    const sim = new Simulation();
    const boom = new Error("disk on fire");
    sim.process(function* () {
      yield 5;
      throw boom;
    }, "controller");
    const e = thrown(() => sim.run());
    expect(e.code).toBe("VMLAB_SIM_PROCESS_FAILED");
    expect(e.message).toContain("controller");
    expect(e.cause).toBe(boom);
    expect(sim.now).toBe(5);
    expect(sim.executed).toBe(2);
  });

  it("bad yields and bad delays are rejected with their own codes", () => {
    const bad = (value: unknown) => {
      const sim = new Simulation();
      sim.process(function* () {
        yield value;
      }, "p");
      return thrown(() => sim.run()).code;
    };
    expect(bad("soon")).toBe("VMLAB_SIM_BAD_YIELD");
    expect(bad({})).toBe("VMLAB_SIM_BAD_YIELD");
    expect(bad(undefined)).toBe("VMLAB_SIM_BAD_YIELD");
    expect(bad(-1)).toBe("VMLAB_SIM_BAD_DELAY");
    expect(bad(Number.NaN)).toBe("VMLAB_SIM_BAD_DELAY");
    expect(bad(Number.POSITIVE_INFINITY)).toBe("VMLAB_SIM_BAD_DELAY");
    const sim = new Simulation();
    expect(thrown(() => sim.process((() => 5) as never)).code).toBe("VMLAB_SIM_BAD_PROCESS");
  });

  it("a process that waits for itself is refused, naming it (it parked forever and run() returned as if done)", () => {
    const sim = new Simulation();
    const p: Process = sim.process(function* () {
      yield p;
    }, "selfish");
    expect(() => sim.run()).toThrow(
      expect.objectContaining({ code: "VMLAB_SIM_BAD_YIELD", message: expect.stringContaining('"selfish" waited for itself') }),
    );
    expect(p.done).toBe(true);
  });

  it("process ids are reused after a process ends without confusing later processes", () => {
    const sim = new Simulation();
    const out: string[] = [];
    for (let round = 0; round < 3; round++) {
      sim.process(function* () {
        yield 10;
        out.push(`short${round}@${sim.now}`);
      });
      sim.run();
    }
    sim.process(function* () {
      yield 5;
      out.push(`last@${sim.now}`);
    });
    sim.run();
    expect(out).toEqual(["short0@10", "short1@20", "short2@30", "last@35"]);
    expect(sim.procs.running).toBe(0);
  });

  it("processes and plain events interleave deterministically", () => {
    const trace = () => {
      const sim = new Simulation();
      const out: string[] = [];
      const k = sim.on("k", (n) => out.push(`e${n}@${sim.now}`));
      for (let i = 0; i < 3; i++) sim.schedule(10 * i, k, i);
      sim.process(function* () {
        for (let i = 0; i < 3; i++) {
          yield 10;
          out.push(`p${i}@${sim.now}`);
        }
      });
      sim.run();
      return out;
    };
    expect(trace()).toEqual(["e0@0", "e1@10", "p0@10", "e2@20", "p1@20", "p2@30"]);
  });

  it("is deterministic: an M/M/2 queue of processes gives the same JSON for the same seed", () => {
    const trace = (seed: number) => {
      const sim = new Simulation();
      const rng = new RngStreams(seed);
      const servers = new Resource(sim, 2);
      const log: [number, number, string][] = [];
      function* customer(id: number): Generator<unknown, void, unknown> {
        yield servers;
        log.push([sim.now, id, "start"]);
        yield exponential(rng.get("service"), 900);
        servers.release();
        log.push([sim.now, id, "done"]);
      }
      sim.process(function* () {
        for (let id = 0; id < 300; id++) {
          yield exponential(rng.get("arrivals"), 500);
          sim.process(customer(id));
        }
      });
      sim.run();
      return JSON.stringify({ log, now: sim.now, executed: sim.executed });
    };
    expect(trace(1)).toBe(trace(1));
    expect(trace(1)).not.toBe(trace(2));
  });
});
