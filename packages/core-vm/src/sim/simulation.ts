import { z } from "zod";
import { CoreErrors, checkOptionNames } from "../errors.js";
import { EventQueue } from "./event-queue.js";
import { type Process, type ProcessBody, ProcessDriver } from "./process.js";

/** An event handler: receives the event's numeric and object payloads. */
export type EventHandler = (num: number, obj: unknown) => void;

/** Internal kind for resuming a generator process; never saved. */
const KIND_RESUME = 0;

export const PendingEventSchema = z.object({
  time: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  kind: z.string().min(1),
  num: z.number(),
  obj: z.unknown().optional(),
});

/** Validates a saved `Simulation` (`SimulationState`) before `restore` uses it. */
export const SimulationStateSchema = z
  .object({
    version: z.literal(1),
    now: z.number().int().nonnegative(),
    nextSeq: z.number().int().nonnegative(),
    executed: z.number().int().nonnegative(),
    events: z.array(PendingEventSchema),
  })
  .superRefine((s, ctx) => {
    const seqs = new Set<number>();
    for (const e of s.events) {
      if (seqs.has(e.seq)) ctx.addIssue({ code: "custom", message: `two events share seq ${e.seq}` });
      seqs.add(e.seq);
      if (e.time < s.now) ctx.addIssue({ code: "custom", message: `event seq ${e.seq} at ${e.time} ns is before now=${s.now}` });
      if (e.seq >= s.nextSeq) ctx.addIssue({ code: "custom", message: `event seq ${e.seq} >= nextSeq ${s.nextSeq}` });
    }
  });
/** A `Simulation`'s saved state: the clock, the next sequence number, events executed and the pending events (plain-data payloads only). */
export type SimulationState = z.infer<typeof SimulationStateSchema>;

/** Options of `Simulation.run`: how far to run (`until`, virtual ns) and how many events at most (`maxEvents`); any other key is refused (`VMLAB_SIM_BAD_RUN_OPTION`). */
export interface RunOptions {
  /** Stop before any event later than this virtual time (ns); the clock then reads `until` (rounded down to whole ns). */
  until?: number;
  /** Stop after this many events. */
  maxEvents?: number;
}

/**
 * The discrete-event simulation kernel: a virtual clock in integer
 * nanoseconds, an event queue of plain-data events dispatched by kind, and
 * SimPy-like generator processes built on the same queue.
 */
export class Simulation {
  /** Virtual time in integer nanoseconds. */
  now = 0;
  /** Events dispatched so far (including process resumptions). */
  executed = 0;
  private readonly queue: EventQueue;
  private handlers: EventHandler[] = [];
  private kindNames: string[] = [];
  private kindIds = new Map<string, number>();
  /** @internal */
  readonly procs: ProcessDriver;
  private stopRequested = false;

  constructor(options: { initialCapacity?: number } = {}) {
    checkOptionNames(options, ["initialCapacity"], CoreErrors.simBadOption);
    const capacity = options.initialCapacity ?? 1024;
    if (!(Number.isInteger(capacity) && capacity >= 0))
      throw CoreErrors.simBadOption("initialCapacity", capacity, "a whole number of events >= 0 (a hint: the queue grows as needed)");
    this.queue = new EventQueue(capacity);
    this.procs = new ProcessDriver(this);
    this.kindNames[KIND_RESUME] = "vmlab.process.resume";
    this.kindIds.set("vmlab.process.resume", KIND_RESUME);
    // Never called: `step` and `run` dispatch resumptions straight to the driver.
    this.handlers[KIND_RESUME] = (id, value) => this.procs.resume(id, value);
  }

  /**
   * Registers the handler for an event kind and returns its numeric id, to
   * pass to `schedule`. Kind names are what a snapshot stores.
   */
  on(kind: string, handler: EventHandler): number {
    if (typeof kind !== "string" || kind === "")
      throw CoreErrors.simBadKind(
        kind,
        "is not a name: sim.on() takes a non-empty string (what a snapshot stores) and returns the numeric id",
      );
    if (typeof handler !== "function")
      throw CoreErrors.simBadKind(kind, `has a ${typeof handler} for its handler; pass a function (num, obj) => void`);
    if (this.kindIds.has(kind)) throw CoreErrors.simDuplicateHandler(kind);
    const id = this.kindNames.length;
    this.kindNames.push(kind);
    this.kindIds.set(kind, id);
    this.handlers[id] = handler;
    return id;
  }

  /** The numeric id of a registered kind. */
  kindId(kind: string): number {
    const id = this.kindIds.get(kind);
    if (id === undefined) throw CoreErrors.simNoHandler(kind);
    return id;
  }

  /**
   * Schedules an event `delay` ns from now (rounded to whole ns). Returns a
   * handle for `cancel`. `obj` must be plain data if the queue is to be saved.
   */
  schedule(delay: number, kind: number, num = 0, obj?: unknown): number {
    // Also rejects NaN, and times past 2^53 ns (≈104 days), beyond which integer ns are not exact.
    if (!(delay >= 0 && delay <= Number.MAX_SAFE_INTEGER - this.now)) throw CoreErrors.simBadDelay(delay, this.now);
    if (!((kind | 0) === kind && kind > KIND_RESUME && kind < this.handlers.length)) throw this.badKind(kind);
    return this.queue.push(this.now + Math.round(delay), kind, num, obj);
  }

  /** Schedules an event at an absolute virtual time (ns, >= now). */
  scheduleAt(time: number, kind: number, num = 0, obj?: unknown): number {
    if (!(time >= this.now)) throw CoreErrors.simTimeInPast(time, this.now);
    if (!(time <= Number.MAX_SAFE_INTEGER)) throw CoreErrors.simBadDelay(time - this.now, this.now);
    if (!((kind | 0) === kind && kind > KIND_RESUME && kind < this.handlers.length)) throw this.badKind(kind);
    return this.queue.push(Math.round(time), kind, num, obj);
  }

  /** The error for a `kind` that is not an id `on` returned (kept out of `schedule`, which is on the hot path). */
  private badKind(kind: unknown): Error {
    if (typeof kind === "string" && this.kindIds.has(kind))
      return CoreErrors.simBadKind(kind, `is a name; schedule takes the numeric id sim.on() returned, or sim.kindId("${kind}")`);
    return CoreErrors.simBadKind(
      kind,
      `is not a registered kind id; schedule takes the id sim.on(name, handler) returned (registered: ${
        this.kindNames
          .slice(1)
          .map((n, i) => `${i + 1} "${n}"`)
          .join(", ") || "none"
      })`,
    );
  }

  /** Cancels a pending event; false if it already fired or was cancelled. */
  cancel(handle: number): boolean {
    return this.queue.cancel(handle);
  }

  /** Number of pending events. */
  get pending(): number {
    return this.queue.size;
  }

  /** Virtual time of the next event, or +Infinity. */
  peek(): number {
    return this.queue.peekTime();
  }

  /** Fires the next event. Returns false if there was none. */
  step(): boolean {
    const q = this.queue;
    if (!q.pop()) return false;
    this.now = q.time;
    this.executed++;
    if (q.kind === KIND_RESUME) this.procs.resume(q.num, q.obj);
    else this.handlers[q.kind](q.num, q.obj);
    return true;
  }

  /** Runs events until the queue empties, `until` is passed, or `stop()` is called. */
  run(options: RunOptions = {}): void {
    // Events sit at whole ns, so flooring `until` fires the same ones and keeps the clock a whole number.
    const until = Math.floor(options.until ?? Number.POSITIVE_INFINITY);
    const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(until)) throw CoreErrors.simBadRunOption("until", until);
    if (!(maxEvents >= 0 && (Number.isInteger(maxEvents) || maxEvents === Number.POSITIVE_INFINITY)))
      throw CoreErrors.simBadRunOption("maxEvents", maxEvents);
    // A misspelt option (from a JSON config) would otherwise run to the end of the queue.
    for (const k in options) if (k !== "until" && k !== "maxEvents") throw CoreErrors.simUnknownRunOption(k);
    const q = this.queue;
    const handlers = this.handlers;
    const procs = this.procs;
    this.stopRequested = false;
    let count = 0;
    try {
      while (count < maxEvents && !this.stopRequested) {
        if (!q.pop(until)) break;
        this.now = q.time;
        count++;
        // Resumptions skip the handler table: one direct, monomorphic call on the process hot path.
        const kind = q.kind;
        if (kind === KIND_RESUME) procs.resume(q.num, q.obj);
        else handlers[kind](q.num, q.obj);
      }
    } finally {
      this.executed += count;
    }
    if (until !== Number.POSITIVE_INFINITY && !this.stopRequested && count < maxEvents && this.now < until) this.now = until;
  }

  /** Asks `run` to return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Starts a generator process now, from a body function or (SimPy style) a
   * generator object. See `process.ts` for what it may yield.
   */
  process<T = unknown>(body: ProcessBody<T> | Generator<unknown, T, unknown>, name = "process"): Process<T> {
    return this.procs.start(body, name);
  }

  /** SimPy's `env.timeout(d)`: yield it from a process to wait `delay` ns. */
  timeout(delay: number): number {
    return delay;
  }

  /** @internal schedules a process resumption; `value` is what its `yield` returns. */
  scheduleResume(delay: number, processId: number, value?: unknown): void {
    this.queue.push(this.now + delay, KIND_RESUME, processId, value);
  }

  /** Saves the clock and the pending queue as plain data. */
  save(): SimulationState {
    // A process blocked on a Signal, Resource or Store has no event queued: only the driver knows of it.
    const running = this.procs.running;
    if (running > 0)
      throw CoreErrors.simNotSavable(
        `${running === 1 ? "1 process is" : `${running} processes are`} waiting (on a timeout, Signal, Resource, Store or another process); generator processes cannot be saved — snapshot event-driven models only, or once every process has finished`,
      );
    const events = this.queue.entries().map((e) => {
      if (e.kind === KIND_RESUME)
        throw CoreErrors.simNotSavable("generator processes are pending; they cannot be saved — snapshot event-driven models only");
      const kind = this.kindNames[e.kind];
      if (!isPlainPayload(e.obj))
        throw CoreErrors.simNotSavable(
          `a pending "${kind}" event carries a ${(e.obj as object).constructor?.name ?? "non-plain"} object, not plain data; that model cannot be saved while it has events pending — let it go idle first`,
        );
      return { time: e.time, seq: e.seq, kind, num: e.num, obj: e.obj };
    });
    return { version: 1, now: this.now, nextSeq: this.queue.sequence, executed: this.executed, events };
  }

  /** Restores a saved state; validates it first and changes nothing if it is invalid. */
  restore(state: unknown): void {
    const parsed = SimulationStateSchema.safeParse(state);
    if (!parsed.success) throw CoreErrors.simBadState("simulation", parsed.error.issues.map((i) => i.message).join("; "));
    const s = parsed.data;
    // Their queued resumptions would be dropped, leaving them unfinished forever.
    if (this.procs.running > 0) throw CoreErrors.simRestoreBusy(this.procs.running);
    const kinds = s.events.map((e) => {
      const id = this.kindIds.get(e.kind);
      if (id === undefined || id === KIND_RESUME) throw CoreErrors.simNoHandler(e.kind);
      return id;
    });
    this.queue.reset(s.nextSeq);
    s.events.forEach((e, i) => {
      this.queue.insert(e.time, e.seq, kinds[i], e.num, e.obj);
    });
    this.now = s.now;
    this.executed = s.executed;
  }
}

/**
 * Whether an event payload can go through JSON unchanged at its top level:
 * absent, a primitive, an array or an object literal. A class instance (a
 * model's request object) is not — and usually links back into the model.
 */
function isPlainPayload(obj: unknown): boolean {
  if (obj === undefined || obj === null || typeof obj !== "object")
    return typeof obj !== "function" && typeof obj !== "symbol" && typeof obj !== "bigint";
  const proto = Object.getPrototypeOf(obj);
  return proto === Object.prototype || proto === null || Array.isArray(obj);
}
