import { CoreErrors } from "../errors.js";
import type { Simulation } from "./simulation.js";

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
 */
export type ProcessBody<T = unknown> = (sim: Simulation) => Generator<unknown, T, unknown>;

/** Something a process can wait on. */
export abstract class Waitable {
  /**
   * Called when process `p` yields this. Returns true (and sets `p.resumeValue`)
   * if `p` may continue at once; otherwise keeps `p` to resume later.
   * @internal
   */
  abstract wait(p: Process): boolean;
}

/** A running or finished process; also a Waitable for its completion. */
export class Process<T = unknown> extends Waitable {
  /** @internal */ resumeValue: unknown = undefined;
  done = false;
  result: T | undefined = undefined;
  private joiners: Process[] = [];

  constructor(
    readonly id: number,
    readonly name: string,
    /** @internal */ readonly gen: Generator<unknown, T, unknown>,
    private readonly driver: ProcessDriver,
  ) {
    super();
  }

  wait(p: Process): boolean {
    if (this.done) {
      p.resumeValue = this.result;
      return true;
    }
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

/** A one-shot event (SimPy's `env.event()`): processes wait until it succeeds. */
export class Signal<T = unknown> extends Waitable {
  triggered = false;
  value: T | undefined = undefined;
  private waiters: Process[] = [];
  constructor(private readonly sim: Simulation) {
    super();
  }
  wait(p: Process): boolean {
    if (this.triggered) {
      p.resumeValue = this.value;
      return true;
    }
    this.waiters.push(p);
    return false;
  }
  /** Triggers the signal; every waiter resumes (at the current time) with `value`. */
  succeed(value?: T): void {
    if (this.triggered) return;
    this.triggered = true;
    this.value = value;
    for (const w of this.waiters) this.sim.procs.wake(w, value);
    this.waiters.length = 0;
  }
}

/** A FIFO queue of waiting processes over a ring buffer (no per-wait allocation). */
class WaitQueue {
  private buf: (Process | undefined)[] = new Array(16).fill(undefined);
  private head = 0;
  length = 0;
  push(p: Process): void {
    if (this.length === this.buf.length) {
      const nb: (Process | undefined)[] = new Array(this.buf.length * 2).fill(undefined);
      for (let i = 0; i < this.length; i++) nb[i] = this.buf[(this.head + i) % this.buf.length];
      this.buf = nb;
      this.head = 0;
    }
    this.buf[(this.head + this.length) % this.buf.length] = p;
    this.length++;
  }
  shift(): Process | undefined {
    if (this.length === 0) return undefined;
    const p = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.length--;
    return p;
  }
}

/**
 * SimPy's `Resource`: `capacity` identical units; `yield resource` takes one
 * (waiting FIFO if none is free) and `resource.release()` gives it back.
 */
export class Resource extends Waitable {
  inUse = 0;
  private queue = new WaitQueue();
  constructor(
    private readonly sim: Simulation,
    readonly capacity = 1,
  ) {
    super();
  }
  /** Processes waiting for a unit. */
  get queueLength(): number {
    return this.queue.length;
  }
  wait(p: Process): boolean {
    if (this.inUse < this.capacity) {
      this.inUse++;
      p.resumeValue = undefined;
      return true;
    }
    this.queue.push(p);
    return false;
  }
  /** Releases one unit; the longest waiter (if any) gets it. */
  release(): void {
    const next = this.queue.shift();
    if (next) this.sim.procs.wake(next, undefined);
    else this.inUse--;
  }
}

/** SimPy's `Store`: an unbounded FIFO of items; `yield store` takes one. */
export class Store<T = unknown> extends Waitable {
  private items: T[] = [];
  private itemHead = 0;
  private getters = new WaitQueue();
  constructor(private readonly sim: Simulation) {
    super();
  }
  get size(): number {
    return this.items.length - this.itemHead;
  }
  put(item: T): void {
    const g = this.getters.shift();
    if (g) {
      this.sim.procs.wake(g, item);
      return;
    }
    this.items.push(item);
  }
  wait(p: Process): boolean {
    if (this.itemHead < this.items.length) {
      p.resumeValue = this.items[this.itemHead];
      this.items[this.itemHead++] = undefined as T;
      if (this.itemHead > 1024 && this.itemHead * 2 > this.items.length) {
        this.items = this.items.slice(this.itemHead);
        this.itemHead = 0;
      }
      return true;
    }
    this.getters.push(p);
    return false;
  }
}

/** Runs processes: starts them, resumes them from queue events, and interprets what they yield. */
export class ProcessDriver {
  private procs: (Process | undefined)[] = [];
  private freeIds: number[] = [];
  constructor(private readonly sim: Simulation) {}

  start<T>(body: ProcessBody<T>, name: string): Process<T> {
    const id = this.freeIds.length > 0 ? (this.freeIds.pop() as number) : this.procs.length;
    const p = new Process<T>(id, name, body(this.sim), this);
    this.procs[id] = p as Process;
    // Start at the current time, after already-scheduled same-time events (as SimPy does).
    this.sim.scheduleResume(0, id);
    return p;
  }

  /** Makes `p` continue at the current time with `value`. */
  wake(p: Process, value: unknown): void {
    p.resumeValue = value;
    this.sim.scheduleResume(0, p.id);
  }

  resume(id: number): void {
    const p = this.procs[id] as Process;
    const gen = p.gen;
    let value = p.resumeValue;
    for (;;) {
      let r: IteratorResult<unknown, unknown>;
      try {
        r = gen.next(value);
      } catch (e) {
        throw CoreErrors.simProcessError(p.name, e);
      }
      if (r.done) {
        this.procs[id] = undefined;
        this.freeIds.push(id);
        p.finish(r.value);
        return;
      }
      const y = r.value;
      if (typeof y === "number") {
        if (!(y >= 0) || y === Number.POSITIVE_INFINITY) throw CoreErrors.simBadDelay(y);
        this.sim.scheduleResume(Math.round(y), id);
        return;
      }
      if (y instanceof Waitable) {
        if (y.wait(p)) {
          value = p.resumeValue;
          continue;
        }
        return;
      }
      throw CoreErrors.simBadYield(p.name, y);
    }
  }
}
