import { CoreErrors } from "../errors.js";
import type { Process } from "./process.js";
import type { Simulation } from "./simulation.js";
import { Waitable } from "./waitable.js";

/**
 * SimPy's shared-resource primitives (SimPy 4 docs, "Shared Resources"):
 * one-shot signals, counted resources and FIFO stores. Waiters queue in
 * arrival order and resume through the event queue, so ties stay
 * deterministic.
 */

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
    if (p.driver !== this.sim.procs) throw p.driver.foreign(p, "Signal");
    this.waiters.push(p);
    return false;
  }
  /** Triggers the signal; every waiter resumes (at the current time, in the order they waited) with `value`. */
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
    if (!((Number.isInteger(capacity) && capacity >= 1) || capacity === Number.POSITIVE_INFINITY))
      throw CoreErrors.simBadOption("Resource capacity", capacity, "a whole number of units >= 1 (Infinity: as many as ask)");
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
    if (p.driver !== this.sim.procs) throw p.driver.foreign(p, "Resource");
    this.queue.push(p);
    return false;
  }
  /** Releases one unit; the longest waiter (if any) gets it. Releasing with no unit held is a model bug and throws. */
  release(): void {
    const next = this.queue.shift();
    if (next) this.sim.procs.wake(next, undefined);
    else if (this.inUse > 0) this.inUse--;
    else throw CoreErrors.simOverRelease(this.capacity);
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
    if (p.driver !== this.sim.procs) throw p.driver.foreign(p, "Store");
    this.getters.push(p);
    return false;
  }
}
