import { z } from "zod";
import { QosErrors } from "../errors.js";

/**
 * The host-side IO scheduler interface: what sits at a host's adapter queue
 * between its VMs and the shared array. A scheduler holds queued requests
 * (integer ids chosen by the caller) per VM, decides which one goes next, and
 * never lets more than `depth` requests be outstanding at the device — the
 * "D" of SFQ(D) and the issue-queue length (window) that PARDA sets.
 *
 * Allocation-free by contract: ids and VM indices are plain numbers, and
 * `dispatch()` reports the chosen request's VM through `lastVm` instead of
 * returning an object.
 */
export interface HostScheduler {
  /** Short name for tables ("sfq", "mclock", "fcfs"). */
  readonly name: string;
  /** Requests queued and not yet dispatched. */
  readonly queued: number;
  /** Requests dispatched and not yet completed. */
  readonly outstanding: number;
  /** Bound on `outstanding` (D); `dispatch` returns -1 while `outstanding >= depth`. */
  readonly depth: number;
  /** VM of the request the last successful `dispatch` returned. */
  readonly lastVm: number;
  /** Changes the depth bound at run time (PARDA's window); outstanding IOs above it drain, none are recalled. */
  setDepth(depth: number): void;
  /** Queues request `id` of VM `vm`, costing `cost` (normalised IO size, > 0), at virtual time `nowNs`. */
  enqueue(vm: number, id: number, cost: number, nowNs: number): void;
  /** Picks the next request to send to the device, or -1 if none may go now (empty, depth reached, or limits). */
  dispatch(nowNs: number): number;
  /** Notes that a dispatched request of `vm` completed. */
  complete(vm: number, nowNs: number): void;
  /**
   * The earliest virtual time (ns) at which `dispatch` could succeed if nothing else happens: `nowNs` exactly
   * when `dispatch(nowNs)` would succeed; a later time when only the clock holds queued requests back (mClock's
   * limits and reservations); +Infinity when only an event can (an enqueue into an empty queue, a completion
   * when `depth` IOs are outstanding). After a failed `dispatch` it is therefore later than now, and the host's
   * `SchedulerBridge` arms a wake-up at it; a caller that asks before dispatching is told "now", not "never".
   */
  nextEligibleNs(nowNs: number): number;
}

/**
 * Checks a request's id and cost as `enqueue` takes them: an id is a non-negative int32 (the rings
 * store ids in an Int32Array, and -1 is `dispatch`'s "none"), a cost a finite number > 0 (a NaN
 * cost failed later in `dispatch` with a TypeError; 0 or less gave tags a saved state cannot hold).
 */
export function checkRequest(id: number, cost: number): void {
  if ((id | 0) !== id || id < 0) throw QosErrors.badConfig("id", `a request id must be an integer in [0, 2^31 − 1], got ${id}`);
  if (!(cost > 0 && cost < Number.POSITIVE_INFINITY))
    throw QosErrors.badConfig("cost", `a request's cost must be a finite number > 0, got ${cost}`);
}

/** A growable FIFO of (id, cost, arrival) triples on typed arrays: no allocation per request in steady state. */
export class RequestRing {
  ids: Int32Array;
  costs: Float64Array;
  arrivals: Float64Array;
  private head = 0;
  size = 0;

  constructor(capacity = 16) {
    this.ids = new Int32Array(capacity);
    this.costs = new Float64Array(capacity);
    this.arrivals = new Float64Array(capacity);
  }

  push(id: number, cost: number, arrival: number): void {
    if (this.size === this.ids.length) this.grow();
    const i = (this.head + this.size) % this.ids.length;
    this.ids[i] = id;
    this.costs[i] = cost;
    this.arrivals[i] = arrival;
    this.size++;
  }

  /** Index (into the typed arrays) of the oldest entry; only valid when size > 0. */
  get headIndex(): number {
    return this.head;
  }

  shift(): number {
    const id = this.ids[this.head];
    this.head = (this.head + 1) % this.ids.length;
    this.size--;
    return id;
  }

  /** The queued entries, oldest first, as plain arrays (for `save`). */
  entries(): { ids: number[]; costs: number[]; arrivals: number[] } {
    const ids: number[] = [];
    const costs: number[] = [];
    const arrivals: number[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % this.ids.length;
      ids.push(this.ids[i]);
      costs.push(this.costs[i]);
      arrivals.push(this.arrivals[i]);
    }
    return { ids, costs, arrivals };
  }

  /** Replaces the contents with `entries` (for `restore`). */
  load(entries: { ids: number[]; costs: number[]; arrivals: number[] }): void {
    this.head = 0;
    this.size = 0;
    entries.ids.forEach((id, k) => {
      this.push(id, entries.costs[k], entries.arrivals[k]);
    });
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const ids = new Int32Array(n);
    const costs = new Float64Array(n);
    const arrivals = new Float64Array(n);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % this.ids.length;
      ids[k] = this.ids[i];
      costs[k] = this.costs[i];
      arrivals[k] = this.arrivals[i];
    }
    this.ids = ids;
    this.costs = costs;
    this.arrivals = arrivals;
    this.head = 0;
  }
}

/** A saved `RequestRing`: parallel arrays, oldest first. */
export const RingStateSchema = z
  .object({ ids: z.array(z.number().int()), costs: z.array(z.number().positive()), arrivals: z.array(z.number()) })
  .refine((r) => r.ids.length === r.costs.length && r.ids.length === r.arrivals.length, "ids, costs and arrivals differ in length");
/** A scheduler's per-VM request ring, saved: ids, costs and arrival tags of the queued requests. */
export type RingState = z.infer<typeof RingStateSchema>;

/** A finite number or ±Infinity, as JSON can carry it. */
export const ExtendedNumberSchema = z.union([z.number(), z.literal("inf"), z.literal("-inf")]);
export type ExtendedNumber = z.infer<typeof ExtendedNumberSchema>;

export function encodeExtended(x: number): ExtendedNumber {
  return Number.isFinite(x) ? x : x > 0 ? "inf" : "-inf";
}

export function decodeExtended(x: ExtendedNumber): number {
  return x === "inf" ? Number.POSITIVE_INFINITY : x === "-inf" ? Number.NEGATIVE_INFINITY : x;
}
