import { CoreErrors } from "../errors.js";
import type { Simulation } from "./simulation.js";

/** A monotonically increasing count (events, bytes, IOs). */
export class Counter {
  value = 0;
  constructor(readonly name: string) {}
  add(n = 1): void {
    this.value += n;
  }
}

/**
 * The time-weighted average of a level that changes at instants (queue
 * length, outstanding IOs, busy servers): ∫ level dt / elapsed, in virtual time.
 */
export class TimeWeighted {
  private level: number;
  private since: number;
  private lastChange: number;
  private area = 0;
  constructor(
    readonly name: string,
    private readonly sim: Simulation,
    initial = 0,
  ) {
    if (!Number.isFinite(initial)) throw CoreErrors.metricsBadValue(name, initial, "finite numbers");
    this.level = initial;
    this.since = sim.now;
    this.lastChange = sim.now;
  }
  get current(): number {
    return this.level;
  }
  set(level: number): void {
    // NaN or Infinity would make every later average NaN or Infinity, without a word.
    if (!Number.isFinite(level)) throw CoreErrors.metricsBadValue(this.name, level, "finite numbers");
    const now = this.sim.now;
    this.area += this.level * (now - this.lastChange);
    this.lastChange = now;
    this.level = level;
  }
  add(delta: number): void {
    if (!Number.isFinite(delta)) throw CoreErrors.metricsBadValue(this.name, delta, "finite numbers");
    this.set(this.level + delta);
  }
  /** Average level from creation (or the last `reset`) to now. */
  average(): number {
    const now = this.sim.now;
    const elapsed = now - this.since;
    if (elapsed <= 0) return this.level;
    return (this.area + this.level * (now - this.lastChange)) / elapsed;
  }
  /** Forgets the history so far (end of a warm-up period); keeps the level. */
  reset(): void {
    this.area = 0;
    this.since = this.sim.now;
    this.lastChange = this.sim.now;
  }
}

/** A series of (virtual time, value) samples, e.g. a window size over time. */
export class TimeSeries {
  readonly times: number[] = [];
  readonly values: number[] = [];
  constructor(readonly name: string) {}
  record(time: number, value: number): void {
    this.times.push(time);
    this.values.push(value);
  }
  get length(): number {
    return this.times.length;
  }
  /** Rows for a table or a chart. */
  rows(timeUnitNs = 1e9): { t: number; value: number }[] {
    return this.times.map((t, i) => ({ t: t / timeUnitNs, value: this.values[i] }));
  }
}
