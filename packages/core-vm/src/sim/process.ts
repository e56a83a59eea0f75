import { CoreErrors } from "../errors.js";
import type { Simulation } from "./simulation.js";
import { Waitable } from "./waitable.js";

// Deep imports of "sim/process.js" keep working: the primitives moved to sync.ts.
export { Resource, Signal, Store } from "./sync.js";
export { Waitable };

/**
 * SimPy-like processes: a generator that yields what it waits for.
 *
 *   yield 5_000               wait 5 µs of virtual time (a number is a timeout in ns)
 *   yield sim.timeout(5_000)  the same, spelled as in SimPy
 *   yield signal              wait until `signal.succeed(value)`; resumes with value
 *   yield resource            acquire one unit of a `Resource` (queue FIFO when busy)
 *   const x = yield store     take the next item from a `Store` (wait if empty)
 *   yield otherProcess        wait for another process to finish; resumes with its result
 *
 * A waiter whose condition already holds continues at once, within the same
 * event, so acquiring a free resource costs no event. Resumptions go through
 * the simulation's queue, so ordering is deterministic.
 *
 * Start a process from a body function (`sim.process(function* () {...})`)
 * or, as in SimPy, from a generator (`sim.process(customer(sim, id))`). For
 * thousands of processes prefer one generator function started many times
 * over one closure per process: V8 resumes generators of a single function
 * several times faster (docs/kernel.md, "Processes").
 */
export type ProcessBody<T = unknown> = (sim: Simulation) => Generator<unknown, T, unknown>;

/** A running or finished process; also a Waitable for its completion. */
export class Process<T = unknown> extends Waitable {
  /** @internal */ resumeValue: unknown = undefined;
  done = false;
  result: T | undefined = undefined;
  private joiners: Process[] = [];

  /** @internal */ readonly gen: Generator<unknown, T, unknown>;
  /** @internal */ readonly driver: ProcessDriver;

  /** Made by `sim.process(...)`, which starts it; not by a model. */
  constructor(
    readonly id: number,
    readonly name: string,
    gen: Generator<unknown, T, unknown>,
    driver: ProcessDriver,
  ) {
    super();
    this.gen = gen;
    this.driver = driver;
  }

  wait(p: Process): boolean {
    if (this.done) {
      p.resumeValue = this.result;
      return true;
    }
    if (p.driver !== this.driver) throw p.driver.foreign(p, "Process");
    this.joiners.push(p);
    return false;
  }

  /** @internal */
  finish(result: T): void {
    this.done = true;
    this.result = result;
    for (const j of this.joiners) this.driver.wake(j, result);
    this.joiners.length = 0;
  }
}

function isGenerator(x: unknown): x is Generator<unknown, unknown, unknown> {
  return typeof x === "object" && x !== null && typeof (x as Generator).next === "function" && typeof (x as Generator).throw === "function";
}

/**
 * Runs processes: starts them, resumes them from queue events, and interprets
 * what they yield. The resume path is the kernel's second hot loop: it keeps
 * generators in an array indexed by process id (one load, no Process object
 * on the timeout path), carries a wake-up value in the resume event itself,
 * tests `typeof` before any `instanceof`, and keeps the try/catch around
 * `next` alone.
 */
export class ProcessDriver {
  private procs: (Process | undefined)[] = [];
  private gens: (Generator<unknown, unknown, unknown> | undefined)[] = [];
  private freeIds: number[] = [];
  constructor(private readonly sim: Simulation) {}

  /** Processes started and not yet finished. */
  get running(): number {
    return this.procs.length - this.freeIds.length;
  }

  start<T>(body: ProcessBody<T> | Generator<unknown, T, unknown>, name: string): Process<T> {
    const gen = typeof body === "function" ? body(this.sim) : body;
    if (!isGenerator(gen)) throw CoreErrors.simBadProcess(name, gen);
    const id = this.freeIds.length > 0 ? (this.freeIds.pop() as number) : this.procs.length;
    const p = new Process<T>(id, name, gen, this);
    this.procs[id] = p as Process;
    this.gens[id] = gen as Generator<unknown, unknown, unknown>;
    // Start at the current time, after already-scheduled same-time events (as SimPy does).
    this.sim.scheduleResume(0, id);
    return p;
  }

  /** Makes `p` continue at the current time with `value`. */
  wake(p: Process, value: unknown): void {
    p.resumeValue = value;
    this.sim.scheduleResume(0, p.id, value);
  }

  /** Resumes process `id` (the handler of the kernel's resume event). */
  resume(id: number, value: unknown): void {
    const gen = this.gens[id] as Generator<unknown, unknown, unknown>;
    for (;;) {
      let r: IteratorResult<unknown, unknown>;
      try {
        r = gen.next(value);
      } catch (e) {
        throw CoreErrors.simProcessError(this.kill(id).name, e);
      }
      const y = r.value;
      if (typeof y === "number" && !r.done) {
        // A timeout: the common case, one event per yield.
        if (y >= 0 && y <= Number.MAX_SAFE_INTEGER - this.sim.now) {
          this.sim.scheduleResume(Math.round(y), id);
          return;
        }
        this.kill(id);
        throw CoreErrors.simBadDelay(y, this.sim.now);
      }
      if (r.done) {
        this.kill(id).finish(y);
        return;
      }
      if (!(y instanceof Waitable)) throw CoreErrors.simBadYield(this.kill(id).name, y);
      const p = this.procs[id] as Process;
      // Waiting for its own end would park it forever, and run() would return as if the model were done.
      if (y === p) throw CoreErrors.simSelfWait(this.kill(id).name);
      if (!y.wait(p)) return;
      value = p.resumeValue;
    }
  }

  /** Retires `p`, which blocked on a primitive of another simulation, and returns the error to throw. */
  foreign(p: Process, what: string): Error {
    return CoreErrors.simForeignWait(this.kill(p.id).name, what);
  }

  /** Retires process `id` (finished, failed or killed by a bad yield) and frees its id. */
  private kill(id: number): Process {
    const p = this.procs[id] as Process;
    this.procs[id] = undefined;
    this.gens[id] = undefined;
    this.freeIds.push(id);
    p.done = true;
    return p;
  }
}
